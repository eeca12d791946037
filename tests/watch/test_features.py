from __future__ import annotations

import zlib

from stockade.watch.features import BUCKETS, cue_names, hashed, index_of, vector
from stockade.watch.spans import Span


def span(label: str, kind: str) -> Span:
    return Span(0, 1, label, kind, "x")


def test_hashing_is_crc32_and_l2_normalised() -> None:
    buckets = hashed("kill you")
    assert zlib.crc32(b"w kill") & (BUCKETS - 1) in buckets
    assert zlib.crc32(b"b kill you") & (BUCKETS - 1) in buckets
    assert abs(sum(value**2 for value in buckets.values()) - 1.0) < 1e-9
    assert hashed("") == {}


def test_cue_names_count_and_combine() -> None:
    names = cue_names(
        [span("threat", "intent")] * 5 + [span("target", "handle"), span("context", "game")]
    )
    assert names["threat:intent"] == 3.0
    assert names["threat&game"] == 1.0
    assert names["threat&target"] == 1.0
    assert "target&game" not in names


def test_vector_puts_known_cues_after_the_buckets() -> None:
    index = index_of(["threat:intent"])
    columns, values = vector("x", [span("threat", "intent"), span("swat", "new")], index)
    assert BUCKETS in columns
    assert values[columns.index(BUCKETS)] == 1.0
    assert max(columns) == BUCKETS
