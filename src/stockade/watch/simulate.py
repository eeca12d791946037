"""`stockade watch simulate`: the surge detector on seeded synthetic streams.

Every zone receives Poisson hourly counts around a baseline rate with a daily rhythm (the
rate swings by half of itself over the day, peaking at a random hour). Half the zones stay
stable; the other half rise to `rise` times their rate at a random hour once the detector
has its baseline, and stay there. The run measures how many hours each rise takes to be
detected, and how many alerts stable traffic raises (every alert before a rise is false).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final

import typer

from stockade.terminal import fail
from stockade.watch.surge import HOURS_PER_DAY, ZONE_SETTINGS, SurgeDetector, SurgeSettings

# The goals of the detector: a rise found within this many hours (median), and no more
# than this many false alerts per 30 zone-days of stable traffic.
GOAL_DELAY_HOURS: Final = 6
GOAL_FALSE_ALERTS: Final = 1.0
# How far the daily rhythm moves the rate: from half of it to one and a half times it.
DAILY_SWING: Final = 0.5
# A rise starts no later than this many hours before the end, so that it can be found.
RISE_MARGIN_HOURS: Final = 72
START: Final = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Simulation:
    seed: int = 1
    zones: int = 100
    days: int = 30
    baseline: float = 1.0  # signals per hour, on average over the day
    rise: float = 4.0

    def problem(self, settings: SurgeSettings = ZONE_SETTINGS) -> str | None:
        """What is wrong with these options, as a sentence; None when nothing is."""
        shortest = first_armed_day(settings) + RISE_MARGIN_HOURS // HOURS_PER_DAY + 1
        if self.seed < 0:
            return f"--seed is {self.seed}: give 0 or more."
        if self.zones < 2:
            return f"--zones is {self.zones}: give 2 or more (half stay stable, half rise)."
        if self.days < shortest:
            return (
                f"--days is {self.days}: give {shortest} or more, since the detector needs "
                f"{first_armed_day(settings)} days of history before it alerts and a rise "
                f"needs {RISE_MARGIN_HOURS} h to be found."
            )
        if not self.baseline > 0:
            return f"--baseline is {self.baseline}: give a rate above 0 per hour, such as 1."
        if not self.rise >= 1:
            return f"--rise is {self.rise}: give 1 or more (4 for a rise to 4 times the rate)."
        return None


@dataclass(frozen=True, slots=True)
class Outcome:
    simulation: Simulation
    rising_zones: int
    delays: tuple[int, ...]  # hours from the first raised hour to the alert, counting both
    false_alerts: int
    stable_hours: int  # hours of stable traffic watched by an armed detector

    @property
    def stable_zone_days(self) -> float:
        return self.stable_hours / HOURS_PER_DAY

    @property
    def false_alerts_per_30_zone_days(self) -> float:
        return 30 * self.false_alerts / self.stable_zone_days

    @property
    def within_goal(self) -> int:
        return sum(delay <= GOAL_DELAY_HOURS for delay in self.delays)

    @property
    def median_delay(self) -> float | None:
        return statistics.median(self.delays) if self.delays else None

    @property
    def goals_met(self) -> dict[str, bool]:
        median = self.median_delay
        return {
            "delay": median is not None and median <= GOAL_DELAY_HOURS,
            "false_alerts": self.false_alerts_per_30_zone_days <= GOAL_FALSE_ALERTS,
        }

    def as_dict(self) -> dict[str, Any]:
        simulation = self.simulation
        return {
            "seed": simulation.seed,
            "zones": simulation.zones,
            "days": simulation.days,
            "baseline_per_hour": simulation.baseline,
            "rise": simulation.rise,
            "rising_zones": self.rising_zones,
            "detected": len(self.delays),
            "delay_hours": {
                "median": self.median_delay,
                "max": max(self.delays, default=None),
                f"within_{GOAL_DELAY_HOURS}h": self.within_goal,
            },
            "false_alerts": self.false_alerts,
            "stable_zone_days": round(self.stable_zone_days, 1),
            "false_alerts_per_30_zone_days": round(self.false_alerts_per_30_zone_days, 3),
            "goals_met": self.goals_met,
        }

    def report(self) -> str:
        simulation = self.simulation
        lines = [
            f"{simulation.zones} zones x {simulation.days} days, seed {simulation.seed}: "
            f"{simulation.zones - self.rising_zones} stable, {self.rising_zones} rising to "
            f"{simulation.rise:g}x a baseline of {simulation.baseline:g} per hour.",
        ]
        if self.delays:
            lines.append(
                f"Rises detected: {len(self.delays)} of {self.rising_zones}; delay median "
                f"{self.median_delay:g} h, max {max(self.delays)} h; {self.within_goal} "
                f"within {GOAL_DELAY_HOURS} h."
            )
        else:
            lines.append(f"Rises detected: none of {self.rising_zones}.")
        lines.append(
            f"False alerts: {self.false_alerts} in {self.stable_zone_days:,.0f} zone-days of "
            f"stable traffic, {self.false_alerts_per_30_zone_days:.2f} per 30 zone-days."
        )
        met = self.goals_met
        lines.append(
            f"Goals: median delay <= {GOAL_DELAY_HOURS} h {_verdict(met['delay'])}; "
            f"<= {GOAL_FALSE_ALERTS:g} false alert per 30 zone-days "
            f"{_verdict(met['false_alerts'])}."
        )
        return "\n".join(lines)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def first_armed_day(settings: SurgeSettings) -> int:
    """The first day (from 0) on which a new detector may alert."""
    return settings.gap_days + settings.min_baseline_days


def simulate(simulation: Simulation, settings: SurgeSettings = ZONE_SETTINGS) -> Outcome:
    """Run the detector on every zone of `simulation`."""
    import numpy as np  # here, so that other commands do not load it

    rng = np.random.default_rng(simulation.seed)
    hours = simulation.days * HOURS_PER_DAY
    armed = first_armed_day(settings) * HOURS_PER_DAY
    clock = np.arange(hours)
    peaks = rng.uniform(0, HOURS_PER_DAY, size=(simulation.zones, 1))
    rates = simulation.baseline * (
        1 + DAILY_SWING * np.cos(2 * math.pi * (clock - peaks) / HOURS_PER_DAY)
    )
    rising = np.arange(simulation.zones) % 2 == 1
    # A rise begins after a day of armed, stable watching.
    rise_hours = np.where(
        rising,
        rng.integers(armed + HOURS_PER_DAY, hours - RISE_MARGIN_HOURS + 1, simulation.zones),
        hours,
    )
    rates = np.where(clock >= rise_hours[:, None], rates * simulation.rise, rates)
    counts = rng.poisson(rates).tolist()

    times = [START + timedelta(hours=hour) for hour in range(hours)]
    delays: list[int] = []
    false_alerts = stable_hours = 0
    for zone, (zone_counts, rise_hour) in enumerate(zip(counts, rise_hours.tolist(), strict=True)):
        detector = SurgeDetector(f"zone-{zone}", settings=settings)
        stable_hours += rise_hour - armed
        for hour, count in enumerate(zone_counts):
            if detector.observe(times[hour], count) is None:
                continue
            if hour < rise_hour:
                false_alerts += 1
            else:
                delays.append(hour - rise_hour + 1)
                break
    return Outcome(simulation, int(rising.sum()), tuple(delays), false_alerts, stable_hours)


# the command


def simulate_command(
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random streams.")] = 1,
    zones: Annotated[int, typer.Option("--zones", help="Zones simulated; half rise.")] = 100,
    days: Annotated[int, typer.Option("--days", help="Days of traffic per zone.")] = 30,
    baseline: Annotated[
        float, typer.Option("--baseline", help="Signals per hour before a rise.")
    ] = 1.0,
    rise: Annotated[
        float, typer.Option("--rise", help="How many times the baseline a rise reaches.")
    ] = 4.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Run the surge detector on seeded synthetic streams: detection delay and false alerts."""
    simulation = Simulation(seed, zones, days, baseline, rise)
    problem = simulation.problem()
    if problem is not None:
        fail(problem, 2)
    outcome = simulate(simulation)
    typer.echo(json.dumps(outcome.as_dict(), indent=2) if as_json else outcome.report())
