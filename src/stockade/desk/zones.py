"""Zones: create, read, change and delete customer sites, one transaction per change."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from stockade.desk.errors import Conflict, Invalid, NotFound
from stockade.policy import (
    CHALLENGE_DIFFICULTY,
    CLEARANCE_TTL,
    SAMPLE_TYPES,
    ZoneError,
    validate_challenge,
    validate_hostname,
    validate_origin,
    validate_sampling,
)
from stockade.store import bump_revision
from stockade.store.models import (
    SERVICES,
    EnforcementRecord,
    HostnameRecord,
    ZoneRecord,
    utcnow,
)

# Zone names appear in URLs (/v1/zones/NAME) and on the command line: keep them plain.
_ZONE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_HOSTNAMES = 100
_MAX_ORIGINS = 32

# Sentinel for "leave this field as it is" in update_zone (None clears a contact).
KEEP: object = object()


def list_zones(
    session: Session, *, after: str | None = None, limit: int | None = None
) -> Sequence[ZoneRecord]:
    """Zones by name; with `after`, those whose name sorts after it; at most `limit`."""
    query = (
        select(ZoneRecord)
        .options(selectinload(ZoneRecord.hostnames), selectinload(ZoneRecord.enforcements))
        .order_by(ZoneRecord.name)
    )
    if after is not None:
        query = query.where(ZoneRecord.name > after)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def get_zone(session: Session, name: str, *, for_update: bool = False) -> ZoneRecord:
    query = select(ZoneRecord).where(ZoneRecord.name == name)
    if for_update:
        query = query.with_for_update()
    zone = session.scalar(query)
    if zone is None:
        raise NotFound(
            f"There is no zone named '{name}': list the zones with `stockade zone list` "
            "(GET /v1/zones).",
            zone=name,
        )
    return zone


def create_zone(
    session: Session,
    *,
    name: str,
    hostnames: Sequence[str],
    origins: Sequence[str],
    service: str = "proxied",
    customer_contact: str | None = None,
    abuse_contact: str | None = None,
    security_level: str = "normal",
    challenge_difficulty: int = CHALLENGE_DIFFICULTY,
    clearance_ttl: int = CLEARANCE_TTL,
    sample_rate: float = 0.0,
    sample_types: Sequence[str] = SAMPLE_TYPES,
) -> tuple[ZoneRecord, int]:
    """Add a zone; return it and the new revision."""
    _check_name(name)
    clean_hosts = _check_hostnames(hostnames, zone=name)
    clean_origins = _check_origins(origins, zone=name)
    _check_service(service)
    _check_challenge(security_level, challenge_difficulty, clearance_ttl, zone=name)
    clean_types = _check_sampling(sample_rate, sample_types, zone=name)
    if session.scalar(select(ZoneRecord.id).where(ZoneRecord.name == name)) is not None:
        raise Conflict(
            f"A zone named '{name}' already exists: choose another name, or change it with "
            f"`stockade zone update {name}`.",
            zone=name,
        )
    _check_hostnames_free(session, clean_hosts, zone_id=None)
    zone = ZoneRecord(
        name=name,
        service=service,
        origins=clean_origins,
        customer_contact=_check_contact(customer_contact, "customer contact"),
        abuse_contact=_check_contact(abuse_contact, "abuse contact"),
        security_level=security_level,
        challenge_difficulty=challenge_difficulty,
        clearance_ttl=clearance_ttl,
        sample_rate=sample_rate,
        sample_types=clean_types,
    )
    zone.hostnames = [
        HostnameRecord(hostname=hostname, position=index)
        for index, hostname in enumerate(clean_hosts)
    ]
    session.add(zone)
    _flush(session)
    return zone, bump_revision(session)


def update_zone(
    session: Session,
    name: str,
    *,
    hostnames: Sequence[str] | None = None,
    origins: Sequence[str] | None = None,
    service: str | None = None,
    customer_contact: object = KEEP,
    abuse_contact: object = KEEP,
    security_level: str | None = None,
    challenge_difficulty: int | None = None,
    clearance_ttl: int | None = None,
    sample_rate: float | None = None,
    sample_types: Sequence[str] | None = None,
) -> tuple[ZoneRecord, int]:
    """Change the fields given (None or KEEP leaves a field alone); return zone, revision."""
    zone = get_zone(session, name, for_update=True)
    # Checked before anything changes, as the zone will have them.
    challenge = (
        zone.security_level if security_level is None else security_level,
        zone.challenge_difficulty if challenge_difficulty is None else challenge_difficulty,
        zone.clearance_ttl if clearance_ttl is None else clearance_ttl,
    )
    _check_challenge(*challenge, zone=name)
    rate = zone.sample_rate if sample_rate is None else sample_rate
    types = _check_sampling(
        rate, zone.sample_types if sample_types is None else sample_types, zone=name
    )
    if hostnames is not None:
        clean_hosts = _check_hostnames(hostnames, zone=name)
        _check_hostnames_free(session, clean_hosts, zone_id=zone.id)
        # Replace the rows: delete first and flush, so a hostname kept keeps its key.
        zone.hostnames.clear()
        _flush(session)
        zone.hostnames.extend(
            HostnameRecord(hostname=hostname, position=index)
            for index, hostname in enumerate(clean_hosts)
        )
    if origins is not None:
        zone.origins = _check_origins(origins, zone=name)
    if service is not None:
        _check_service(service)
        zone.service = service
    if customer_contact is not KEEP:
        zone.customer_contact = _check_contact(customer_contact, "customer contact")
    if abuse_contact is not KEEP:
        zone.abuse_contact = _check_contact(abuse_contact, "abuse contact")
    zone.security_level, zone.challenge_difficulty, zone.clearance_ttl = challenge
    zone.sample_rate = rate
    if sample_types is not None:
        zone.sample_types = types
    zone.updated_at = utcnow()
    _flush(session)
    return zone, bump_revision(session)


def delete_zone(session: Session, name: str) -> int:
    """Remove a zone with no enforcement in force; return the new revision."""
    zone = get_zone(session, name, for_update=True)
    active = session.scalar(
        select(func.count())
        .select_from(EnforcementRecord)
        .where(EnforcementRecord.zone_id == zone.id, EnforcementRecord.active_at(utcnow()))
    )
    if active:
        raise Conflict(
            f"Zone '{name}' has {active} enforcement(s) in force: lift them first with "
            f"`stockade unblock {name}`, so the public record shows the block ended before "
            "the zone went away.",
            zone=name,
        )
    session.delete(zone)
    _flush(session)
    return bump_revision(session)


def _flush(session: Session) -> None:
    """Flush; a unique-key race with a concurrent change becomes a Conflict."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "Another change took this zone name or hostname at the same moment: list the "
            "zones and try again."
        ) from None


