"""What an analyser points at: a span of the original text with the cue it matched."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from stockade.watch.normalize import Normalized


class Span(NamedTuple):
    """[start, end) in the original text, the analyser (`label`) and the cue (`kind`)."""

    start: int
    end: int
    label: str
    kind: str
    text: str

    def as_json(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "kind": self.kind,
            "text": self.text,
        }


def find(pattern: re.Pattern[str], normalized: Normalized, label: str, kind: str) -> list[Span]:
    """Every match of `pattern` in the normalised text, as spans of the original."""
    found = []
    for match in pattern.finditer(normalized.text):
        start, end = normalized.span(*match.span())
        found.append(Span(start, end, label, kind, normalized.original[start:end]))
    return found


def find_each(
    patterns: Mapping[str, re.Pattern[str]], normalized: Normalized, label: str
) -> list[Span]:
    """Every match of each pattern in the normalised text, its kind the pattern's key."""
    return [
        span
        for kind, pattern in patterns.items()
        for span in find(pattern, normalized, label, kind)
    ]


def find_original(pattern: re.Pattern[str], original: str, label: str, kind: str) -> list[Span]:
    """Every match of `pattern` in the original text, for cues that need its case."""
    return [
        Span(match.start(), match.end(), label, kind, match.group())
        for match in pattern.finditer(original)
    ]
