"""The `stockade` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stockade.control.commands import register as register_control_commands
from stockade.edge.config import ConfigError, flags_config, parse_address
from stockade.edge.server import ConfigSource, run
from stockade.logs import configure_logging
from stockade.rules.commands import register as register_rules_commands
from stockade.terminal import DataOption, fail
from stockade.watch.commands import register as register_analysis_commands
from stockade.watch.group import register as register_watch_commands

app = typer.Typer(
    help="Stockade: an edge security gateway with a trust & safety desk built in.",
    no_args_is_help=True,
    add_completion=False,
)

DEMO_ORIGIN = "127.0.0.1:9080"


@app.command()
def edge(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Edge config file (TOML).")
    ] = None,
    listen: Annotated[
        list[str] | None,
        typer.Option("--listen", "-l", help="Address to listen on, HOST:PORT (repeatable)."),
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option("--route", "-r", help="HOST=ORIGIN_URL: serve HOST from ORIGIN (repeatable)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Worker processes.")
    ] = None,
    admin_listen: Annotated[
        str | None, typer.Option("--admin-listen", help="HOST:PORT for /metrics.")
    ] = None,
    control: Annotated[
        str | None,
        typer.Option("--control", help="Control plane URL: take zones from its signed feed."),
    ] = None,
    control_key: Annotated[
        str | None,
        typer.Option("--control-key", help="The control plane's public key (ed25519:...)."),
    ] = None,
    control_token: Annotated[
        str | None,
        typer.Option(
            "--control-token",
            envvar="STOCKADE_EDGE_TOKEN",
            help="API token with the edge role, for the feed.",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="This edge's name in `stockade edges`.")
    ] = None,
    state_dir: Annotated[
        str | None,
        typer.Option("--state-dir", help="Where the last good snapshot is kept."),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            envvar="STOCKADE_REDIS_URL",
            help="Redis for rate-limit counters shared by every edge (redis://HOST:PORT/DB).",
        ),
    ] = None,
) -> None:
    """Run an edge: from a config file, from --route flags, or from a control plane."""
    flags = {
        "listen": listen or None,
        "workers": workers,
        "admin_listen": admin_listen,
        "control_url": control,
        "control_key": control_key,
        "control_token": control_token,
        "name": name,
        "state_dir": state_dir,
        "redis_url": redis_url,
    }
    settings: dict[str, object] = {key: value for key, value in flags.items() if value is not None}
    try:
        if config is not None:
            if route:
                fail("Give either --config or --route, not both.", 2)
            source = ConfigSource(path=config, overrides=settings)
        else:
            if not route and not control:
                fail(
                    "Nothing to serve: give --config FILE.toml, at least one --route, "
                    "or --control URL with --control-key.",
                    2,
                )
            settings.setdefault("listen", ["127.0.0.1:8080"])
            source = ConfigSource(fixed=flags_config(route or [], settings))
        run(source)
    except ConfigError as error:
        fail(str(error), 2)


@app.command()
def up(
    data: DataOption = None,
    edge_listen: Annotated[
        str, typer.Option("--edge-listen", help="Where the edge listens for visitors.")
    ] = "127.0.0.1:8080",
    control_listen: Annotated[
        str | None,
        typer.Option("--control-listen", help="Where the control plane listens (127.0.0.1:8000)."),
    ] = None,
    admin_listen: Annotated[
        str | None, typer.Option("--admin-listen", help="HOST:PORT for the edge's /metrics.")
    ] = "127.0.0.1:9145",
    demo: Annotated[
        bool, typer.Option("--demo", help="Add a zone served by a built-in demo origin.")
    ] = False,
    demo_origin: Annotated[
        str, typer.Option("--demo-origin", help="Where the built-in demo origin listens.")
    ] = DEMO_ORIGIN,
) -> None:
    """Run Stockade on one machine: control plane (SQLite), an edge following it, and with
    --demo a site to try blocking."""
    from stockade.config import SettingsError, load_settings
    from stockade.up import UpError, UpOptions, run_up

    configure_logging()
    try:
        parse_address(edge_listen)
        parse_address(demo_origin)
        settings = load_settings({"data": data, "listen": control_listen})
        run_up(UpOptions(settings, edge_listen, admin_listen, demo, demo_origin))
    except (ConfigError, SettingsError, UpError) as error:
        fail(str(error), 2)
    except KeyboardInterrupt:
        # Ctrl-C before the edge serves (it handles SIGINT itself once it does): run_up
        # has stopped what it started; a stop that was asked for is not a failure. (One
        # that lands while Python runs code made from a string, as dataclasses do when a
        # module is first imported, still ends the process with SIGINT: CPython 3.11
        # remembers it as unhandled. run_up loads its modules early to make that rare.)
        typer.echo("stopped before Stockade was up", err=True)


# The control plane and its client: control, zone, block, unblock, edges, token.
register_control_commands(app)
register_rules_commands(app)  # stockade rules check, stockade rules test
register_watch_commands(app)  # stockade watch run, stockade watch simulate
register_analysis_commands(app)  # stockade analyze, stockade model train|eval


def main() -> None:
    app()


if __name__ == "__main__":
    main()
