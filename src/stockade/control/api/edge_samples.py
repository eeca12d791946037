"""Content the edges sampled: each sample becomes a watch item, stored and analysed as a
pushed post is (stockade.watch.items.ingest).

The text of an HTML page is what a reader sees, without scripts and styles; the text of a
JSON document is its string values. A sample with no text in it is left out.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from selectolax.lexbor import LexborHTMLParser

from stockade.control.api.watch_items import MAX_TEXT, store_items
from stockade.control.auth import Caller, require
from stockade.control.errors import ApiError
from stockade.control.state import ControlState, control_state
from stockade.watch.items import PushedItem

router = APIRouter(prefix="/v1/edge", tags=["edge feed"])

MAX_SAMPLES: Final = 500
# Elements whose text a reader does not see.
_HIDDEN: Final = ["script", "style", "noscript", "template", "head"]


class EdgeSampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone: str = Field(min_length=1, max_length=63, description="The zone that served it.")
    scheme: str = Field("https", pattern="^https?$", description="http or https.")
    host: str = Field(min_length=1, max_length=255, description="The request's Host.")
    path: str = Field(min_length=1, max_length=2000, description="The request's path and query.")
    time: float = Field(ge=0, description="When it was served, in Unix seconds.")
    request_id: str = Field(min_length=1, max_length=200, description="The edge's request id.")
    content_type: str = Field(max_length=200, description="The response's Content-Type.")
    body: str = Field(description="The response body (up to 64 KiB of it), in base64.")


class EdgeSamplesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    samples: list[EdgeSampleIn] = Field(
        min_length=1, max_length=MAX_SAMPLES, description="1 to 500 samples."
    )


class EdgeSamplesOut(BaseModel):
    stored: int = Field(description="Samples stored as watch items now.")
    duplicates: int = Field(description="Samples stored by an earlier call: left as they were.")
    empty: int = Field(description="Samples with no text in them, left out.")


@router.post("/samples", response_model=EdgeSamplesOut)
def receive_samples(
    body: EdgeSamplesIn,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("feed"))],
) -> EdgeSamplesOut:
    """Store and analyse a batch of samples, all or none (an edge token may send them), as
    POST /v1/watch/items does."""
    items = []
    for position, sample in enumerate(body.samples):
        text = sample_text(sample.content_type, _decoded(sample.body, position))[:MAX_TEXT]
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


def _decoded(body: str, position: int) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            422,
            f"The body of sample {position} is not base64: send the response body base64-encoded.",
        ) from None
