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
    """Every cue of every analyser and every context cue, each span once, in text order."""
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
    return sorted(found.values())


__all__ = ["LABELS", "WatchList", "find_cues"]
