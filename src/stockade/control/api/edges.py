"""Edges and the revision: which revision each edge has applied, and the current one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from stockade.control.auth import Caller, require
from stockade.control.state import ControlState, control_state
from stockade.desk.edges import list_edges
from stockade.store import current_revision

router = APIRouter(prefix="/v1", tags=["edges"])


class EdgeOut(BaseModel):
    name: str
    revision: int = Field(description="The revision the edge had applied when it last polled.")
    address: str
    first_seen: datetime
    last_seen: datetime


class EdgesOut(BaseModel):
    revision: int = Field(description="The current policy revision.")
    edges: list[EdgeOut]


class RevisionOut(BaseModel):
    revision: int


@router.get("/edges", response_model=EdgesOut)
def edges(
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
) -> EdgesOut:
    with state.database.read() as session:
        return EdgesOut(
            revision=current_revision(session),
            edges=[
                EdgeOut(
                    name=record.name,
                    revision=record.revision,
                    address=record.address,
                    first_seen=record.first_seen,
                    last_seen=record.last_seen,
                )
                for record in list_edges(session)
            ],
        )


@router.get("/revision", response_model=RevisionOut)
def revision(
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
) -> RevisionOut:
    with state.database.read() as session:
        return RevisionOut(revision=current_revision(session))
