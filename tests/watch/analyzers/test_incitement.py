from __future__ import annotations

import pytest

from stockade.watch.analyzers.incitement import cues
from stockade.watch.normalize import normalize


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("Someone should shoot him", "Someone should shoot"),
        ("Everyone go flood her mentions", "Everyone go flood"),
        ("Mass report her account", "Mass report her account"),
        ("he should be shot", "he should be shot"),
        ("Il faut le buter", "Il faut le buter"),
        ("Allez tous chez lui", "tous chez lui"),
        ("Call the cops on @x", "Call the cops"),
    ],
)
def test_calls_to_act_against_someone(text: str, matched: str) -> None:
    assert matched in {span.text for span in cues(normalize(text))}


def test_an_announcement_calls_nobody_to_act() -> None:
    assert cues(normalize("The meeting moved to Thursday.")) == []
