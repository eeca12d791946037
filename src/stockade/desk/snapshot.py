"""The policy snapshot every edge enforces, built from the store as of one revision.

Plain column queries rather than ORM objects, and only the zones changed since the
previous build: bench/snapshot_build.py measures both the first build and the next.
"""

from __future__ import annotations

from collections import defaultdict

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockade.desk.notices import hosted_notice_url
from stockade.desk.zone_rules import ZoneRules
from stockade.policy import Enforcement, Snapshot, Zone
from stockade.store import current_revision
from stockade.store.models import EnforcementRecord, utcnow

_decode_json = msgspec.json.Decoder(list[str]).decode
_decode_rules = msgspec.json.Decoder(ZoneRules).decode
# What the store holds for a zone without rules: such a zone decodes nothing.
_NO_RULES = "{}"

# msgspec leaves a field out of the encoding only when its value is the default object
# itself, and the database hands back new objects: the builder swaps the defaults in, so a
# zone at its defaults costs no bytes for them (3.8 MB less per 100,000 zones).
_DEFAULTS = {field.name: field.default for field in msgspec.structs.fields(Zone)}
_SERVICE = _DEFAULTS["service"]
_LEVEL = _DEFAULTS["security_level"]
_DIFFICULTY = _DEFAULTS["challenge_difficulty"]
_TTL = _DEFAULTS["clearance_ttl"]
_RATE = _DEFAULTS["sample_rate"]
_SAMPLE_TYPES = _DEFAULTS["sample_types"]
# The zone's own empty tuples, for the same reason.
_NO_LISTS = ZoneRules(
    access_rules=_DEFAULTS["access_rules"],
    firewall_rules=_DEFAULTS["firewall_rules"],
    rate_limits=_DEFAULTS["rate_limits"],
    lists=_DEFAULTS["lists"],
)


# (id, name, service, origins, hostnames, security_level, challenge_difficulty,
# clearance_ttl, sample_rate, sample_types, security_rules as JSON text) of a zone.
ZoneRow = tuple[int, str, str, tuple[str, ...], tuple[str, ...], str, int, int, float, str, str]
# A zone as a builder keeps it: the version its row was read at, the row, the
# enforcements its Zone was built with, and the Zone.
Built = tuple[int, ZoneRow, tuple[Enforcement, ...], Zone]


def build_snapshot(session: Session, public_base: str) -> Snapshot:
    """Every zone, sorted by name, with its enforcements not lifted and not ended.

    Run it in a `Database.read()` block: the revision and the zones then come from the
    same committed state.
    """
    return SnapshotBuilder(public_base).build(session)


class SnapshotBuilder:
    """Builds snapshot after snapshot, reading again only the zones whose version changed
    since its last build (the database moves a zone's version on every write, migration
    0006) and reusing the Zone objects of the others: a block on one zone of 100,000 then
    reads and validates one zone, not 100,000. A build that fails leaves the builder as
    it was."""

    def __init__(self, public_base: str) -> None:
        self.public_base = public_base
        self._zones: dict[int, Built] = {}
        # Zone ids sorted by zone name.
        self._order: list[int] = []

    def build(self, session: Session) -> Snapshot:
        revision = current_revision(session)
        enforcements = _enforcements(session, self.public_base)
        versions = _zone_versions(session)
        previous = self._zones
        stale = [
            zone_id
            for zone_id, version in versions.items()
            if (entry := previous.get(zone_id)) is None or entry[0] != version
        ]
        fresh: dict[int, ZoneRow] = {}
        if stale:
            fresh = {
                row[0]: row for row in _zone_rows(session, stale if len(stale) <= _FEW else None)
            }
        # The order changes when zones come or go, or an id comes back with another name.
        reorder = len(versions) != len(previous) or any(
            zone_id not in previous or previous[zone_id][1][1] != row[1]
            for zone_id, row in fresh.items()
        )
        order = self._order
        if reorder:
            # Sorted here, not by the database, whose collation may not be by code point.
            order = sorted(versions, key=lambda zone_id: _name(zone_id, fresh, previous))
        current = {}
        zones = []
        for zone_id in order:
            own = enforcements.get(zone_id, ())
            row = fresh.get(zone_id)
            entry = previous.get(zone_id)
            if row is None and entry is not None:
                if entry[2] != own:
                    entry = (entry[0], entry[1], own, _zone(entry[1], own))
            else:  # read now: every zone not built before is
                assert row is not None
                entry = (versions[zone_id], row, own, _zone(row, own))
            current[zone_id] = entry
            zones.append(entry[3])
        snapshot = Snapshot(revision=revision, zones=tuple(zones))
        self._zones, self._order = current, order
        return snapshot


def _name(
    zone_id: int,
    fresh: dict[int, ZoneRow],
    previous: dict[int, Built],
) -> str:
    row = fresh.get(zone_id)
    return (row if row is not None else previous[zone_id][1])[1]


