"""`stockade watch simulate`: its report, its JSON, and the options it refuses."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stockade.cli import app
from stockade.watch.simulate import Simulation, simulate

runner = CliRunner()
SMALL = ["watch", "simulate", "--zones", "20", "--days", "14"]


def test_the_report_gives_delays_false_alerts_and_goals() -> None:
    result = runner.invoke(app, SMALL)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0]
        == "20 zones x 14 days, seed 1: 10 stable, 10 rising to 4x a baseline of 1 per hour."
    )
    assert lines[1].startswith("Rises detected: 10 of 10; delay median ")
    assert lines[2].startswith("False alerts: ")
    assert "per 30 zone-days" in lines[2]
    assert lines[3].startswith("Goals: median delay <= 6 h met; ")


def test_json_holds_the_figures() -> None:
    result = runner.invoke(app, [*SMALL, "--seed", "7", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {
        "seed",
        "zones",
        "days",
        "baseline_per_hour",
        "rise",
        "rising_zones",
        "detected",
        "delay_hours",
        "false_alerts",
        "stable_zone_days",
        "false_alerts_per_30_zone_days",
        "goals_met",
    }
    assert (figures["seed"], figures["zones"], figures["rising_zones"]) == (7, 20, 10)
    assert set(figures["delay_hours"]) == {"median", "max", "within_6h"}
    assert figures["goals_met"] == {"delay": True, "false_alerts": True}
    # Stable zones are watched from day 9 to 14; rising ones until their rise.
    assert 50 < figures["stable_zone_days"] <= 20 * 5


def test_the_same_seed_gives_the_same_figures() -> None:
    simulation = Simulation(seed=3, zones=10, days=14)
    assert simulate(simulation) == simulate(simulation)
    assert (
        simulate(simulation).as_dict() != simulate(Simulation(seed=4, zones=10, days=14)).as_dict()
    )


def test_without_a_rise_nothing_is_detected_in_time() -> None:
    outcome = simulate(Simulation(zones=20, days=14, rise=1.0))
    assert outcome.within_goal == 0
    assert "NOT met" in outcome.report()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--days", "-3"], "--days is -3: give 13 or more"),
        (["--days", "12"], "--days is 12: give 13 or more"),
        (["--zones", "1"], "--zones is 1: give 2 or more"),
        (["--baseline", "0"], "--baseline is 0.0: give a rate above 0 per hour"),
        (["--rise", "0.5"], "--rise is 0.5: give 1 or more"),
        (["--seed", "-1"], "--seed is -1: give 0 or more"),
    ],
)
def test_bad_options_get_a_sentence_and_status_2(options: list[str], message: str) -> None:
    result = runner.invoke(app, ["watch", "simulate", *options])
    assert result.exit_code == 2
    assert message in result.output
