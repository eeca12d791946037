"""Content the edges sampled: each sample becomes a watch item, stored and analysed as a
pushed post is (stockade.watch.items.ingest).

The text of an HTML page is what a reader sees, without scripts and styles; the text of a
JSON document is its string values. A sample with no text in it is left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Final

import msgspec
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from selectolax.lexbor import LexborHTMLParser

from stockade.control.api.watch_items import MAX_TEXT, store_items
from stockade.control.auth import Caller, require
from stockade.control.errors import ApiError
from stockade.control.state import ControlState, control_state
from stockade.policy import (
    MAX_SAMPLES,
    SAMPLE_LIMIT,
    SAMPLES_MEDIA_TYPE,
    SampleBatch,
    decode_samples,
    explain,
)
from stockade.watch.items import PushedItem

router = APIRouter(prefix="/v1/edge", tags=["edge feed"])

# Elements whose text a reader does not see.
_HIDDEN: Final = ["script", "style", "noscript", "template", "head"]
_BATCH_DOCUMENTATION: Final = {
    "required": True,
    "description": (
        f"MessagePack: a map {{samples: [...]}} of 1 to {MAX_SAMPLES} maps {{zone, scheme, "
        "host, path, time (Unix seconds), request_id, content_type, body (binary, the first "
        f"{SAMPLE_LIMIT // 1024} KiB of the response body)}}."
    ),
    "content": {SAMPLES_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}


class EdgeSamplesOut(BaseModel):
    stored: int = Field(description="Samples stored as watch items now.")
    duplicates: int = Field(description="Samples stored by an earlier call: left as they were.")
    empty: int = Field(description="Samples with no text in them, left out.")


async def sample_batch(request: Request) -> SampleBatch:
    """The batch in the request's body, decoded and checked."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != SAMPLES_MEDIA_TYPE:
        raise ApiError(
            415,
            f"Samples are read as MessagePack only: send them with Content-Type "
            f"{SAMPLES_MEDIA_TYPE}, not {media_type or 'no content type'}.",
        )
    try:
        return decode_samples(await request.body())
    except msgspec.ValidationError as error:
        raise ApiError(422, f"The batch is not valid: {explain(error)}") from None
    except msgspec.DecodeError:
        raise ApiError(
            422,
            "The body is not MessagePack: encode the batch {samples: [...]} as MessagePack, "
            "as docs/api.md describes.",
        ) from None


@router.post(
    "/samples", response_model=EdgeSamplesOut, openapi_extra={"requestBody": _BATCH_DOCUMENTATION}
)
def receive_samples(
    _caller: Annotated[Caller, Depends(require("feed"))],
    state: Annotated[ControlState, Depends(control_state)],
    body: Annotated[SampleBatch, Depends(sample_batch)],
) -> EdgeSamplesOut:
    """Store and analyse a batch of samples, all or none (an edge token may send them), as
    POST /v1/watch/items does."""
    items = []
    for sample in body.samples:
        text = sample_text(sample.content_type, sample.body)[:MAX_TEXT]
        if text:
            items.append(
                PushedItem(
                    sample.request_id,
                    sample.zone,
                    f"{sample.scheme}://{sample.host}{sample.path}",
                    None,
                    datetime.fromtimestamp(sample.time, UTC),
                    text,
                )
            )
    results = store_items(state, items) if items else []
    duplicates = sum(result.duplicate for result in results)
    return EdgeSamplesOut(
        stored=len(results) - duplicates,
        duplicates=duplicates,
        empty=len(body.samples) - len(items),
    )


def sample_text(content_type: str, body: bytes) -> str:
    """The readable text of an HTML or JSON body, in the charset its Content-Type names."""
    media_type, _, parameters = content_type.partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        document = body.decode(charset, errors="replace")
    except LookupError:
        document = body.decode("utf-8", errors="replace")
    if media_type.strip().lower().endswith(("/json", "+json")):
        return json_text(document)
    return html_text(document)


def html_text(document: str) -> str:
    tree = LexborHTMLParser(document)
    tree.strip_tags(_HIDDEN)
    root = tree.body or tree.root
    if root is None:
        return ""
    return " ".join(root.text(separator=" ").split())


def json_text(document: str) -> str:
    """The string values of a JSON document, one a line; a body cut at the sample limit
    or not JSON at all has none."""
    try:
        value = json.loads(document)
    except ValueError:
        return ""
    return "\n".join(text for text in _strings(value) if text.strip())


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
