"""End to end, with real processes on loopback: a control plane takes a seeded stream of
posts through POST /v1/watch/items (a forum's ordinary days, then threats against one
person by many authors), `stockade watch run` finds the campaign, and the alert is listed
by GET /v1/alerts and `stockade alerts`, with the campaign sentence, and received by the
webhook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from stockade.cli import app
from tests.support.control_process import ControlProcess
from tests.support.database import fresh_postgres_database
from tests.support.processes import stop_process
from tests.support.watch_stream import seeded_stream
from tests.support.webhook_receiver import webhook_receiver

BATCH = 200


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None  # the control plane's own, in its data directory
    else:
        with fresh_postgres_database(migrate=False) as url:
            yield url


def start_worker(data: Path, database_url: str | None, webhook: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "stockade.cli", "watch", "run", "--data", str(data)]
    command += ["--interval", "0.5", "--webhook", webhook]
    if database_url:
        command += ["--database-url", database_url]
    env = {key: value for key, value in os.environ.items() if not key.startswith("STOCKADE_")}
    return subprocess.Popen(
        command,
        stdout=open(data.parent / "watch.log", "wb"),
        stderr=subprocess.STDOUT,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )


def wait_for_alerts(control: ControlProcess, headers: dict[str, str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        alerts: list[dict[str, Any]] = httpx.get(f"{control.url}/v1/alerts", headers=headers).json()
        if any(alert["scope"] == "target" for alert in alerts):
            return alerts
        assert time.monotonic() < deadline, "no campaign alert within 60 s"
        time.sleep(0.2)


def test_pushed_posts_to_an_alert_listed_and_posted(
    tmp_path: Path, database_url: str | None
) -> None:
    data = tmp_path / "data"
    control = ControlProcess.start(data=data, database_url=database_url)
    worker = None
    try:
        headers = {"authorization": f"Bearer {control.admin_token}"}
        zone = {"name": "forum", "hostnames": ["forum.example"], "origins": ["http://10.0.0.5"]}
        assert httpx.post(f"{control.url}/v1/zones", json=zone, headers=headers).is_success
        items = seeded_stream(datetime.now(UTC))
        for start in range(0, len(items), BATCH):
            response = httpx.post(
                f"{control.url}/v1/watch/items",
                json={"items": items[start : start + BATCH]},
                headers=headers,
                timeout=60,
            )
            assert response.status_code == 200, response.text

        with webhook_receiver() as receiver:
            worker = start_worker(data, database_url, receiver.url)
            alerts = wait_for_alerts(control, headers)
            received = receiver.wait_for(len(alerts))

        campaign = next(alert for alert in alerts if alert["scope"] == "target")
        assert campaign["sentence"].startswith("campaign against Jane Doe: ")
        assert f"threats by {campaign['authors']} authors in 48 h" in campaign["sentence"]
        assert any(alert["scope"] == "zone" for alert in alerts)
        posted = next(alert for alert in received if alert["id"] == campaign["id"])
        assert posted["sentence"] == campaign["sentence"]
        assert {item["author"] for item in posted["evidence"]["items"]} <= {
            f"raider{number}" for number in range(17)
        }
        shown = httpx.get(f"{control.url}/v1/alerts/{campaign['id']}", headers=headers).json()
        assert shown["evidence"]["item_count"] == campaign["observed"]

        # The worker may raise the campaign's severity in a later run: stop it, so that the
        # API and the CLI below read the same alerts.
        assert stop_process(worker) == 0, (data.parent / "watch.log").read_text()
        worker = None
        alerts = httpx.get(f"{control.url}/v1/alerts", headers=headers).json()
        env = {"STOCKADE_URL": control.url, "STOCKADE_TOKEN": control.admin_token}
        listed = CliRunner().invoke(app, ["alerts"], env=env)
        assert listed.exit_code == 0, listed.output
        assert "campaign against Jane Doe: " in listed.output
        as_json = CliRunner().invoke(app, ["alerts", "--json"], env=env)
        assert [alert["id"] for alert in json.loads(as_json.output)] == [
            alert["id"] for alert in alerts
        ]
        one = CliRunner().invoke(app, ["alerts", "show", str(campaign["id"])], env=env)
        assert one.exit_code == 0, one.output
        assert campaign["sentence"] in one.output
        assert "by raider" in one.output and "cues: " in one.output
    finally:
        if worker is not None:
            assert stop_process(worker) == 0, (data.parent / "watch.log").read_text()
        control.stop()
