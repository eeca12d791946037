"""The threat analyser's cues, in English and French, and what it leaves alone."""

from __future__ import annotations

import pytest

from stockade.watch.analyzers.threat import cues
from stockade.watch.normalize import normalize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in cues(normalize(text))]


@pytest.mark.parametrize(
    ("text", "kind", "matched"),
    [
        ("I'm going to kill you tonight.", "intent", "I'm going to kill"),
        ("ima st4b u fr", "intent", "ima st4b"),
        ("Je vais te buter ce soir", "intent", "Je vais te buter"),
        ("On va t'égorger", "intent", "On va t'égorger"),
        ("You're dead. I know where you live.", "fate", "You're dead"),
        ("Tes jours sont comptés.", "fate", "Tes jours sont comptés"),
        ("I hope you die slowly", "wish", "hope you die"),
        ("J'espère que tu vas crever", "wish", "J'espère que tu vas crever"),
        ("Someone should shoot him", "call", "Someone should shoot"),
        ("Il faut le buter", "call", "Il faut le buter"),
        ("Kill them all.", "imperative", "Kill them"),
    ],
)
def test_threats_are_found_with_their_span(text: str, kind: str, matched: str) -> None:
    assert (kind, matched) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt anyone.",
        "I'm not going to kill you, relax.",
        "Je ne te tuerai jamais.",
        "This traffic is killing me.",
        "We are going to crush them on Saturday.",
        "I want to eat.",
    ],
)
def test_no_threat_cue(text: str) -> None:
    assert kinds(text) == []
