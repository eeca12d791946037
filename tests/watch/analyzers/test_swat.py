from __future__ import annotations

import pytest

from stockade.watch.analyzers.swat import cues
from stockade.watch.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 911 and say he has a hostage", {"call 911", "say he has a hostage"}),
        ("send the SWAT team to her place", {"send the SWAT team to"}),
        ("swat him tonight", {"swat him"}),
        (
            "Appelez le 17 et dites qu'il y a une bombe chez elle",
            {"Appelez le 17", "dites qu'il y a une bombe"},
        ),
        ("Faites un faux signalement", {"faux signalement"}),
    ],
)
def test_swatting_calls(text: str, expected: set[str]) -> None:
    assert expected <= {span.text for span in cues(normalize(text))}


def test_calling_a_plumber_is_not_swatting() -> None:
    assert cues(normalize("call the plumber and say the sink leaks")) == []
