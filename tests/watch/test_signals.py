"""Signal events, their hourly series, and the clustering of target mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from stockade.watch.signals import SignalEvent, by_target, by_zone, cluster_targets, hour_of

NOON = datetime(2026, 3, 2, 12, tzinfo=UTC)


def event(minutes: int, target: str | None = "jane doe", author: str = "a1", zone: str = "forum"):
    return SignalEvent(
        zone=zone,
        target=target,
        author=author,
        time=NOON + timedelta(minutes=minutes),
        kind="targeted_threat",
        item_id=f"item-{minutes}-{author}",
    )


def test_an_event_needs_a_known_kind_and_a_time_zone() -> None:
    with pytest.raises(ValueError, match="Unknown signal kind 'rant'"):
        SignalEvent("forum", None, None, NOON, "rant", "1")
    with pytest.raises(ValueError, match="has no time zone"):
        SignalEvent("forum", None, None, datetime(2026, 3, 2, 12), "doxx", "1")


def test_hour_of_is_the_utc_hour() -> None:
    paris = timezone(timedelta(hours=2))
    assert hour_of(datetime(2026, 3, 2, 12, 47, 13, tzinfo=paris)) == datetime(
        2026, 3, 2, 10, tzinfo=UTC
    )


def test_events_are_bucketed_by_hour_per_zone_and_per_target() -> None:
    events = [
        event(5, author="a1"),
        event(40, author="a1"),
        event(59, author="a2"),
        event(61, author="a3"),
        event(10, target=None),
        event(15, zone="blog", target="john roe"),
    ]
    zones = by_zone(events)
    assert set(zones) == {"forum", "blog"}
    forum = zones["forum"].buckets
    assert [(hour.hour, bucket.count) for hour, bucket in sorted(forum.items())] == [
        (12, 4),
        (13, 1),
    ]
    assert forum[NOON].authors == {"a1", "a2"}
    assert len(forum[NOON].item_ids) == 4

    targets = by_target(events)
    assert set(targets) == {("forum", "jane doe"), ("blog", "john roe")}
    assert targets["forum", "jane doe"].buckets[NOON].count == 3


def test_dense_fills_quiet_hours_with_empty_buckets() -> None:
    series = by_zone([event(0), event(180)])["forum"]
    dense = series.dense(NOON - timedelta(hours=1), NOON + timedelta(hours=3, minutes=30))
    assert [bucket.count for bucket in dense] == [0, 1, 0, 0, 1]
    assert dense[0].hour == NOON - timedelta(hours=1)


def test_the_ways_of_naming_one_person_make_one_target() -> None:
    matches = cluster_targets(["Jane Doe", "jane", "@janedoe", "J. Doe", "@jane_doe92", "DOE"])
    assert {match.key for match in matches.values()} == {"jane doe"}
    assert {match.label for match in matches.values()} == {"Jane Doe"}
    assert matches["@janedoe"].reason == "handle spells jane doe (first name and surname)"
    assert matches["J. Doe"].reason == "initial J. and surname doe"
    assert matches["jane"].reason == "first name jane, of one full name only"
    assert matches["DOE"].reason == "surname doe, of one full name only"


def test_accents_case_and_middle_initials_do_not_split_a_target() -> None:
    matches = cluster_targets(["José Álvarez", "jose alvarez", "JOSÉ M. ÁLVAREZ", "@jalvarez"])
    assert {match.key for match in matches.values()} == {"jose alvarez"}
    # The label is the most frequent spelling; on a tie, one written as a name is.
    assert matches["@jalvarez"].label == "José Álvarez"


def test_an_ambiguous_or_unknown_mention_stays_alone() -> None:
    matches = cluster_targets(["Jane Doe", "Jane Roe", "jane", "J. Smith", "@someone_else"])
    assert matches["jane"].key == "jane"
    assert matches["jane"].reason == "fits several names (jane doe, jane roe)"
    assert matches["J. Smith"].key == "j smith"
    assert matches["J. Smith"].reason == "fits no full name"
    assert matches["@someone_else"].key == "@someoneelse"
    assert matches["Jane Roe"].key == "jane roe"


def test_clustering_does_not_depend_on_the_order_of_mentions() -> None:
    mentions = ["@jdoe", "Jane Doe", "jane doe", "J. Doe", "jane", "John Roe", "roe", "  ", "!!"]
    assert cluster_targets(mentions) == cluster_targets(list(reversed(mentions)))
    assert "!!" not in cluster_targets(mentions)
