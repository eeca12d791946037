"""Zones: every change checked before it is written, one transaction, one revision."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from stockade.desk import Conflict, Invalid, NotFound
from stockade.desk.enforcement import EnforcementRequest, enforce, unblock
from stockade.desk.zones import KEEP, create_zone, delete_zone, get_zone, list_zones, update_zone
from stockade.policy import CHALLENGE_DIFFICULTY, CLEARANCE_TTL, SAMPLE_TYPES
from stockade.store import Database, current_revision
from stockade.store.models import HostnameRecord, ZoneRecord


def _add(database: Database, name: str = "forum", *hostnames: str, **fields: object) -> int:
    with database.write() as session:
        _zone, revision = create_zone(
            session,
            name=name,
            hostnames=list(hostnames or [f"{name}.example"]),
            origins=["http://10.0.0.5:8080"],
            **fields,  # type: ignore[arg-type]
        )
    return revision


DEFAULTS = ("normal", CHALLENGE_DIFFICULTY, CLEARANCE_TTL)
# Challenge settings no edge could serve, and the start of the sentence refusing them.
BAD_CHALLENGES = [
    ({"security_level": "panic"}, "Zone 'forum': security_level 'panic' is not known: use"),
    ({"challenge_difficulty": 0}, "Zone 'forum': challenge_difficulty 0 is out of range: give 1"),
    ({"challenge_difficulty": 33}, "Zone 'forum': challenge_difficulty 33 is out of range"),
    ({"clearance_ttl": 10}, "Zone 'forum': clearance_ttl 10 is out of range: give 60 seconds"),
    ({"clearance_ttl": 2592001}, "Zone 'forum': clearance_ttl 2592001 is out of range"),
]


# Sampling settings no edge could apply, and the start of the sentence refusing them.
BAD_SAMPLING = [
    ({"sample_rate": 1.5}, "Zone 'forum': sample_rate 1.5 is out of range: give 0"),
    ({"sample_rate": -0.1}, "Zone 'forum': sample_rate -0.1 is out of range"),
    ({"sample_types": ["Text/HTML"]}, "Zone 'forum': sample type 'Text/HTML' is not a media"),
    ({"sample_types": ["text/html; charset=utf-8"]}, "sample type 'text/html; charset=utf-8'"),
]


def _sampling(zone: ZoneRecord) -> tuple[float, list[str]]:
    return zone.sample_rate, zone.sample_types


def _challenge(zone: ZoneRecord) -> tuple[str, int, int]:
    return zone.security_level, zone.challenge_difficulty, zone.clearance_ttl


def _state(database: Database) -> tuple[int, int, int]:
    """(zones, hostnames, revision): to check that nothing was half-written."""
    with database.read() as session:
        return (
            session.scalar(select(func.count()).select_from(ZoneRecord)) or 0,
            session.scalar(select(func.count()).select_from(HostnameRecord)) or 0,
            current_revision(session),
        )


def test_create_stores_the_zone_and_bumps_the_revision(database: Database) -> None:
    revision = _add(
        database,
        "forum",
        "Forum.Example.",
        "www.forum.example",
        service="hosted",
        customer_contact="owner@forum.example",
        abuse_contact="https://host.example/abuse",
    )
    assert revision == 1
    with database.read() as session:
        zone = get_zone(session, "forum")
        assert [h.hostname for h in zone.hostnames] == ["forum.example", "www.forum.example"]
        assert zone.origins == ["http://10.0.0.5:8080"]
        assert (zone.service, zone.customer_contact) == ("hosted", "owner@forum.example")


def test_a_hostname_of_another_zone_is_a_conflict_naming_it(database: Database) -> None:
    _add(database, "forum", "forum.example")
    before = _state(database)
    with pytest.raises(Conflict, match="already belongs to zone 'forum'") as caught:
        _add(database, "copy", "new.example", "forum.example")
    assert caught.value.details == {"hostname": "forum.example", "zone": "forum"}
    assert _state(database) == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "Bad Name"}, "not a usable zone name"),
        ({"hostnames": ["bad host!"]}, "is not a valid hostname"),
        ({"hostnames": []}, "needs at least one hostname"),
        ({"hostnames": ["a.example", "A.example"]}, "twice"),
        ({"origins": ["ftp://10.0.0.5"]}, "is not usable"),
        ({"origins": ["http://10.0.0.5/path"]}, "is not usable"),
        ({"origins": []}, "needs at least one origin"),
        ({"service": "cdn"}, "Service 'cdn' is not known"),
        ({"abuse_contact": "call me"}, "neither an e-mail address nor an http"),
        *BAD_CHALLENGES,
    ],
)
def test_invalid_zones_are_refused_with_a_sentence_and_nothing_written(
    database: Database, fields: dict[str, object], expected: str
) -> None:
    values: dict[str, object] = {
        "name": "forum",
        "hostnames": ["forum.example"],
        "origins": ["http://10.0.0.5"],
    }
    values.update(fields)
    with pytest.raises(Invalid, match=expected), database.write() as session:
        create_zone(session, **values)  # type: ignore[arg-type]
    assert _state(database) == (0, 0, 0)


def test_a_second_zone_with_the_same_name_is_a_conflict(database: Database) -> None:
    _add(database, "forum")
    with pytest.raises(Conflict, match="already exists"):
        _add(database, "forum", "other.example")


def test_update_changes_only_what_is_given(database: Database) -> None:
    _add(database, "forum", "forum.example", customer_contact="a@forum.example")
    with database.write() as session:
        zone, revision = update_zone(
            session, "forum", hostnames=["forum.example", "new.example"], abuse_contact=None
        )
    assert revision == 2
    with database.read() as session:
        zone = get_zone(session, "forum")
        assert [h.hostname for h in zone.hostnames] == ["forum.example", "new.example"]
        assert zone.customer_contact == "a@forum.example"
        assert zone.origins == ["http://10.0.0.5:8080"]


def test_update_can_move_a_hostname_only_once_freed(database: Database) -> None:
    _add(database, "forum", "forum.example", "shared.example")
    _add(database, "other", "other.example")
    with pytest.raises(Conflict, match="zone 'forum'"), database.write() as session:
        update_zone(session, "other", hostnames=["other.example", "shared.example"])
    with database.write() as session:
        update_zone(session, "forum", hostnames=["forum.example"])
    with database.write() as session:
        update_zone(session, "other", hostnames=["shared.example"], customer_contact=KEEP)
    with database.read() as session:
        assert [h.hostname for h in get_zone(session, "other").hostnames] == ["shared.example"]


def test_an_invalid_update_leaves_the_zone_as_it_was(database: Database) -> None:
    _add(database, "forum", "forum.example")
    with pytest.raises(Invalid), database.write() as session:
        update_zone(session, "forum", hostnames=["new.example"], origins=["nope"])
    with database.read() as session:
        assert [h.hostname for h in get_zone(session, "forum").hostnames] == ["forum.example"]
        assert current_revision(session) == 1


def test_a_zone_starts_with_the_default_challenge_settings(database: Database) -> None:
    _add(database, "forum")
    with database.read() as session:
        assert _challenge(get_zone(session, "forum")) == DEFAULTS


def test_challenge_settings_are_set_and_changed_one_at_a_time(database: Database) -> None:
    _add(database, "forum", security_level="under_attack", challenge_difficulty=12)
    with database.write() as session:
        _zone, revision = update_zone(session, "forum", clearance_ttl=600)
    assert revision == 2
    with database.write() as session:
        update_zone(session, "forum", security_level="normal")
    with database.read() as session:
        assert _challenge(get_zone(session, "forum")) == ("normal", 12, 600)


@pytest.mark.parametrize(("fields", "expected"), BAD_CHALLENGES)
def test_a_bad_challenge_update_changes_nothing(
    database: Database, fields: dict[str, object], expected: str
) -> None:
    _add(database, "forum")
    with pytest.raises(Invalid, match=expected), database.write() as session:
        # With a good change too: nothing of the request is written.
        values: dict[str, Any] = {"origins": ["http://10.0.0.6"], **fields}
        update_zone(session, "forum", **values)
    with database.read() as session:
        zone = get_zone(session, "forum")
        assert (zone.origins, _challenge(zone)) == (["http://10.0.0.5:8080"], DEFAULTS)
        assert current_revision(session) == 1


def test_a_zone_starts_sampling_nothing_with_the_default_types(database: Database) -> None:
    _add(database, "forum")
    with database.read() as session:
        assert _sampling(get_zone(session, "forum")) == (0.0, list(SAMPLE_TYPES))


def test_sampling_settings_are_set_and_changed_one_at_a_time(database: Database) -> None:
    _add(database, "forum", sample_rate=0.25, sample_types=["text/plain"])
    with database.write() as session:
        _zone, revision = update_zone(session, "forum", sample_rate=1)
    assert revision == 2
    with database.write() as session:
        update_zone(session, "forum", sample_types=["text/html", "application/xml"])
    with database.read() as session:
        assert _sampling(get_zone(session, "forum")) == (1.0, ["text/html", "application/xml"])


@pytest.mark.parametrize(("fields", "expected"), BAD_SAMPLING)
def test_bad_sampling_is_refused_and_changes_nothing(
    database: Database, fields: dict[str, object], expected: str
) -> None:
    with pytest.raises(Invalid, match=re.escape(expected)):
        _add(database, "forum", **fields)
    assert _state(database) == (0, 0, 0)
    _add(database, "forum")
    with pytest.raises(Invalid, match=re.escape(expected)), database.write() as session:
        values: dict[str, Any] = {"origins": ["http://10.0.0.6"], **fields}
        update_zone(session, "forum", **values)
    with database.read() as session:
        zone = get_zone(session, "forum")
        assert (zone.origins, _sampling(zone)) == (
            ["http://10.0.0.5:8080"],
            (0.0, list(SAMPLE_TYPES)),
        )
        assert current_revision(session) == 1


def test_unknown_zones_are_not_found(database: Database) -> None:
    with pytest.raises(NotFound, match="no zone named 'ghost'"), database.read() as session:
        get_zone(session, "ghost")
    with pytest.raises(NotFound), database.write() as session:
        update_zone(session, "ghost", service="hosted")
    with pytest.raises(NotFound), database.write() as session:
        delete_zone(session, "ghost")


def test_a_blocked_zone_cannot_be_deleted_until_unblocked(database: Database) -> None:
    _add(database, "forum")
    request = EnforcementRequest(
        basis="emergency", reason="Threats.", notice_url="https://provider.example/n/1"
    )
    with database.write() as session:
        enforce(session, "forum", request, actor="test")
    with pytest.raises(Conflict, match="stockade unblock forum"), database.write() as session:
        delete_zone(session, "forum")
    with database.write() as session:
        unblock(session, "forum", actor="test")
    with database.write() as session:
        revision = delete_zone(session, "forum")
    assert revision == 4
    assert _state(database) == (0, 0, 4)


def test_list_is_sorted_by_name(database: Database) -> None:
    for name in ("zeta", "alpha", "mid"):
        _add(database, name)
    with database.read() as session:
        assert [zone.name for zone in list_zones(session)] == ["alpha", "mid", "zeta"]


def test_list_pages_by_name(database: Database) -> None:
    for name in ("zeta", "alpha", "mid", "beta"):
        _add(database, name)
    with database.read() as session:
        assert [zone.name for zone in list_zones(session, limit=2)] == ["alpha", "beta"]
        assert [zone.name for zone in list_zones(session, after="beta")] == ["mid", "zeta"]
        assert [zone.name for zone in list_zones(session, after="zeta")] == []
