"""The `stockade` command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
import uvloop

from stockade.control.commands import register as register_control_commands
from stockade.edge.config import ConfigError, flags_config, load_config, parse_address
from stockade.edge.server import ConfigSource, run, serve_worker

app = typer.Typer(
    help="Stockade: an edge security gateway with a trust & safety desk built in.",
    no_args_is_help=True,
    add_completion=False,
)

DEFAULT_CONFIG = Path("examples/edge.toml")
DEMO_ORIGIN = "127.0.0.1:9080"


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


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
    }
    settings: dict[str, object] = {key: value for key, value in flags.items() if value is not None}
    try:
        if config is not None:
            if route:
                _fail("Give either --config or --route, not both.")
            load_config(config, settings)
            source = ConfigSource(path=config, overrides=settings)
        else:
            if not route and not control:
                _fail(
                    "Nothing to serve: give --config FILE.toml, at least one --route, "
                    "or --control URL with --control-key."
                )
            settings.setdefault("listen", ["127.0.0.1:8080"])
            source = ConfigSource(fixed=flags_config(route or [], settings))
        run(source)
    except ConfigError as error:
        _fail(str(error))


@app.command()
def up(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="Edge config file (TOML).")
    ] = DEFAULT_CONFIG,
    demo_origin: Annotated[
        str, typer.Option("--demo-origin", help="Where the built-in demo origin listens.")
    ] = DEMO_ORIGIN,
) -> None:
    """Run Stockade on one machine: the edge of CONFIG and a demo origin behind it."""
    from stockade.demo import serve_demo_origin

    try:
        settings = load_config(config)
        host, port = parse_address(demo_origin)
    except ConfigError as error:
        _fail(str(error))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def main() -> None:
        try:
            origin = await serve_demo_origin(host, port)
        except OSError as error:
            _fail(f"Cannot start the demo origin on {demo_origin}: {error.strerror}.")
            return
        listen = settings.edge.listen[0] if settings.edge.listen else "127.0.0.1:8080"
        for zone in settings.zones:
            hostname = zone.hostnames[0].replace("*", "www", 1)
            typer.echo(f"zone {zone.name}: curl -H 'Host: {hostname}' http://{listen}/")
        try:
            await serve_worker(ConfigSource(path=config))
        finally:
            origin.close()

    try:
        uvloop.run(main())
    except ConfigError as error:
        _fail(str(error))


# The control plane and its client: control, zone, block, unblock, edges, token.
register_control_commands(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
