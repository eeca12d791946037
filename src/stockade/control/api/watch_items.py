"""The push API: platforms send their posts, which are stored, analysed, and counted as
signals for the watch worker."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from stockade.control.auth import Caller, require
from stockade.control.errors import ApiError
from stockade.control.state import ControlState, control_state
from stockade.watch.items import Ingested, ItemError, PushedItem, ingest, shipped_analyzer

router = APIRouter(prefix="/v1/watch", tags=["watch"])

MAX_BATCH: Final = 500
MAX_TEXT: Final = 20_000


class WatchItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="The platform's id of the post.")
    zone: str = Field(min_length=1, max_length=63, description="The zone the post is on.")
    url: str | None = Field(None, max_length=2000, description="Where the post can be read.")
    author: str | None = Field(None, max_length=200, description="Who posted it, if known.")
    time: AwareDatetime = Field(description="When it was posted, with its time zone.")
    text: str = Field(max_length=MAX_TEXT, description="The post's text.")


class WatchItemsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[WatchItemIn] = Field(
        min_length=1, max_length=MAX_BATCH, description="1 to 500 posts."
    )


class WatchItemOut(BaseModel):
    id: str
    zone: str
    duplicate: bool = Field(description="Already stored by an earlier call: left as it was.")
    labels: list[str] = Field(description="The analysers whose score passed the threshold.")
    signals: list[str] = Field(description="The signal events the post raised.")


class WatchItemsOut(BaseModel):
    stored: int
    duplicates: int
    items: list[WatchItemOut]


def store_items(state: ControlState, items: list[PushedItem]) -> list[Ingested]:
    """Store and analyse `items` in one transaction; a batch ingest refuses is answered
    422 with its sentence, and nothing is stored."""
    try:
        with state.database.write() as session:
            return ingest(session, items, shipped_analyzer())
    except ItemError as error:
        refused = ApiError(422, error.message)
        refused.details = error.details
        raise refused from None


@router.post("/items", response_model=WatchItemsOut)
def push_items(
    body: WatchItemsIn,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("write"))],
) -> WatchItemsOut:
    """Store and analyse a batch of posts, all or none; a post already stored (same zone
    and id) is left as it is, so a batch may be sent again."""
    items = [
        PushedItem(item.id, item.zone, item.url, item.author, item.time, item.text)
        for item in body.items
    ]
    results = store_items(state, items)
    duplicates = sum(result.duplicate for result in results)
    return WatchItemsOut(
        stored=len(results) - duplicates,
        duplicates=duplicates,
        items=[
            WatchItemOut(
                id=result.item_id,
                zone=result.zone,
                duplicate=result.duplicate,
                labels=result.labels,
                signals=result.signals,
            )
            for result in results
        ],
    )
