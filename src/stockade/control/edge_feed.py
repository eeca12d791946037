"""The feed edges follow: signed snapshots by long-poll, and the key to verify them.

GET /v1/edge/snapshot?after=REV&edge=NAME&wait=SECONDS   (role edge or admin)
  200  a signed snapshot newer than REV (application/vnd.stockade.snapshot+msgpack)
  204  nothing newer within `wait` seconds (at most 30)
GET /v1/edge/key                                         (no token)
  {"key": "ed25519:..."}
"""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from stockade.control.auth import Caller, require
from stockade.control.state import ControlState, control_state
from stockade.desk.edges import MAX_NAME, record_poll
from stockade.store import current_revision

SNAPSHOT_MEDIA_TYPE = "application/vnd.stockade.snapshot+msgpack"
MAX_WAIT = 30.0

router = APIRouter(prefix="/v1/edge", tags=["edge feed"])


class KeyOut(BaseModel):
    key: str


@router.get("/key", response_model=KeyOut)
def verify_key(state: Annotated[ControlState, Depends(control_state)]) -> KeyOut:
    """The public key edges verify snapshots with (`stockade edge --control-key`)."""
    return KeyOut(key=state.signing_key.verify_key().to_text())


@router.get(
    "/snapshot",
    response_class=Response,
    responses={
        200: {
            "content": {SNAPSHOT_MEDIA_TYPE: {}},
            "description": "A signed snapshot newer than `after`.",
        },
        204: {"description": "Nothing newer than `after` within `wait` seconds."},
    },
)
async def snapshot(
    request: Request,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("feed"))],
    after: Annotated[int, Query(ge=0, description="The revision the edge has applied.")] = 0,
    edge: Annotated[
        str | None, Query(max_length=MAX_NAME, description="The edge's name in GET /v1/edges.")
    ] = None,
    wait: Annotated[
        float, Query(ge=0, description="Seconds to hold the poll; more than 30 means 30.")
    ] = MAX_WAIT,
) -> Response:
    """Long-poll for a snapshot newer than `after`; records the edge as seen."""
    address = request.client.host if request.client else "unknown"
    await anyio.to_thread.run_sync(_record, state, edge or address, after, address)
    watch = state.watch
    if not await watch.wait_newer(after, min(wait, MAX_WAIT)):
        # Normally the watch knows every commit; this read covers a NOTIFY missed while
        # the listener was reconnecting.
        revision = await anyio.to_thread.run_sync(_current, state)
        watch.advance(revision)
        if revision <= after:
            return Response(status_code=204, headers={"Stockade-Revision": str(revision)})
    signed = await state.snapshots.at_least(watch.revision)
    if signed.revision <= after:
        return Response(status_code=204, headers={"Stockade-Revision": str(signed.revision)})
    return Response(
        signed.data,
        media_type=SNAPSHOT_MEDIA_TYPE,
        headers={"Stockade-Revision": str(signed.revision), "Cache-Control": "no-store"},
    )


def _record(state: ControlState, name: str, revision: int, address: str) -> None:
    with state.database.write() as session:
        record_poll(session, name=name, revision=revision, address=address)


def _current(state: ControlState) -> int:
    with state.database.read() as session:
        return current_revision(session)