def _check_name(name: str) -> None:
    if not _ZONE_NAME.fullmatch(name):
        raise Invalid(
            f"'{name}' is not a usable zone name: use 1 to 63 lower-case letters, digits, "
            "dots, hyphens or underscores, starting and ending with a letter or digit "
            "(such as forum-example)."
        )


def _check_hostnames(hostnames: Sequence[str], *, zone: str) -> list[str]:
    if not hostnames:
        raise Invalid(f"Zone '{zone}' needs at least one hostname, such as forum.example.org.")
    if len(hostnames) > _MAX_HOSTNAMES:
        raise Invalid(f"Zone '{zone}' has {len(hostnames)} hostnames; {_MAX_HOSTNAMES} at most.")
    # DNS names are case-insensitive: store them the way the edge matches them.
    clean = [hostname.strip().lower().rstrip(".") for hostname in hostnames]
    seen: set[str] = set()
    for hostname in clean:
        try:
            validate_hostname(hostname, zone=zone)
        except ZoneError as error:
            raise Invalid(str(error), hostname=hostname) from None
        if hostname in seen:
            raise Invalid(f"Zone '{zone}' lists hostname '{hostname}' twice: give it once.")
        seen.add(hostname)
    return clean


def _check_hostnames_free(session: Session, hostnames: list[str], *, zone_id: int | None) -> None:
    taken = session.execute(
        select(HostnameRecord.hostname, ZoneRecord.name)
        .join(ZoneRecord, HostnameRecord.zone_id == ZoneRecord.id)
        .where(HostnameRecord.hostname.in_(hostnames), ZoneRecord.id != (zone_id or -1))
        .order_by(HostnameRecord.hostname)
    ).all()
    if taken:
        hostname, other = taken[0]
        raise Conflict(
            f"Hostname '{hostname}' already belongs to zone '{other}': a hostname belongs "
            f"to one zone only. Remove it from '{other}' first "
            f"(`stockade zone update {other} --host ...`) or choose another.",
            hostname=hostname,
            zone=other,
        )


def _check_origins(origins: Sequence[str], *, zone: str) -> list[str]:
    if not origins:
        raise Invalid(f"Zone '{zone}' needs at least one origin, such as http://10.0.0.5:8080.")
    if len(origins) > _MAX_ORIGINS:
        raise Invalid(f"Zone '{zone}' has {len(origins)} origins; {_MAX_ORIGINS} at most.")
    clean = [origin.strip() for origin in origins]
    for origin in clean:
        try:
            validate_origin(origin, zone=zone)
        except ZoneError as error:
            raise Invalid(str(error), origin=origin) from None
    return clean


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise Invalid(
            f"Service '{service}' is not known: use 'proxied' (security only, the content "
            "is hosted elsewhere) or 'hosted' (you host the content)."
        )


def _check_challenge(
    security_level: str, challenge_difficulty: int, clearance_ttl: int, *, zone: str
) -> None:
    try:
        validate_challenge(security_level, challenge_difficulty, clearance_ttl, zone=zone)
    except ZoneError as error:
        raise Invalid(str(error)) from None


def _check_sampling(sample_rate: float, sample_types: Sequence[str], *, zone: str) -> list[str]:
    """The media types as the zone stores them, once the edge's validator takes them."""
    try:
        validate_sampling(sample_rate, tuple(sample_types), zone=zone)
    except ZoneError as error:
        raise Invalid(str(error)) from None
    return list(sample_types)


def _check_contact(contact: object, what: str) -> str | None:
    if contact is None or contact == "":
        return None
    if not isinstance(contact, str):
        raise Invalid(f"The {what} must be text: an e-mail address or an http(s) URL.")
    contact = contact.strip()
    if len(contact) > 320 or not (
        _EMAIL.fullmatch(contact) or contact.startswith(("https://", "http://"))
    ):
        raise Invalid(
            f"The {what} '{contact}' is neither an e-mail address nor an http(s) URL: give "
            "one, such as abuse@host.example or https://host.example/abuse."
        )
    return contact
