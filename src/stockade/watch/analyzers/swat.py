"""`swat`: calls to make a false report to police or emergency services (911, 999, 112,
17) so that armed officers descend on someone: "call 911 and say he has a hostage",
"appelez le 17 et dites qu'il y a une bombe chez elle"."""

from __future__ import annotations

from typing import Final

from stockade.watch.analyzers.lexicon import compile_words
from stockade.watch.normalize import Normalized
from stockade.watch.spans import Span, find_each

LABEL: Final = "swat"

_EMERGENCY_EN = r"(?:the )?(?:911|999|112|cops|police|feds|fbi|emergency services|swat|swat team)"
_EMERGENCY_FR = r"(?:le |la |les )?(?:17|112|15|18|flics|police|keufs|raid|gign|gendarmes|gendarmerie|pompiers|bac|samu)"
_DANGER_EN = r"(?:a |an )?(?:bomb|hostage|hostages|gun|guns|shooting|active shooter|murder|dead body|body|gas leak|armed man|rifle|explosives?|kidnapp\w*)"
_DANGER_FR = r"(?:une |un |des )?(?:bombe|otages?|prise d'otages|arme|armes|fusil|homme arme|fusillade|cadavre|meurtre|explosifs?|enlevement|sequestration)"

CALL: Final = compile_words(
    rf"(?:call|phone|ring|dial|text|get) {_EMERGENCY_EN}",
    rf"send {_EMERGENCY_EN} (?:to|over to|at)",
    rf"(?:appel\w*|telephon\w*|previen\w*|preven\w*|contact\w*) {_EMERGENCY_FR}",
    rf"(?:envoy\w*) {_EMERGENCY_FR} (?:chez|a)",
)  # fmt: skip
FALSE_REPORT: Final = compile_words(
    rf"(?:say|tell them|tell the cops|report|claim|pretend|saying|claiming) (?:that )?(?:there's |there is |theres |he has |she has |they have |he's got |she's got |he is holding |she is holding )?{_DANGER_EN}",
    rf"(?:report|reporting) (?:him|her|them) for {_DANGER_EN}",
    rf"(?:dis|dites|dire|disant|signal\w*|pretend\w*|raconte\w*) (?:qu'il y a |qu'il a |qu'elle a |qu'ils ont |qu'il detient |avoir vu )?{_DANGER_FR}",
    rf"that there(?:'s| is) {_DANGER_EN}",
    rf"qu'il y a {_DANGER_FR}",
    r"fake (?:911|999|112|emergency|police) (?:call|report)",
    r"false (?:report|911 call|police report)",
    r"swat(?:ting|ted|ter)? (?:him|her|them|this guy|this girl|that guy|his house|her house|the house|his place|her place)",
    r"faux (?:signalement|appel)", r"swatt\w*",
)  # fmt: skip


def cues(normalized: Normalized) -> list[Span]:
    """Spans of calls to emergency services and of the false emergency to report."""
    return find_each({"emergency_call": CALL, "false_report": FALSE_REPORT}, normalized, LABEL)
