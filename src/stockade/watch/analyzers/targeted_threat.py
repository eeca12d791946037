"""`targeted_threat`: a threat of violence — stated, called for, or by proxy through a
swatting call — that meets an identifiable target, made graver by doxxing. Its score is
the model's; its evidence is the threat-side and target-side spans that met. A call to
harass without violence ("everyone report her account") is incitement, not a threat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from stockade.watch.spans import Span

LABEL: Final = "targeted_threat"

# Labels whose cues make the threat side, and those that make the target side.
THREAT_SIDE: Final = frozenset({"threat", "swat"})
TARGET_SIDE: Final = frozenset({"target", "doxx"})
EVIDENCE: Final = THREAT_SIDE | TARGET_SIDE | {"incitement"}


def sides(spans: Iterable[Span]) -> tuple[bool, bool]:
    """Whether any span is on the threat side, and whether any is on the target side."""
    labels = {span.label for span in spans}
    return bool(labels & THREAT_SIDE), bool(labels & TARGET_SIDE)
