"""The surge detector: is a series receiving far more signals than it usually does?

Each hour, the detector compares the count of each recent window (the last 6 h, the last
48 h) with what the series' own baseline predicts for those hours, and raises a surge when
that count is improbable under the baseline (a Poisson tail probability), large enough
(a minimum count, and of distinct authors for a target) and not already alerted on (a
cooldown that only a higher severity breaks).

The baseline is refreshed at each UTC midnight from the previous 14 full days, leaving
out the days a recent window may still reach into, so that a surge never raises its own
baseline. It is robust: a day far above the median day counts as an ordinary busy day,
the daily rhythm is the first daily harmonic of the hour-of-day means (so each hour's
expectation rests on every hour of the baseline, not on 14 samples), and no hour expects
less than a floor.

Pure and incremental: feed one hourly count at a time; nothing is read or written.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, NamedTuple

HOURS_PER_DAY: Final = 24
_ANGLES: Final = tuple(2 * math.pi * hour / HOURS_PER_DAY for hour in range(HOURS_PER_DAY))
# A daily rhythm never makes an hour expect less than this share of the mean hour.
_QUIETEST_HOUR: Final = 0.2
# A baseline day above median + this many standard deviations counts as that much.
_BUSY_DAY_SIGMAS: Final = 4.0

Scope = Literal["zone", "target"]


# the statistical test


def poisson_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected): how probable at least `count` signals are
    when `expected` were expected."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    term = math.exp(-expected + count * math.log(expected) - math.lgamma(count + 1))
    if count > expected:
        # The terms from `count` upward only shrink: sum them until they stop counting.
        total, index = 0.0, count
        while term > total * 1e-17:
            total += term
            index += 1
            term *= expected / index
        return min(total, 1.0)
    below, index = 0.0, count
    while index > 0 and term > 0:
        term *= index / expected  # from P(X = index) down to P(X = index - 1)
        index -= 1
        below += term
    return max(0.0, 1.0 - below)


# settings


@dataclass(frozen=True, slots=True)
class Level:
    """A severity: reached when the count is at least `min_ratio` times the expected
    count and its tail probability at most `max_p`."""

    name: str
    min_ratio: float
    max_p: float


@dataclass(frozen=True, slots=True)
class SurgeSettings:
    windows: tuple[int, ...] = (3, 6, 48)  # recent windows, hours
    baseline_days: int = 14
    min_baseline_days: int = 7  # fewer full days of history: no alert yet
    rate_floor: float = 1 / 24  # expected signals per hour, at least
    min_count: int = 5  # signals in the window, at least
    min_authors: int = 0  # distinct authors in the window, at least
    cooldown_hours: int = 24
    levels: tuple[Level, ...] = (
        Level("watch", 1.5, 3e-4),
        Level("elevated", 3.0, 1e-6),
        Level("critical", 6.0, 1e-10),
    )

    def __post_init__(self) -> None:
        if not self.windows or min(self.windows) < 1:
            raise ValueError("Give at least one recent window, each of 1 hour or more.")
        if not 1 <= self.min_baseline_days <= self.baseline_days:
            raise ValueError("min_baseline_days must be between 1 and baseline_days.")
        if self.rate_floor <= 0:
            raise ValueError("rate_floor must be above 0: a baseline of 0 makes anything a surge.")
        if not self.levels:
            raise ValueError("Give at least one severity level.")
        for lower, higher in zip(self.levels, self.levels[1:], strict=False):
            if higher.min_ratio < lower.min_ratio or higher.max_p > lower.max_p:
                raise ValueError(
                    f"Severity {higher.name} must ask for at least as much as {lower.name}."
                )

    @property
    def gap_days(self) -> int:
        """Days left out between the baseline and today: those the longest window reaches."""
        return math.ceil(max(self.windows) / HOURS_PER_DAY)


# Per zone: a rise over hours, from however many authors.
ZONE_SETTINGS: Final = SurgeSettings()
# Per target: most have no history, so the floor is one signal a week and a campaign needs
# several authors over two days.
TARGET_SETTINGS: Final = SurgeSettings(windows=(48,), rate_floor=1 / 168, min_authors=3)


# the baseline


@dataclass(frozen=True, slots=True)
class Baseline:
    per_hour: tuple[float, ...]  # expected signals in each UTC hour of the day, 0 to 23
    per_day: float
    days: int

    def expected(self, last_hour_of_day: int, hours: int) -> float:
        """Expected signals in the `hours` hours ending with hour `last_hour_of_day`."""
        whole_days, rest = divmod(hours, HOURS_PER_DAY)
        total = whole_days * sum(self.per_hour)
        for back in range(rest):
            total += self.per_hour[(last_hour_of_day - back) % HOURS_PER_DAY]
        return total


def estimate_baseline(days: Sequence[Sequence[int]], rate_floor: float) -> Baseline:
    """The baseline of full UTC days of hourly counts (24 each, hour 0 first)."""
    if not days or any(len(day) != HOURS_PER_DAY for day in days):
        raise ValueError("A baseline needs at least one day of 24 hourly counts.")
    totals = sorted(sum(day) for day in days)
    middle = len(totals) // 2
    median = totals[middle] if len(totals) % 2 else (totals[middle - 1] + totals[middle]) / 2
    busy_day = median + _BUSY_DAY_SIGMAS * math.sqrt(max(median, 1.0))
    by_hour = [0.0] * HOURS_PER_DAY
    for day in days:
        scale = min(1.0, busy_day / max(sum(day), 1))
        for hour, count in enumerate(day):
            by_hour[hour] += count * scale
    means = [total / len(days) for total in by_hour]
    mean = sum(means) / HOURS_PER_DAY
    cosine = 2 * sum(m * math.cos(a) for m, a in zip(means, _ANGLES, strict=True)) / HOURS_PER_DAY
    sine = 2 * sum(m * math.sin(a) for m, a in zip(means, _ANGLES, strict=True)) / HOURS_PER_DAY
    per_hour = tuple(
        max(mean + cosine * math.cos(a) + sine * math.sin(a), _QUIETEST_HOUR * mean, rate_floor)
        for a in _ANGLES
    )
    return Baseline(per_hour, sum(per_hour), len(days))


# surges


@dataclass(frozen=True, slots=True)
class Surge:
    """An alert: `observed` signals by `authors` authors in the `window_hours` hours up to
    and including `hour`, where the baseline expected `expected`."""

    key: str
    scope: Scope
    hour: datetime
    window_hours: int
    observed: int
    expected: float
    authors: int
    baseline_per_day: float
    p_value: float
    severity: str

    @property
    def ratio(self) -> float:
        return self.observed / self.expected

    def sentence(self) -> str:
        """ "campaign against Jane Doe: 40 threats by 17 authors in 48 h (baseline 2 a day)"."""
        baseline = f"baseline {_amount(self.baseline_per_day)} a day"
        authors = f" by {self.authors} authors" if self.authors else ""
        if self.scope == "target":
            return (
                f"campaign against {self.key}: {self.observed} threats{authors} "
                f"in {self.window_hours} h ({baseline})"
            )
        return (
            f"surge on {self.key}: {self.observed} signals{authors} in {self.window_hours} h "
            f"where {_amount(self.expected)} were expected ({baseline}), {self.severity}"
        )


def _amount(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


class _Finding(NamedTuple):
    level: int  # index in SurgeSettings.levels
    p_value: float
    window: int
    expected: float
    authors: int


class SurgeDetector:
    """Watches one series (a zone, or a target of a zone). Feed it every hour in order with
    `observe`; hours skipped count as hours without a signal."""

    def __init__(
        self, key: str, scope: Scope = "zone", settings: SurgeSettings = ZONE_SETTINGS
    ) -> None:
        self.key = key
        self.scope: Scope = scope
        self.settings = settings
        self.baseline: Baseline | None = None
        # the history
        self._next_hour: int | None = None  # hours since the epoch
        self._days: deque[list[int]] = deque(maxlen=settings.baseline_days + settings.gap_days)
        self._today: list[int] = []
        self._today_is_whole = False
        # the recent windows
        self._span = max(settings.windows)
        self._recent: deque[int] = deque(maxlen=self._span)
        self._recent_authors: deque[Collection[str]] = deque(maxlen=self._span)
        self._sums = dict.fromkeys(settings.windows, 0)
        # the cooldown
        self._last_alert_hour: int | None = None
        self._last_level = -1

    def observe(self, hour: datetime, count: int, authors: Collection[str] = ()) -> Surge | None:
        """Take the count (and authors) of the UTC hour `hour` falls in; return the surge it
        completes, if any."""
        if hour.tzinfo is None:
            raise ValueError(f"Hour {hour.isoformat()} has no time zone: give it in UTC.")
        index = int(hour.timestamp()) // 3600
        if self._next_hour is not None:
            if index < self._next_hour:
                raise ValueError(
                    f"Hour {hour.isoformat()} comes after a later hour: feed hours in order."
                )
            for skipped in range(self._next_hour, index):
                self._add(skipped, 0, ())
        self._add(index, count, frozenset(authors))
        self._next_hour = index + 1
        return self._check(index) if self.baseline is not None else None

    # the history

    def _add(self, index: int, count: int, authors: Collection[str]) -> None:
        hour_of_day = index % HOURS_PER_DAY
        if hour_of_day == 0:
            if self._today_is_whole:
                self._days.append(self._today)
                self._refresh_baseline()
            self._today, self._today_is_whole = [], True
        self._today.append(count)
        for window in self.settings.windows:
            if len(self._recent) >= window:
                self._sums[window] -= self._recent[-window]  # the hour leaving that window
        self._recent.append(count)
        self._recent_authors.append(authors)
        for window in self.settings.windows:
            self._sums[window] += count

    def _refresh_baseline(self) -> None:
        settings = self.settings
        days = list(self._days)[: max(0, len(self._days) - settings.gap_days)]
        if len(days) >= settings.min_baseline_days:
            self.baseline = estimate_baseline(days, settings.rate_floor)

    # the test

    def _check(self, index: int) -> Surge | None:
        findings = [
            finding
            for window in self.settings.windows
            if (finding := self._test(index, window)) is not None
        ]
        if not findings:
            return None
        finding = max(findings, key=lambda finding: (finding.level, -finding.p_value))
        cooling = (
            self._last_alert_hour is not None
            and index - self._last_alert_hour < self.settings.cooldown_hours
        )
        if cooling and finding.level <= self._last_level:
            return None
        self._last_alert_hour, self._last_level = index, finding.level
        assert self.baseline is not None
        return Surge(
            key=self.key,
            scope=self.scope,
            hour=datetime.fromtimestamp(index * 3600, UTC),
            window_hours=finding.window,
            observed=self._sums[finding.window],
            expected=finding.expected,
            authors=finding.authors,
            baseline_per_day=self.baseline.per_day,
            p_value=finding.p_value,
            severity=self.settings.levels[finding.level].name,
        )

    def _test(self, index: int, window: int) -> _Finding | None:
        """What the window ending with hour `index` reaches, if it reaches a level."""
        assert self.baseline is not None
        settings = self.settings
        observed = self._sums[window]
        if observed < settings.min_count:
            return None
        expected = self.baseline.expected(index % HOURS_PER_DAY, window)
        level, p_value = self._level(observed, expected)
        if level < 0:
            return None
        authors = len(set().union(*list(self._recent_authors)[-window:]))
        if authors < settings.min_authors:
            return None
        return _Finding(level, p_value, window, expected, authors)

    def _level(self, observed: int, expected: float) -> tuple[int, float]:
        """The highest severity level `observed` reaches (-1 for none), and its p-value."""
        levels = self.settings.levels
        if observed < levels[0].min_ratio * expected:
            return -1, 1.0
        p_value = poisson_tail(observed, expected)
        reached = -1
        for rank, level in enumerate(levels):
            if observed >= level.min_ratio * expected and p_value <= level.max_p:
                reached = rank
        return reached, p_value
