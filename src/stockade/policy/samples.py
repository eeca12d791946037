"""Content samples an edge sends its control plane for watch (POST /v1/edge/samples): the
types both sides share, and their MessagePack encoding.

MessagePack, as for snapshots: a body travels as its bytes, where JSON would need base64,
which cost an edge more than anything else about a sample. The edge only encodes; the
control plane decodes and checks every limit below.
"""

from __future__ import annotations

from typing import Annotated, Final

import msgspec

SAMPLES_MEDIA_TYPE: Final = "application/vnd.stockade.samples+msgpack"
# Body bytes kept of one response; the rest streams on unsampled.
SAMPLE_LIMIT: Final = 64 * 1024
# Samples in one batch, at most.
MAX_SAMPLES: Final = 500


# gc=False: a sample holds strings, a float and bytes only, so it is never in a cycle,
# and the collector need not walk the samples an edge keeps queued.
class EdgeSample(msgspec.Struct, frozen=True, gc=False):
    """One sampled response."""

    zone: Annotated[str, msgspec.Meta(min_length=1, max_length=63)]
    scheme: Annotated[str, msgspec.Meta(pattern="^https?$")]
    host: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    # The request's path and query.
    path: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    # When it was served, in Unix seconds.
    time: Annotated[float, msgspec.Meta(ge=0)]
    request_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    content_type: Annotated[str, msgspec.Meta(max_length=200)]
    body: Annotated[bytes, msgspec.Meta(max_length=SAMPLE_LIMIT)]


class SampleBatch(msgspec.Struct, frozen=True):
    samples: Annotated[list[EdgeSample], msgspec.Meta(min_length=1, max_length=MAX_SAMPLES)]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(SampleBatch)


def encode_samples(samples: list[EdgeSample]) -> bytes:
    return _encoder.encode(SampleBatch(samples))


def decode_samples(data: bytes) -> SampleBatch:
    """Decode and check a batch; raises msgspec.ValidationError or msgspec.DecodeError."""
    return _decoder.decode(data)
