from __future__ import annotations

import pytest

from stockade.watch.analyzers.context import cues
from stockade.watch.normalize import normalize


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I would never do that", "negation"),
        ("Police said the suspect was arrested", "news"),
        ("That is unacceptable, reported", "condemnation"),
        ("In chapter three the villain", "fiction"),
        ("next match in ranked", "game"),
        ("kill the process on the server", "software"),
        ("beat the eggs", "cooking"),
        ("this traffic is killing me", "hyperbole"),
        ("our store is open daily", "public_place"),
        ('he wrote "I will hurt you"', "quote"),
        ("elle a écrit « je vais te tuer »", "quote"),
    ],
)
def test_each_kind_of_context(text: str, kind: str) -> None:
    assert kind in {span.kind for span in cues(normalize(text))}
