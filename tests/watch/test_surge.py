"""The surge detector: its test, its baseline, its rules (minimum counts, authors,
cooldown, severity), and statistical bounds over seeded simulations."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from stockade.watch.signals import SignalEvent, by_target, cluster_targets
from stockade.watch.simulate import Simulation, simulate
from stockade.watch.surge import (
    TARGET_SETTINGS,
    Level,
    Surge,
    SurgeDetector,
    SurgeSettings,
    estimate_baseline,
    poisson_tail,
)

START = datetime(2026, 1, 5, tzinfo=UTC)
HOUR = timedelta(hours=1)


def feed(detector: SurgeDetector, counts: Iterable[int], start: datetime = START) -> list[Surge]:
    """Feed hourly counts from `start`; the surges they raise."""
    surges = []
    for offset, count in enumerate(counts):
        surge = detector.observe(start + offset * HOUR, count)
        if surge is not None:
            surges.append(surge)
    return surges


def steady(days: int, per_hour: int = 1) -> list[int]:
    return [per_hour] * (24 * days)


# the test


def test_poisson_tail_matches_the_distribution() -> None:
    assert poisson_tail(0, 3.0) == 1.0
    assert poisson_tail(1, 3.0) == pytest.approx(1 - math.exp(-3))
    assert poisson_tail(5, 0.0) == 0.0
    for expected in (0.3, 2.0, 6.0, 40.0):
        for count in (1, 2, 5, 10, 30, 60):
            below = sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(count))
            assert poisson_tail(count, expected) == pytest.approx(1 - below, abs=1e-12)
    # Far in the tail, where 1 - P(X < count) would round to 0.
    assert poisson_tail(30, 3.0) == pytest.approx(
        sum(math.exp(-3) * 3.0**k / math.factorial(k) for k in range(30, 80)), rel=1e-9
    )


# the baseline


def test_a_baseline_follows_the_daily_rhythm() -> None:
    rhythm = [
        round(10 * (1 + 0.5 * math.cos(2 * math.pi * (hour - 18) / 24))) for hour in range(24)
    ]
    baseline = estimate_baseline([rhythm] * 14, rate_floor=0.01)
    assert baseline.per_day == pytest.approx(sum(rhythm), rel=0.02)
    assert max(range(24), key=lambda hour: baseline.per_hour[hour]) == 18
    assert baseline.per_hour[18] == pytest.approx(15, rel=0.05)
    assert baseline.per_hour[6] == pytest.approx(5, rel=0.1)


def test_a_surge_day_in_the_baseline_counts_as_a_busy_day() -> None:
    days = [[1] * 24 for _ in range(14)]
    days[5] = [50] * 24
    baseline = estimate_baseline(days, rate_floor=0.01)
    # The median day is 24: a day counts at most 24 + 4 * sqrt(24) ~ 43.6.
    assert baseline.per_day == pytest.approx((13 * 24 + 24 + 4 * math.sqrt(24)) / 14)


def test_a_quiet_baseline_expects_at_least_the_floor() -> None:
    baseline = estimate_baseline([[0] * 24] * 7, rate_floor=1 / 24)
    assert baseline.per_day == pytest.approx(1.0)
    assert baseline.expected(5, 48) == pytest.approx(2.0)


# the rules


def test_no_alert_before_the_baseline_has_its_days() -> None:
    detector = SurgeDetector("forum")
    # 7 baseline days plus the 2 days the 48 h window reaches.
    assert feed(detector, [*steady(9)[:-1], 500]) == []
    assert detector.baseline is None
    assert feed(detector, [500], START + 9 * 24 * HOUR)
    assert detector.baseline is not None and detector.baseline.days == 7


def test_hours_come_in_order_and_skipped_hours_are_quiet() -> None:
    detector = SurgeDetector("forum")
    detector.observe(START + 5 * HOUR, 1)
    with pytest.raises(ValueError, match="feed hours in order"):
        detector.observe(START + 4 * HOUR, 1)
    with pytest.raises(ValueError, match="has no time zone"):
        detector.observe(datetime(2026, 1, 6), 1)
    # Skipping to day 10: the days between are whole days of zeros, a baseline at the floor.
    detector.observe(START + 10 * 24 * HOUR, 0)
    assert detector.baseline is not None
    assert detector.baseline.per_day == pytest.approx(1.0)


def test_a_surge_needs_a_minimum_count() -> None:
    quiet = [0] * (24 * 10)
    detector = SurgeDetector("forum")
    assert feed(detector, [*quiet, 4]) == []  # 4 where 0.125 were expected: improbable, few
    detector = SurgeDetector("forum")
    (surge,) = feed(detector, [*quiet, 5])
    assert (surge.observed, surge.window_hours, surge.severity) == (5, 3, "elevated")


def test_a_target_surge_needs_distinct_authors() -> None:
    history = 10 * 24
    detector = SurgeDetector("Jane Doe", "target", TARGET_SETTINGS)
    for offset in range(history):
        detector.observe(START + offset * HOUR, 0)
    assert detector.observe(START + history * HOUR, 20, {"a1", "a2"}) is None
    surge = detector.observe(START + (history + 1) * HOUR, 1, {"a3"})
    assert surge is not None and surge.authors == 3 and surge.observed == 21


def test_a_sustained_surge_alerts_again_after_the_cooldown() -> None:
    detector = SurgeDetector("forum", settings=SurgeSettings(levels=(Level("watch", 1.5, 3e-4),)))
    feed(detector, steady(16))
    rise = START + 16 * 24 * HOUR
    surges = feed(detector, [4] * 72, rise)
    first = surges[0].hour - rise
    assert first < 6 * HOUR
    assert [surge.hour - rise for surge in surges] == [first, first + 24 * HOUR, first + 48 * HOUR]


def test_only_a_higher_severity_breaks_the_cooldown() -> None:
    detector = SurgeDetector("forum")
    feed(detector, steady(16))
    rise = START + 16 * 24 * HOUR
    surges = feed(detector, [3] * 12 + [30] * 2, rise)
    assert [surge.severity for surge in surges] == ["watch", "critical"]
    assert surges[1].hour == rise + 12 * HOUR


def test_levels_must_ask_for_more_as_they_rise() -> None:
    with pytest.raises(ValueError, match="Severity high must ask for at least as much as low"):
        SurgeSettings(levels=(Level("low", 2, 1e-4), Level("high", 1.5, 1e-6)))
    with pytest.raises(ValueError, match="rate_floor"):
        SurgeSettings(rate_floor=0)


# what alerts say


def test_a_target_surge_reads_as_a_campaign() -> None:
    history = 14 * 24 + 48
    # Two threats a day against her before: at 06:00 and 18:00.
    detector = SurgeDetector("Jane Doe", "target", TARGET_SETTINGS)
    for offset in range(history):
        detector.observe(START + offset * HOUR, 1 if offset % 24 in (6, 18) else 0)
    authors = {f"author-{number}" for number in range(17)}
    surge = detector.observe(START + history * HOUR, 36, authors)
    assert surge is not None
    assert surge.sentence() == (
        "campaign against Jane Doe: 40 threats by 17 authors in 48 h (baseline 2 a day)"
    )
    assert surge.severity == "critical"


def test_events_naming_one_person_many_ways_make_one_campaign() -> None:
    names = ["Jane Doe", "@janedoe", "J. Doe", "jane", "@jdoe"]
    rise = START + 16 * 24 * HOUR
    events = [
        SignalEvent(
            zone="forum",
            target=names[number % len(names)],
            author=f"author-{number % 6}",
            time=rise + timedelta(minutes=7 * number),
            kind="targeted_threat",
            item_id=str(number),
        )
        for number in range(12)
    ]
    keys = cluster_targets(event.target or "" for event in events)
    clustered = [
        SignalEvent(e.zone, keys[e.target or ""].key, e.author, e.time, e.kind, e.item_id)
        for e in events
    ]
    ((zone, target), series) = by_target(clustered).popitem()
    assert (zone, target) == ("forum", "jane doe")
    detector = SurgeDetector(keys["Jane Doe"].label, "target", TARGET_SETTINGS)
    surges = [
        surge
        for bucket in series.dense(START, rise + 2 * HOUR)
        if (surge := detector.observe(bucket.hour, bucket.count, bucket.authors)) is not None
    ]
    assert [surge.sentence() for surge in surges] == [
        "campaign against Jane Doe: 9 threats by 6 authors in 48 h (baseline 0.14 a day)"
    ]


def test_a_zone_surge_says_what_was_expected() -> None:
    surge = Surge("forum.example", "zone", START, 6, 31, 6.24, 12, 24.9, 1e-9, "elevated")
    assert surge.sentence() == (
        "surge on forum.example: 31 signals by 12 authors in 6 h where 6.2 were expected "
        "(baseline 25 a day), elevated"
    )
    assert surge.ratio == pytest.approx(31 / 6.24)


# statistical bounds over seeded simulations


def test_a_4x_rise_is_found_within_6_hours_and_stable_traffic_rarely_alerts() -> None:
    outcomes = [simulate(Simulation(seed=seed, zones=40, days=20)) for seed in range(1, 21)]
    medians = [outcome.median_delay for outcome in outcomes]
    # The median delay is within 6 h for at least 95% of seeds.
    assert sum(median is not None and median <= 6 for median in medians) >= 19, medians
    rises = sum(outcome.rising_zones for outcome in outcomes)
    assert sum(len(outcome.delays) for outcome in outcomes) == rises
    assert sum(outcome.within_goal for outcome in outcomes) >= 0.8 * rises
    false_alerts = sum(outcome.false_alerts for outcome in outcomes)
    zone_days = sum(outcome.stable_zone_days for outcome in outcomes)
    assert zone_days >= 1000
    assert 30 * false_alerts / zone_days <= 1.0
    assert statistics.median(outcome.false_alerts_per_30_zone_days for outcome in outcomes) <= 1.0
