"""`stockade watch`: `run` runs the watch worker alone, `simulate` measures the surge
detector on synthetic streams."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from stockade.config import SettingsError, load_settings
from stockade.logs import configure_logging
from stockade.terminal import DatabaseUrlOption, DataOption, fail
from stockade.watch.simulate import simulate_command

watch_app = typer.Typer(help="Threat detection: signals, surges and alerts.", no_args_is_help=True)
watch_app.command("simulate")(simulate_command)


def register(app: typer.Typer) -> None:
    """Add `stockade watch` and its commands to the `stockade` app."""
    app.add_typer(watch_app, name="watch")


@watch_app.command("run")
def run_command(
    data: DataOption = None,
    database_url: DatabaseUrlOption = None,
    interval: Annotated[
        float | None,
        typer.Option("--interval", help="Seconds between runs (STOCKADE_WATCH_INTERVAL; 60)."),
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="URL each new alert is posted to (STOCKADE_WATCH_WEBHOOK)."),
    ] = None,
    monitors: Annotated[
        Path | None,
        typer.Option(
            "--monitors", help="TOML file of pages to read posts from (STOCKADE_WATCH_MONITORS)."
        ),
    ] = None,
) -> None:
    """Run the watch worker: feed new signals to the surge detectors, store alerts with
    their evidence and post them to the webhook, until stopped (Ctrl-C or SIGTERM)."""
    from sqlalchemy.exc import OperationalError

    from stockade.store import DatabaseError
    from stockade.watch.monitors import MonitorError
    from stockade.watch.worker import run_worker

    flags = {
        "data": data,
        "database_url": database_url,
        "watch_interval": interval,
        "watch_webhook": webhook,
        "watch_monitors": monitors,
    }
    configure_logging()
    stopping = threading.Event()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        settings = load_settings(flags)
        typer.echo(
            f"watch worker: every {settings.watch_interval:g} s, webhook "
            f"{settings.watch_webhook or 'none'}"
        )
        run_worker(settings, stopping)
    except (SettingsError, DatabaseError, MonitorError) as error:
        fail(str(error), 2)
    except OperationalError as error:
        fail(
            f"Cannot use the database: {str(error.orig).strip()}. Check that it runs and "
            "that the URL is right.",
            2,
        )
