"""`stockade alerts` and `stockade alerts show` against a real control process: an empty
list, and an alert that does not exist (the campaign itself is in
tests/watch/test_worker_e2e.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from stockade.cli import app
from tests.support.control_process import ControlProcess

runner = CliRunner()


@pytest.fixture
def env(control_process: type[ControlProcess]) -> Iterator[dict[str, str]]:
    control = control_process.start()
    yield {"STOCKADE_URL": control.url, "STOCKADE_TOKEN": control.admin_token}


def test_no_alerts_yet(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["alerts"], env=env)
    assert (result.exit_code, result.output) == (0, "no alerts yet\n")
    result = runner.invoke(app, ["alerts", "--json"], env=env)
    assert (result.exit_code, json.loads(result.output)) == (0, [])


def test_an_alert_that_does_not_exist(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["alerts", "show", "42"], env=env)
    assert result.exit_code == 1
    assert "There is no alert 42: list the alerts with `stockade alerts`" in result.output


def test_a_token_that_cannot_read(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["alerts"], env={**env, "STOCKADE_TOKEN": "stk_wrong"})
    assert result.exit_code == 1
    assert "This API token is not valid" in result.output
