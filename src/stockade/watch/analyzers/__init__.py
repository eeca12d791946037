"""The analysers, in the order their scores are reported. Each module's `cues` finds the
spans that justify its label; `context` finds what mitigates them. The scores themselves
come from the model (stockade.watch.model), which weighs these cues with the words."""

from __future__ import annotations

from typing import Final

from stockade.watch.analyzers import context, doxx, incitement, swat, target, threat
from stockade.watch.analyzers.target import WatchList
from stockade.watch.normalize import Normalized
from stockade.watch.spans import Span

LABELS: Final = ("threat", "target", "doxx", "swat", "incitement", "targeted_threat")


def find_cues(normalized: Normalized, watch_list: WatchList | None = None) -> list[Span]:
    """Every cue of every analyser and every context cue, in text order; a span inside
    another of the same analyser is left out ("k1ll you" within "I will find you and
    k1ll")."""
    found = {
        (span.start, span.end, span.label): span
        for span in (
            *threat.cues(normalized),
            *target.cues(normalized, watch_list),
            *doxx.cues(normalized),
            *swat.cues(normalized),
            *incitement.cues(normalized),
            *context.cues(normalized),
        )
    }
    spans = sorted(found.values(), key=lambda span: (span.start, -span.end))
    kept: list[Span] = []
    reach: dict[str, int] = {}
    for span in spans:
        if span.end > reach.get(span.label, -1):
            kept.append(span)
            reach[span.label] = span.end
    return kept


__all__ = ["LABELS", "WatchList", "find_cues"]
