from __future__ import annotations

from stockade.watch.analyzers.targeted_threat import EVIDENCE, sides
from stockade.watch.spans import Span


def span(label: str) -> Span:
    return Span(0, 1, label, "kind", "x")


def test_both_sides_must_meet() -> None:
    assert sides([span("threat"), span("target")]) == (True, True)
    assert sides([span("swat"), span("doxx")]) == (True, True)
    assert sides([span("threat")]) == (True, False)
    assert sides([span("target"), span("context")]) == (False, True)


def test_harassment_without_violence_is_not_the_threat_side() -> None:
    assert sides([span("incitement"), span("target")]) == (False, True)
    assert "incitement" in EVIDENCE
    assert "context" not in EVIDENCE
