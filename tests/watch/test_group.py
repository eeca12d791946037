"""`stockade watch`: `run` runs the worker until stopped, and refuses settings it cannot
use with a sentence; `simulate` is under the same group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from stockade.cli import app

runner = CliRunner()


def test_the_group_has_run_and_simulate() -> None:
    result = runner.invoke(app, ["watch", "--help"])
    assert result.exit_code == 0
    assert "run" in result.output and "simulate" in result.output


def test_run_refuses_a_bad_interval_with_a_sentence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["watch", "run", "--data", str(tmp_path), "--interval", "0"])
    assert result.exit_code == 2
    assert (
        "STOCKADE_WATCH_INTERVAL is '0.0', which is not a number of at least 0.1" in result.output
    )


def test_run_refuses_a_webhook_that_is_not_a_url(tmp_path: Path) -> None:
    result = runner.invoke(app, ["watch", "run", "--data", str(tmp_path), "--webhook", "hooks"])
    assert result.exit_code == 2
    assert "STOCKADE_WATCH_WEBHOOK is 'hooks', which is not a URL" in result.output


def test_run_refuses_a_monitors_file_it_cannot_use(tmp_path: Path) -> None:
    monitors = tmp_path / "monitors.toml"
    monitors.write_text('[[monitors]]\nzone = "forum"\nurl = "forum.example"\npost = "p"\n')
    result = runner.invoke(
        app, ["watch", "run", "--data", str(tmp_path), "--monitors", str(monitors)]
    )
    assert result.exit_code == 2
    assert "'forum.example' is not a page address" in result.output


def test_run_refuses_a_bad_database_url(tmp_path: Path) -> None:
    result = runner.invoke(app, ["watch", "run", "--database-url", "nonsense://x"])
    assert result.exit_code == 2
    assert "is not supported" in result.output or "is not a database URL" in result.output


def test_run_migrates_a_new_database_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKADE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "stockade.cli", "watch", "run", "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "stockade.db").exists():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        time.sleep(1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, output.decode(errors="replace")
    assert b"watch worker: every 60 s, webhook none" in output
