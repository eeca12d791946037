"""Enforcement: block (all or part of) a zone with a public notice, and lift it again.

Each function is one change in the caller's transaction, and bumps the policy revision,
so the enforcement, its notice and the revision are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockade.desk.errors import Conflict, Invalid, NotFound
from stockade.desk.notices import check_notice_url, create_notice
from stockade.desk.zones import get_zone
from stockade.policy import Enforcement, ZoneError
from stockade.store import bump_revision, current_revision
from stockade.store.models import (
    ACTIONS,
    BASES,
    EnforcementRecord,
    ZoneRecord,
    utcnow,
)

MAX_REASON = 500


@dataclass(frozen=True, kw_only=True)
class NoticeText:
    """A notice to publish on the control plane's public site."""

    title: str
    body_markdown: str


@dataclass(frozen=True, kw_only=True)
class EnforcementRequest:
    """What an operator asks for; checked as a whole before anything is written."""

    action: str = "block"
    basis: str
    reason: str
    status: int = 451
    paths: Sequence[str] = ()
    countries: Sequence[str] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    notice: NoticeText | None = None
    notice_url: str | None = None


def active_enforcements(session: Session, zone: ZoneRecord) -> Sequence[EnforcementRecord]:
    return session.scalars(
        select(EnforcementRecord)
        .where(EnforcementRecord.zone_id == zone.id, EnforcementRecord.active_at(utcnow()))
        .order_by(EnforcementRecord.id)
    ).all()


def list_enforcements(
    session: Session, zone_name: str, *, active_only: bool = False
) -> Sequence[EnforcementRecord]:
    zone = get_zone(session, zone_name)
    if active_only:
        return active_enforcements(session, zone)
    return session.scalars(
        select(EnforcementRecord)
        .where(EnforcementRecord.zone_id == zone.id)
        .order_by(EnforcementRecord.id)
    ).all()


def enforce(
    session: Session, zone_name: str, request: EnforcementRequest, *, actor: str
) -> tuple[EnforcementRecord, int]:
    """Put an enforcement on a zone, publish its notice; return it and the new revision."""
    zone = get_zone(session, zone_name, for_update=True)
    request = replace(request, starts_at=_utc(request.starts_at), ends_at=_utc(request.ends_at))
    paths = [path.strip() for path in request.paths]
    countries = [country.strip().upper() for country in request.countries]
    now = utcnow()
    starts_at = request.starts_at or now
    if (request.notice is None) == (not (request.notice_url or "").strip()):
        raise Invalid(
            "Give exactly one notice: either a title and a Markdown body, published on "
            "this control plane at /notices/ID, or the URL of a notice published elsewhere."
        )
    notice_url = check_notice_url(request.notice_url) if request.notice_url else None
    _check(request, paths, countries, starts_at, now)
    notice = None
    if request.notice is not None:
        notice = create_notice(
            session,
            title=request.notice.title,
            body_markdown=request.notice.body_markdown,
            basis=request.basis,
            zone_name=zone.name,
            hostnames=[record.hostname for record in zone.hostnames],
        )
    enforcement = EnforcementRecord(
        zone=zone,
        action=request.action,
        basis=request.basis,
        reason=request.reason.strip(),
        status=request.status,
        paths=paths,
        countries=countries,
        starts_at=starts_at,
        ends_at=request.ends_at,
        notice=notice,
        notice_url=notice_url,
        created_by=actor,
    )
    session.add(enforcement)
    session.flush()
    return enforcement, bump_revision(session)


def lift(
    session: Session, zone_name: str, enforcement_id: int, *, actor: str
) -> tuple[EnforcementRecord, int]:
    """End one enforcement now; return it and the new revision."""
    zone = get_zone(session, zone_name, for_update=True)
    enforcement = session.get(EnforcementRecord, enforcement_id)
    if enforcement is None or enforcement.zone_id != zone.id:
        raise NotFound(
            f"Zone '{zone_name}' has no enforcement {enforcement_id}: list them with "
            f"GET /v1/zones/{zone_name}/enforcements.",
            zone=zone_name,
            enforcement=enforcement_id,
        )
    now = utcnow()
    if not enforcement.is_active(now):
        ended = enforcement.lifted_at or enforcement.ends_at
        raise Conflict(
            f"Enforcement {enforcement_id} of zone '{zone_name}' already ended "
            f"({ended:%Y-%m-%d %H:%M:%S} UTC): there is nothing to lift.",
            zone=zone_name,
            enforcement=enforcement_id,
        )
    enforcement.lifted_at = now
    enforcement.lifted_by = actor
    session.flush()
    return enforcement, bump_revision(session)


def unblock(
    session: Session, zone_name: str, *, actor: str
) -> tuple[Sequence[EnforcementRecord], int]:
    """Lift every enforcement of a zone that is in force or due. With none, nothing
    changes and the current revision is returned, so unblocking twice is harmless."""
    zone = get_zone(session, zone_name, for_update=True)
    lifted = active_enforcements(session, zone)
    if not lifted:
        return lifted, current_revision(session)
    now = utcnow()
    for enforcement in lifted:
        enforcement.lifted_at = now
        enforcement.lifted_by = actor
    session.flush()
    return lifted, bump_revision(session)


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC, as the API documents."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _check(
    request: EnforcementRequest,
    paths: list[str],
    countries: list[str],
    starts_at: datetime,
    now: datetime,
) -> None:
    if request.action not in ACTIONS:
        raise Invalid(
            f"Action '{request.action}' is not known: use block, path_block, geo_block or "
            "interstitial."
        )
    if request.basis not in BASES:
        raise Invalid(
            f"Basis '{request.basis}' is not known: use legal (a court or authority order), "
            "policy (your published terms) or emergency (an imminent threat to someone)."
        )
    if len(request.reason) > MAX_REASON:
        raise Invalid(
            f"The reason has {len(request.reason)} characters; keep it to one sentence of "
            f"at most {MAX_REASON}. The notice is where the full explanation goes."
        )
    if paths and request.action != "path_block":
        raise Invalid("Paths are only for a path_block: use --action path_block, or drop them.")
    if countries and request.action != "geo_block":
        raise Invalid("Countries are only for a geo_block: use --action geo_block, or drop them.")
    if request.ends_at is not None and request.ends_at <= now:
        raise Invalid(
            "The end time is in the past: give a later one, or none for an enforcement "
            "that lasts until it is lifted."
        )
    # The edge's own rules, so anything stored here is something every edge accepts.
    try:
        Enforcement(
            id="0",
            action=request.action,  # type: ignore[arg-type]
            basis=request.basis,  # type: ignore[arg-type]
            reason=request.reason,
            notice_url=request.notice_url.strip() if request.notice_url else "/notices/0",
            status=request.status,
            paths=tuple(paths),
            countries=tuple(countries),
            starts_at=starts_at.timestamp(),
            ends_at=request.ends_at.timestamp() if request.ends_at else None,
        )
    except ZoneError as error:
        raise Invalid(str(error)) from None
