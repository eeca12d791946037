"""Enforcements on a zone: block with a public notice, lift one, unblock all; notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from stockade.control.auth import Caller, require
from stockade.control.state import ControlState, control_state
from stockade.desk import enforcement as desk
from stockade.desk.notices import (
    enforcement_notice_url,
    get_notice,
    hosted_notice_url,
    notice_enforcements,
    render_markdown,
)
from stockade.store.models import EnforcementRecord, NoticeRecord, utcnow

router = APIRouter(prefix="/v1", tags=["enforcements"])

Action = Literal["block", "path_block", "geo_block", "interstitial"]
Basis = Literal["legal", "policy", "emergency"]


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="Headline of the public notice.")
    body_markdown: str = Field(description="The explanation, in Markdown (no raw HTML).")


class EnforcementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action = "block"
    basis: Basis
    reason: str = Field(description="One sentence for visitors, shown on the block page.")
    status: Literal[451, 403] = 451
    paths: list[str] = Field(default_factory=list, description="For path_block.")
    countries: list[str] = Field(default_factory=list, description="For geo_block: DE, FR...")
    starts_at: datetime | None = Field(None, description="Default: now.")
    ends_at: datetime | None = Field(None, description="Default: until lifted.")
    notice: NoticeIn | None = Field(None, description="A notice published at /notices/ID.")
    notice_url: str | None = Field(None, description="Or: a notice published elsewhere.")


class EnforcementOut(BaseModel):
    id: int
    zone: str
    action: str
    basis: str
    reason: str
    status: int
    paths: list[str]
    countries: list[str]
    starts_at: datetime
    ends_at: datetime | None
    notice_id: int | None
    notice_url: str
    active: bool
    created_at: datetime
    created_by: str
    lifted_at: datetime | None
    lifted_by: str | None


class EnforcementChange(BaseModel):
    enforcement: EnforcementOut
    revision: int


class UnblockOut(BaseModel):
    lifted: list[EnforcementOut]
    revision: int


class NoticeOut(BaseModel):
    id: int
    url: str
    title: str
    basis: str
    zone: str
    hostnames: list[str]
    published_at: datetime
    body_markdown: str
    body_html: str
    in_force: bool


def enforcement_out(record: EnforcementRecord, public_base: str) -> EnforcementOut:
    return EnforcementOut(
        id=record.id,
        zone=record.zone.name,
        action=record.action,
        basis=record.basis,
        reason=record.reason,
        status=record.status,
        paths=record.paths,
        countries=record.countries,
        starts_at=record.starts_at,
        ends_at=record.ends_at,
        notice_id=record.notice_id,
        notice_url=enforcement_notice_url(record, public_base),
        active=record.is_active(utcnow()),
        created_at=record.created_at,
        created_by=record.created_by,
        lifted_at=record.lifted_at,
        lifted_by=record.lifted_by,
    )


@router.get("/zones/{name}/enforcements", response_model=list[EnforcementOut])
def list_enforcements(
    name: str,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
    active: Annotated[bool, Query(description="Only those in force or due.")] = False,
) -> list[EnforcementOut]:
    with state.database.read() as session:
        records = desk.list_enforcements(session, name, active_only=active)
        return [enforcement_out(record, state.public_base) for record in records]


@router.post("/zones/{name}/enforcements", status_code=201, response_model=EnforcementChange)
def create_enforcement(
    name: str,
    body: EnforcementIn,
    state: Annotated[ControlState, Depends(control_state)],
    caller: Annotated[Caller, Depends(require("write"))],
) -> EnforcementChange:
    """Enforce on a zone and publish its notice; every edge gets it with the new revision."""
    request = desk.EnforcementRequest(
        action=body.action,
        basis=body.basis,
        reason=body.reason,
        status=body.status,
        paths=body.paths,
        countries=body.countries,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        notice=(
            desk.NoticeText(title=body.notice.title, body_markdown=body.notice.body_markdown)
            if body.notice
            else None
        ),
        notice_url=body.notice_url,
    )
    with state.database.write() as session:
        record, revision = desk.enforce(session, name, request, actor=caller.actor)
        out = enforcement_out(record, state.public_base)
    return EnforcementChange(enforcement=out, revision=revision)


@router.delete("/zones/{name}/enforcements/{enforcement_id}", response_model=EnforcementChange)
def lift_enforcement(
    name: str,
    enforcement_id: int,
    state: Annotated[ControlState, Depends(control_state)],
    caller: Annotated[Caller, Depends(require("write"))],
) -> EnforcementChange:
    """Lift one enforcement now. The record and its notice stay."""
    with state.database.write() as session:
        record, revision = desk.lift(session, name, enforcement_id, actor=caller.actor)
        out = enforcement_out(record, state.public_base)
    return EnforcementChange(enforcement=out, revision=revision)


@router.post("/zones/{name}/unblock", response_model=UnblockOut)
def unblock(
    name: str,
    state: Annotated[ControlState, Depends(control_state)],
    caller: Annotated[Caller, Depends(require("write"))],
) -> UnblockOut:
    """Lift every enforcement of the zone; with none, nothing changes (same revision)."""
    with state.database.write() as session:
        records, revision = desk.unblock(session, name, actor=caller.actor)
        lifted = [enforcement_out(record, state.public_base) for record in records]
    return UnblockOut(lifted=lifted, revision=revision)


@router.get("/notices/{notice_id}", response_model=NoticeOut, tags=["notices"])
def read_notice(
    notice_id: int, state: Annotated[ControlState, Depends(control_state)]
) -> NoticeOut:
    """A public notice as JSON (no token needed: notices are public)."""
    with state.database.read() as session:
        notice = get_notice(session, notice_id)
        return notice_out(notice, notice_enforcements(session, notice_id), state.public_base)


def notice_out(
    notice: NoticeRecord, enforcements: Sequence[EnforcementRecord], public_base: str
) -> NoticeOut:
    now = utcnow()
    return NoticeOut(
        id=notice.id,
        url=hosted_notice_url(public_base, notice.id),
        title=notice.title,
        basis=notice.basis,
        zone=notice.zone_name,
        hostnames=notice.hostnames,
        published_at=notice.published_at,
        body_markdown=notice.body_markdown,
        body_html=render_markdown(notice.body_markdown),
        in_force=any(record.is_active(now) for record in enforcements),
    )
