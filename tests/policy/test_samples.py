"""Sample batches: MessagePack both ways, bodies as bytes, every limit checked when a
batch is decoded."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from stockade.policy import (
    MAX_SAMPLES,
    SAMPLE_LIMIT,
    EdgeSample,
    decode_samples,
    encode_samples,
    explain,
)
from tests.support.samples import sample_fields


def test_a_batch_round_trips_with_its_bodies_as_bytes() -> None:
    samples = [
        EdgeSample(**sample_fields(body=bytes(range(256)))),
        EdgeSample(**sample_fields(body=b"")),
    ]
    data = encode_samples(samples)
    assert decode_samples(data).samples == samples
    # The body travels as it is: no base64, and no more than its length plus a header.
    assert bytes(range(256)) in data
    assert msgspec.msgpack.decode(data)["samples"][0]["body"] == bytes(range(256))


@pytest.mark.parametrize(
    ("batch", "problem"),
    [
        ({"samples": []}, "samples: Expected `array` of length >= 1"),
        ({"samples": [sample_fields()] * (MAX_SAMPLES + 1)}, f"of length <= {MAX_SAMPLES}"),
        (
            {"samples": [sample_fields(), sample_fields(scheme="ftp")]},
            "samples[1].scheme: Expected `str`",
        ),
        ({"samples": [sample_fields(zone="")]}, "samples[0].zone: Expected `str` of length >= 1"),
        ({"samples": [sample_fields(time=-1.0)]}, "samples[0].time: Expected `float` >= 0.0"),
        ({"samples": [sample_fields(body=b"x" * (SAMPLE_LIMIT + 1))]}, "samples[0].body"),
        ({"samples": [sample_fields(body="text")]}, "samples[0].body: Expected `bytes`, got `str`"),
        ({"samples": [{"zone": "forum"}]}, "missing required field `scheme`"),
    ],
)
def test_a_batch_out_of_bounds_is_refused_with_where(batch: dict[str, Any], problem: str) -> None:
    with pytest.raises(msgspec.ValidationError) as refused:
        decode_samples(msgspec.msgpack.encode(batch))
    assert problem in explain(refused.value)


def test_what_is_not_messagepack_is_refused() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_samples(b'{"samples": []}')
