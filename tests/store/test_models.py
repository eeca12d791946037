"""The schema itself refuses what must never be stored, whatever the code above it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from stockade.store import Database
from stockade.store.models import (
    EnforcementRecord,
    HostnameRecord,
    NoticeRecord,
    ZoneRecord,
    utcnow,
)


def _zone(name: str = "forum", hostnames: tuple[str, ...] = ("forum.example",)) -> ZoneRecord:
    zone = ZoneRecord(name=name, service="proxied", origins=["http://10.0.0.5"])
    zone.hostnames = [HostnameRecord(hostname=h, position=i) for i, h in enumerate(hostnames)]
    return zone


def _enforcement(zone: ZoneRecord, **fields: object) -> EnforcementRecord:
    values: dict[str, object] = {
        "zone": zone,
        "action": "block",
        "basis": "emergency",
        "reason": "Threats.",
        "status": 451,
        "paths": [],
        "countries": [],
        "starts_at": utcnow(),
        "notice_url": "https://provider.example/n/1",
        "created_by": "test",
    }
    values.update(fields)
    return EnforcementRecord(**values)


def test_a_hostname_belongs_to_one_zone_only(database: Database) -> None:
    with database.write() as session:
        session.add(_zone("forum"))
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(_zone("other"))


def test_zone_names_are_unique(database: Database) -> None:
    with database.write() as session:
        session.add(_zone("forum"))
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(_zone("forum", ("other.example",)))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": 200},
        {"action": "nuke"},
        {"basis": "whim"},
        {"notice_url": None},  # neither a hosted notice nor a URL
    ],
)
def test_check_constraints_refuse_impossible_enforcements(
    database: Database, fields: dict[str, object]
) -> None:
    with pytest.raises(IntegrityError), database.write() as session:
        session.add(_enforcement(_zone(), **fields))


def test_an_enforcement_cannot_have_both_kinds_of_notice(database: Database) -> None:
    with pytest.raises(IntegrityError), database.write() as session:
        notice = NoticeRecord(
            title="t", body_markdown="b", basis="legal", zone_name="forum", hostnames=[]
        )
        session.add(_enforcement(_zone(), notice=notice))


def test_deleting_a_zone_deletes_its_hostnames_and_enforcements(database: Database) -> None:
    with database.write() as session:
        zone = _zone()
        session.add(_enforcement(zone))
    with database.write() as session:
        session.delete(session.scalars(select(ZoneRecord)).one())
    with database.read() as session:
        assert session.scalars(select(HostnameRecord)).all() == []
        assert session.scalars(select(EnforcementRecord)).all() == []


def test_times_come_back_as_utc_whatever_zone_they_went_in(database: Database) -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2024, 5, 1, 13, 30, tzinfo=paris)
    with database.write() as session:
        session.add(_enforcement(_zone(), starts_at=moment))
    with database.read() as session:
        stored = session.scalars(select(EnforcementRecord)).one().starts_at
    assert stored == moment
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 12


def test_naive_times_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), database.write() as session:
        session.add(_enforcement(_zone(), starts_at=datetime(2024, 5, 1)))


def test_active_means_not_lifted_and_not_ended(database: Database) -> None:
    now = utcnow()
    with database.write() as session:
        zone = _zone()
        session.add_all(
            [
                _enforcement(zone, reason="open"),
                _enforcement(zone, reason="later", starts_at=now + timedelta(hours=1)),
                _enforcement(zone, reason="lifted", lifted_at=now),
                _enforcement(zone, reason="ended", starts_at=now - timedelta(hours=2), ends_at=now),
            ]
        )
    with database.read() as session:
        active = session.scalars(
            select(EnforcementRecord.reason).where(EnforcementRecord.active_at(utcnow()))
        ).all()
        records = session.scalars(select(EnforcementRecord)).all()
    assert sorted(active) == ["later", "open"]
    assert sorted(r.reason for r in records if r.is_active(datetime.now(UTC))) == ["later", "open"]