def _zone(row: ZoneRow, enforcements: tuple[Enforcement, ...]) -> Zone:
    _, name, service, origins, hostnames, level, difficulty, ttl, rate, types, rules = row
    lists = _NO_LISTS if rules == _NO_RULES else _decode_rules(rules)
    # The type ignores: the store's check constraints hold these to the Literals.
    return Zone(
        name=name,
        hostnames=hostnames,
        origins=origins,
        service=_SERVICE if service == _SERVICE else service,  # type: ignore[arg-type]
        enforcements=enforcements,
        security_level=_LEVEL if level == _LEVEL else level,  # type: ignore[arg-type]
        challenge_difficulty=_DIFFICULTY if difficulty == _DIFFICULTY else difficulty,
        clearance_ttl=_TTL if ttl == _TTL else ttl,
        access_rules=lists.access_rules,
        firewall_rules=lists.firewall_rules,
        rate_limits=lists.rate_limits,
        lists=lists.lists,
        sample_rate=_RATE if rate == _RATE else rate,
        sample_types=_sample_types(types),
    )


# Hostnames joined in the database, in their order: one query of 100,000 rows instead of
# two, the larger of 200,000. Hostnames never contain spaces.
_POSTGRES_ZONES = """
    SELECT z.id, z.name, z.service, z.origins::text,
           string_agg(h.hostname, ' ' ORDER BY h.position),
           z.security_level, z.challenge_difficulty, z.clearance_ttl, z.sample_rate,
           z.sample_types::text, z.security_rules::text
    FROM zones z LEFT JOIN zone_hostnames h ON h.zone_id = z.id
    {where}
    GROUP BY z.id
"""
# SQLite 3.40 cannot order inside group_concat: hostnames come in their own query.
_SQLITE_HOSTNAMES = """
    SELECT h.zone_id, h.hostname FROM zone_hostnames h JOIN zones z ON z.id = h.zone_id
    {where}
    ORDER BY h.zone_id, h.position
"""
_SQLITE_ZONES = """
    SELECT z.id, z.name, z.service, z.origins, z.security_level, z.challenge_difficulty,
           z.clearance_ttl, z.sample_rate, z.sample_types, z.security_rules
    FROM zones z {where}
"""
# Up to this many zones are read by id; more, and every zone is read.
_FEW = 1000


def _zone_rows(session: Session, ids: list[int] | None = None) -> list[ZoneRow]:
    """The rows of the zones `ids` (of every zone if None)."""
    # Straight to the driver's cursor: SQLAlchemy's per-row processing would double the
    # time of a 100,000-zone build. The challenge and sampling settings (lv, df, ttl, sr,
    # st) are unpacked by name: a starred unpacking takes 40% longer.
    # Ids are ints from the database itself, written into the query as numbers.
    where = "" if ids is None else f"WHERE z.id IN ({', '.join(str(int(i)) for i in ids)})"
    cursor = session.connection().connection.cursor()
    try:
        if session.get_bind().dialect.name == "postgresql":
            cursor.execute(_POSTGRES_ZONES.format(where=where))
            rows = [
                (
                    zone_id,
                    name,
                    service,
                    tuple(_decode_json(origins)),
                    _split(hosts),
                    lv,
                    df,
                    ttl,
                    sr,
                    st,
                    rules,
                )
                for zone_id, name, service, origins, hosts, lv, df, ttl, sr, st, rules in cursor.fetchall()
            ]
        else:
            cursor.execute(_SQLITE_HOSTNAMES.format(where=where))
            by_zone: defaultdict[int, list[str]] = defaultdict(list)
            for zone_id, hostname in cursor.fetchall():
                by_zone[zone_id].append(hostname)
            cursor.execute(_SQLITE_ZONES.format(where=where))
            rows = [
                (
                    zone_id,
                    name,
                    service,
                    tuple(_decode_json(origins)),
                    tuple(by_zone[zone_id]),
                    lv,
                    df,
                    ttl,
                    sr,
                    st,
                    rules,
                )
                for zone_id, name, service, origins, lv, df, ttl, sr, st, rules in cursor.fetchall()
            ]
    finally:
        cursor.close()
    return rows


def _zone_versions(session: Session) -> dict[int, int]:
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT id, version FROM zones")
        return dict(cursor.fetchall())
    finally:
        cursor.close()


def _sample_types(stored: str) -> tuple[str, ...]:
    # Decoded rather than compared as text: SQLite and PostgreSQL space JSON differently.
    types = tuple(_decode_json(stored))
    return _SAMPLE_TYPES if types == _SAMPLE_TYPES else types


def _split(hostnames: str | None) -> tuple[str, ...]:
    return tuple(hostnames.split(" ")) if hostnames else ()


def _enforcements(session: Session, public_base: str) -> dict[int, tuple[Enforcement, ...]]:
    by_zone: dict[int, list[Enforcement]] = defaultdict(list)
    table = EnforcementRecord
    for row in session.execute(
        select(
            table.id,
            table.zone_id,
            table.action,
            table.basis,
            table.reason,
            table.status,
            table.paths,
            table.countries,
            table.starts_at,
            table.ends_at,
            table.notice_id,
            table.notice_url,
        )
        .where(table.active_at(utcnow()))
        .order_by(table.id)
    ):
        by_zone[row.zone_id].append(
            Enforcement(
                id=str(row.id),
                action=row.action,
                basis=row.basis,
                reason=row.reason,
                notice_url=(
                    hosted_notice_url(public_base, row.notice_id)
                    if row.notice_id is not None
                    else row.notice_url
                ),
                status=row.status,
                paths=tuple(row.paths),
                countries=tuple(row.countries),
                starts_at=row.starts_at.timestamp(),
                ends_at=row.ends_at.timestamp() if row.ends_at else None,
            )
        )
    return {zone_id: tuple(own) for zone_id, own in by_zone.items()}
