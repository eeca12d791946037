"""What the model sees of a text: hashed word and character n-grams of the normalised
text, and counts of the analysers' cues with a few of their combinations. Hashing is
CRC-32, the same in every process and on every machine, so weights stay valid."""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from itertools import pairwise
from typing import Final

from stockade.watch.analyzers.targeted_threat import sides
from stockade.watch.spans import Span

# Hashed n-gram buckets; cue features are numbered after them.
BUCKETS: Final = 1 << 16
_WORD: Final = re.compile(r"\w+(?:'\w+)?")
_HARMFUL: Final = ("threat", "incitement", "swat", "doxx")
# A watch list is the deployment's, not in any training data: its hits weigh as names.
_ALIASES: Final = {"target:protected_person": "target:name"}


def cue_names(spans: Sequence[Span]) -> dict[str, float]:
    """Named features from the cues: "threat:intent" counts, the context kinds seen with
    each harmful label ("threat&news"), and whether a threat met a target."""
    counts: dict[str, float] = {}
    contexts = set()
    harmful = set()
    for span in spans:
        name = f"{span.label}:{span.kind}"
        name = _ALIASES.get(name, name)
        counts[name] = min(counts.get(name, 0.0) + 1.0, 3.0)
        if span.label == "context":
            contexts.add(span.kind)
        elif span.label in _HARMFUL:
            harmful.add(span.label)
    for label in harmful:
        counts[label] = 1.0
        for kind in contexts:
            counts[f"{label}&{kind}"] = 1.0
    threat_side, target_side = sides(spans)
    if threat_side and target_side:
        counts["threat&target"] = 1.0
    return counts


def hashed(text: str) -> dict[int, float]:
    """Buckets of the word unigrams and bigrams and of the character 3- and 4-grams of
    each word, L2-normalised."""
    words = _WORD.findall(text)
    keys = [f"w {word}" for word in words]
    keys.extend(f"b {first} {second}" for first, second in pairwise(words))
    for word in words:
        padded = f" {word} "
        for size in (3, 4):
            keys.extend(f"c{padded[i : i + size]}" for i in range(len(padded) - size + 1))
    buckets: dict[int, float] = {}
    for key in keys:
        bucket = zlib.crc32(key.encode()) & (BUCKETS - 1)
        buckets[bucket] = 1.0
    if not buckets:
        return buckets
    scale = 1.0 / math.sqrt(len(buckets))
    return dict.fromkeys(buckets, scale)


def vector(
    text: str, spans: Sequence[Span], cue_index: dict[str, int]
) -> tuple[list[int], list[float]]:
    """Column indices and values of one text's features; cues the model does not know
    are left out."""
    values = hashed(text)
    for name, count in cue_names(spans).items():
        column = cue_index.get(name)
        if column is not None:
            values[BUCKETS + column] = count
    return list(values), list(values.values())


def index_of(names: Sequence[str]) -> dict[str, int]:
    return {name: position for position, name in enumerate(names)}
