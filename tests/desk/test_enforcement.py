"""Enforcement: checked as a whole, written with its notice and the revision, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from stockade.desk import Conflict, Invalid, NotFound
from stockade.desk.enforcement import (
    EnforcementRequest,
    NoticeText,
    enforce,
    lift,
    list_enforcements,
    unblock,
)
from stockade.desk.zones import create_zone
from stockade.store import Database, current_revision
from stockade.store.models import EnforcementRecord, NoticeRecord, utcnow

NOTICE = NoticeText(title="Forum suspended", body_markdown="Threats against a person.")


@pytest.fixture
def zone(database: Database) -> str:
    with database.write() as session:
        create_zone(
            session,
            name="forum",
            hostnames=["forum.example", "www.forum.example"],
            origins=["http://10.0.0.5"],
        )
    return "forum"


def _request(**fields: object) -> EnforcementRequest:
    values: dict[str, object] = {"basis": "emergency", "reason": "Threats.", "notice": NOTICE}
    values.update(fields)
    return EnforcementRequest(**values)  # type: ignore[arg-type]


def _counts(database: Database) -> tuple[int, int, int]:
    with database.read() as session:
        return (
            session.scalar(select(func.count()).select_from(EnforcementRecord)) or 0,
            session.scalar(select(func.count()).select_from(NoticeRecord)) or 0,
            current_revision(session),
        )


def test_a_block_publishes_its_notice_in_the_same_change(database: Database, zone: str) -> None:
    with database.write() as session:
        record, revision = enforce(session, zone, _request(), actor="alice")
        assert record.notice is not None
        assert record.notice.hostnames == ["forum.example", "www.forum.example"]
        assert (record.action, record.status, record.created_by) == ("block", 451, "alice")
    assert revision == 2
    assert _counts(database) == (1, 1, 2)


def test_an_external_notice_url_is_kept_as_given(database: Database, zone: str) -> None:
    with database.write() as session:
        record, _ = enforce(
            session, zone, _request(notice=None, notice_url="https://p.example/n/9"), actor="a"
        )
        assert (record.notice_id, record.notice_url) == (None, "https://p.example/n/9")


def test_path_and_geo_blocks_keep_their_paths_and_countries(database: Database, zone: str) -> None:
    with database.write() as session:
        paths, _ = enforce(
            session, zone, _request(action="path_block", paths=[" /threads/12 "]), actor="a"
        )
        geo, _ = enforce(
            session, zone, _request(action="geo_block", countries=["de", "FR"]), actor="a"
        )
        assert paths.paths == ["/threads/12"]
        assert geo.countries == ["DE", "FR"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"notice": None}, "exactly one notice"),
        ({"notice_url": "https://p.example/n"}, "exactly one notice"),
        ({"notice": None, "notice_url": "  "}, "exactly one notice"),
        ({"notice": None, "notice_url": "javascript:alert(1)"}, "Notice URL"),
        ({"notice": NoticeText(title="", body_markdown="b")}, "needs a title"),
        ({"notice": NoticeText(title="t", body_markdown="")}, "needs a body"),
        ({"action": "nuke"}, "Action 'nuke' is not known"),
        ({"basis": "whim"}, "Basis 'whim' is not known"),
        ({"status": 404}, "status 404 is not allowed"),
        ({"reason": " "}, "needs a reason"),
        ({"reason": "x" * 501}, "one sentence"),
        ({"action": "path_block"}, "needs at least one path"),
        ({"action": "path_block", "paths": ["threads"]}, "must start with '/'"),
        ({"paths": ["/x"]}, "only for a path_block"),
        ({"action": "geo_block"}, "at least one country"),
        ({"action": "geo_block", "countries": ["FRA"]}, "not a country code"),
        ({"countries": ["FR"]}, "only for a geo_block"),
        ({"ends_at": utcnow() - timedelta(hours=1)}, "end time is in the past"),
        (
            {"starts_at": utcnow() + timedelta(hours=2), "ends_at": utcnow() + timedelta(hours=1)},
            "end after it starts",
        ),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(
    database: Database, zone: str, fields: dict[str, object], expected: str
) -> None:
    with pytest.raises(Invalid, match=expected), database.write() as session:
        enforce(session, zone, _request(**fields), actor="a")
    assert _counts(database) == (0, 0, 1)


def test_times_without_a_zone_are_utc(database: Database, zone: str) -> None:
    with database.write() as session:
        record, _ = enforce(session, zone, _request(ends_at=datetime(2999, 1, 1, 12, 0)), actor="a")
        assert record.ends_at == datetime(2999, 1, 1, 12, 0, tzinfo=UTC)


def test_an_unknown_zone_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound), database.write() as session:
        enforce(session, "ghost", _request(), actor="a")


def test_lift_ends_one_enforcement_and_keeps_the_record(database: Database, zone: str) -> None:
    with database.write() as session:
        first, _ = enforce(session, zone, _request(), actor="a")
        enforce(session, zone, _request(action="interstitial"), actor="a")
        first_id = first.id
    with database.write() as session:
        lifted, revision = lift(session, zone, first_id, actor="bob")
        assert (lifted.lifted_by, revision) == ("bob", 4)
    with database.read() as session:
        assert [e.action for e in list_enforcements(session, zone, active_only=True)] == [
            "interstitial"
        ]
        assert len(list_enforcements(session, zone)) == 2
    with pytest.raises(Conflict, match="already ended"), database.write() as session:
        lift(session, zone, first_id, actor="bob")
    with pytest.raises(NotFound, match="no enforcement 999"), database.write() as session:
        lift(session, zone, 999, actor="bob")


def test_unblock_lifts_all_and_twice_is_harmless(database: Database, zone: str) -> None:
    with database.write() as session:
        enforce(session, zone, _request(), actor="a")
        enforce(session, zone, _request(action="interstitial"), actor="a")
    with database.write() as session:
        lifted, revision = unblock(session, zone, actor="a")
        assert (len(lifted), revision) == (2, 4)
    with database.write() as session:
        lifted, revision = unblock(session, zone, actor="a")
        assert (list(lifted), revision) == ([], 4)
