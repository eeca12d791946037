"""The snapshot: every zone sorted by name, with only the enforcements in force or due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from stockade.desk.enforcement import EnforcementRequest, NoticeText, enforce, unblock
from stockade.desk.snapshot import SnapshotBuilder, build_snapshot
from stockade.desk.zone_rules import set_zone_rules
from stockade.desk.zones import create_zone, delete_zone, update_zone
from stockade.policy import (
    AccessRule,
    FirewallRule,
    RateLimit,
    SigningKey,
    Snapshot,
    Zone,
    encode_snapshot,
    sign_snapshot,
    verify_snapshot,
)
from stockade.store import Database, bump_revision
from stockade.store.models import EnforcementRecord, utcnow

PUBLIC = "https://control.example"


def _zone(database: Database, name: str, *hostnames: str) -> None:
    with database.write() as session:
        create_zone(
            session,
            name=name,
            hostnames=list(hostnames or [f"{name}.example"]),
            origins=["http://10.0.0.5:8080", "https://origin.example"],
            service="hosted",
        )


def _snapshot(database: Database) -> Snapshot:
    with database.read() as session:
        return build_snapshot(session, PUBLIC)


def _built(database: Database, builder: SnapshotBuilder) -> Snapshot:
    with database.read() as session:
        return builder.build(session)


def test_an_empty_store_is_an_empty_snapshot(database: Database) -> None:
    assert _snapshot(database) == Snapshot(revision=0, zones=())


def test_zones_are_sorted_with_their_fields(database: Database) -> None:
    _zone(database, "zeta", "zeta.example", "www.zeta.example")
    _zone(database, "alpha")
    snapshot = _snapshot(database)
    assert snapshot.revision == 2
    assert [zone.name for zone in snapshot.zones] == ["alpha", "zeta"]
    zeta = snapshot.zones[1]
    assert zeta.hostnames == ("zeta.example", "www.zeta.example")
    assert zeta.origins == ("http://10.0.0.5:8080", "https://origin.example")
    assert (zeta.service, zeta.enforcements) == ("hosted", ())


def test_enforcements_carry_absolute_notice_urls(database: Database) -> None:
    _zone(database, "forum")
    ends = utcnow() + timedelta(days=1)
    with database.write() as session:
        hosted, _ = enforce(
            session,
            "forum",
            EnforcementRequest(
                basis="emergency",
                reason="Threats.",
                status=403,
                notice=NoticeText(title="T", body_markdown="B"),
                ends_at=ends,
            ),
            actor="a",
        )
        external, _ = enforce(
            session,
            "forum",
            EnforcementRequest(
                action="path_block",
                basis="legal",
                reason="Court order.",
                paths=["/threads/12"],
                notice_url="https://p.example/n/1",
            ),
            actor="a",
        )
        ids, notice_id, starts = (hosted.id, external.id), hosted.notice_id, hosted.starts_at
    (zone,) = _snapshot(database).zones
    first, second = zone.enforcements
    assert (first.id, second.id) == tuple(str(i) for i in ids)
    assert first.notice_url == f"{PUBLIC}/notices/{notice_id}"
    assert (first.status, first.basis, first.action) == (403, "emergency", "block")
    assert first.starts_at == starts.timestamp()
    assert first.ends_at == ends.timestamp()
    assert (second.notice_url, second.paths, second.ends_at) == (
        "https://p.example/n/1",
        ("/threads/12",),
        None,
    )


def test_lifted_and_ended_enforcements_are_left_out(database: Database) -> None:
    _zone(database, "forum")
    request = EnforcementRequest(basis="policy", reason="Terms.", notice_url="https://p.example")
    with database.write() as session:
        enforce(session, "forum", request, actor="a")
    with database.write() as session:
        unblock(session, "forum", actor="a")
    with database.write() as session:
        ended, _ = enforce(session, "forum", request, actor="a")
        session.execute(
            update(EnforcementRecord)
            .where(EnforcementRecord.id == ended.id)
            .values(starts_at=utcnow() - timedelta(hours=2), ends_at=utcnow())
        )
    assert _snapshot(database).zones[0].enforcements == ()


def test_names_sort_by_code_point_whatever_the_database_collation(database: Database) -> None:
    for index, name in enumerate(("ab", "a.c", "a-b", "a_b")):
        _zone(database, name, f"site-{index}.example")
    assert [zone.name for zone in _snapshot(database).zones] == ["a-b", "a.c", "a_b", "ab"]


def test_a_builder_reuses_unchanged_zones_and_sees_changed_ones(database: Database) -> None:
    _zone(database, "alpha")
    _zone(database, "beta")
    builder = SnapshotBuilder(PUBLIC)
    first = _built(database, builder)
    with database.write() as session:
        update_zone(session, "beta", service="proxied")
    second = _built(database, builder)
    assert second.revision == first.revision + 1
    assert second.zones[0] is first.zones[0]
    assert second.zones[1].service == "proxied"
    with database.read() as session:
        assert build_snapshot(session, PUBLIC) == second
    # Each challenge setting is part of what makes a zone new.
    for change in (
        {"security_level": "under_attack"},
        {"challenge_difficulty": 20},
        {"clearance_ttl": 600},
    ):
        with database.write() as session:
            update_zone(session, "beta", **change)  # type: ignore[arg-type]
        beta = _built(database, builder).zones[1]
        ((name, value),) = change.items()
        assert getattr(beta, name) == value
    assert (beta.security_level, beta.challenge_difficulty, beta.clearance_ttl) == (
        "under_attack",
        20,
        600,
    )


def test_zones_carry_their_rules_and_a_builder_sees_them_change(database: Database) -> None:
    _zone(database, "alpha")
    _zone(database, "beta")
    builder = SnapshotBuilder(PUBLIC)
    first = _built(database, builder)
    block = {
        "id": "wp",
        "expression": 'http.request.uri.path eq "/wp-login.php"',
        "action": "block",
    }
    with database.write() as session:
        set_zone_rules(
            session,
            "beta",
            access_rules=[{"action": "block", "ips": ["192.0.2.0/24"], "countries": ["FR"]}],
            firewall_rules=[block],
            rate_limits=[{"id": "burst", "requests_per_period": 5, "period": 10}],
        )
    second = _built(database, builder)
    alpha, beta = second.zones
    assert alpha is first.zones[0]
    assert beta.access_rules == (
        AccessRule(action="block", ips=("192.0.2.0/24",), countries=("FR",)),
    )
    assert beta.firewall_rules == (FirewallRule(**block),)  # type: ignore[arg-type]
    assert beta.rate_limits == (RateLimit(id="burst", requests_per_period=5, period=10),)
    with database.read() as session:
        assert build_snapshot(session, PUBLIC) == second
    # The rules go, the zone is as it was.
    with database.write() as session:
        set_zone_rules(session, "beta")
    third = _built(database, builder)
    assert third.zones[1] == first.zones[1]
    assert encode_snapshot(Snapshot(zones=third.zones)) == encode_snapshot(
        Snapshot(zones=first.zones)
    )


def test_zones_carry_their_sampling_and_a_builder_sees_it_change(database: Database) -> None:
    _zone(database, "alpha")
    _zone(database, "beta")
    builder = SnapshotBuilder(PUBLIC)
    first = _built(database, builder)
    with database.write() as session:
        update_zone(session, "beta", sample_rate=0.5)
    second = _built(database, builder)
    assert second.zones[0] is first.zones[0]
    assert (second.zones[1].sample_rate, second.zones[1].sample_types) == (
        0.5,
        ("text/html", "application/json"),
    )
    with database.write() as session:
        update_zone(session, "beta", sample_types=["text/plain"])
    third = _built(database, builder)
    assert (third.zones[1].sample_rate, third.zones[1].sample_types) == (0.5, ("text/plain",))
    with database.read() as session:
        assert build_snapshot(session, PUBLIC) == third
    # Back to the defaults, the zone is as it was, byte for byte.
    with database.write() as session:
        update_zone(session, "beta", sample_rate=0, sample_types=["text/html", "application/json"])
    fourth = _built(database, builder)
    assert encode_snapshot(Snapshot(zones=fourth.zones)) == encode_snapshot(
        Snapshot(zones=first.zones)
    )


def test_settings_at_their_defaults_take_no_bytes_in_the_snapshot(database: Database) -> None:
    with database.write() as session:
        create_zone(
            session,
            name="forum",
            hostnames=["forum.example"],
            origins=["http://10.0.0.5"],
            clearance_ttl=3600,
            sample_rate=0,
            sample_types=["text/html", "application/json"],
        )
    (forum,) = _snapshot(database).zones
    assert encode_snapshot(Snapshot(zones=(forum,))) == encode_snapshot(
        Snapshot(
            zones=(Zone(name="forum", hostnames=("forum.example",), origins=("http://10.0.0.5",)),)
        )
    )


def test_the_signed_snapshot_verifies_and_loads(database: Database) -> None:
    _zone(database, "forum")
    key = SigningKey.generate()
    snapshot = _snapshot(database)
    assert verify_snapshot(sign_snapshot(snapshot, key), key.verify_key()) == snapshot


def test_a_builder_reads_again_only_the_zones_changed_and_matches_a_fresh_build(
    database: Database,
) -> None:
    for name in ("alpha", "beta", "gamma"):
        _zone(database, name)
    builder = SnapshotBuilder(PUBLIC)
    first = _built(database, builder)
    block = EnforcementRequest(basis="policy", reason="Terms.", notice_url="https://p.example")
    changes = [
        lambda session: update_zone(session, "beta", hostnames=["beta.example", "b.example"]),
        lambda session: update_zone(session, "beta", origins=["http://10.0.0.9"]),
        lambda session: set_zone_rules(
            session, "gamma", access_rules=[{"action": "block", "ips": ["192.0.2.0/24"]}]
        ),
        lambda session: create_zone(
            session, name="aardvark", hostnames=["aardvark.example"], origins=["http://10.0.0.7"]
        ),
        lambda session: enforce(session, "alpha", block, actor="a"),
        lambda session: unblock(session, "alpha", actor="a"),
        lambda session: delete_zone(session, "gamma"),
    ]
    previous = first
    for change in changes:
        with database.write() as session:
            change(session)
        snapshot = _built(database, builder)
        assert snapshot == _snapshot(database)
        # What did not change is the very object of the previous build.
        for zone in snapshot.zones:
            same = [earlier for earlier in previous.zones if earlier == zone]
            if same:
                assert zone is same[0]
        previous = snapshot
    assert [zone.name for zone in previous.zones] == ["aardvark", "alpha", "beta"]
    assert previous.zones[2].hostnames == ("beta.example", "b.example")


def test_zones_written_in_plain_sql_are_seen_too(database: Database) -> None:
    """The database moves a zone's version itself: a change made by hand, or by a control
    process of an older release, reaches the next build."""
    _zone(database, "alpha")
    _zone(database, "beta")
    builder = SnapshotBuilder(PUBLIC)
    _built(database, builder)
    with database.write() as session:
        session.execute(text("UPDATE zones SET service = 'proxied' WHERE name = 'beta'"))
        bump_revision(session)
    assert _built(database, builder).zones[1].service == "proxied"
    # The zone with the largest id deleted, and a zone added by hand: SQLite gives it the
    # same id, and it must not pass for the one deleted.
    with database.write() as session:
        session.execute(text("DELETE FROM zones WHERE name = 'beta'"))
        session.execute(
            text(
                "INSERT INTO zones (id, name, service, origins, created_at, updated_at) "
                "VALUES (2, 'aaron', 'hosted', '[\"http://10.0.0.8\"]', :now, :now)"
            ),
            {"now": utcnow()},
        )
        session.execute(
            text(
                "INSERT INTO zone_hostnames (zone_id, hostname, position) VALUES (2, 'aaron.example', 0)"
            )
        )
        bump_revision(session)
    snapshot = _built(database, builder)
    assert [zone.name for zone in snapshot.zones] == ["aaron", "alpha"]
    assert snapshot == _snapshot(database)


def test_a_build_that_fails_leaves_the_builder_as_it_was(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _zone(database, "beta")
    builder = SnapshotBuilder(PUBLIC)
    _built(database, builder)
    _zone(database, "alpha")

    def lost(*_args: object) -> Zone:
        raise OperationalError("SELECT", {}, Exception("connection lost"))

    # Failing late, once the new zone's row has been read.
    with monkeypatch.context() as patch:
        patch.setattr("stockade.desk.snapshot._zone", lost)
        with pytest.raises(OperationalError):
            _built(database, builder)
    snapshot = _built(database, builder)
    assert [zone.name for zone in snapshot.zones] == ["alpha", "beta"]
    assert snapshot == _snapshot(database)
