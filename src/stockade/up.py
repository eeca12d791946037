"""`stockade up`: everything on one machine. A control plane (its own process, SQLite in
the data directory), a watch worker (its own process, on the same database), an edge
following the control plane, and with `--demo` a zone served by a tiny built-in origin,
so a newcomer can curl a site, block it and see the block page."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from stockade.config import Settings
from stockade.edge.config import flags_config, parse_address
from stockade.edge.server import ConfigSource, listening_socket, serve_worker

log = logging.getLogger("stockade.up")

DEMO_ZONE = "demo"
DEMO_HOSTNAME = "demo.localhost"
EDGE_TOKEN_FILE = "edge-token"
CONTROL_LOG = "control.log"
WATCH_LOG = "watch.log"
# The processes `stockade up` starts, and the file in DATA each one logs to.
LOGS = {"control plane": CONTROL_LOG, "watch worker": WATCH_LOG}


class UpError(Exception):
    """Stockade could not start; the message says why and what to do."""


@dataclass(frozen=True)
class UpOptions:
    settings: Settings  # the control plane's: data directory, listen address
    edge_listen: str
    admin_listen: str | None
    demo: bool
    demo_origin: str


def run_up(options: UpOptions) -> None:
    from stockade.control.app import bootstrap

    settings = options.settings
    started = bootstrap(settings)
    control_url = f"http://{settings.listen}"
    # Made before anything is started: the modules it loads on first use are then loaded
    # before a Ctrl-C can come while the control plane starts (cli.up explains why).
    client = httpx.Client(base_url=control_url, timeout=10)
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        children["control plane"] = control = _start_control(settings)
        _wait_until_serving(control, client, settings.data / CONTROL_LOG)
        # After the control plane's bootstrap: the database is migrated.
        children["watch worker"] = _start_watch(settings)
        token = started.admin_token
        if token is None:
            raise UpError(
                f"{settings.data / 'admin-token'} is missing, so this command cannot set up the "
                "edge: restore it, or start from an empty --data directory."
            )
        edge_token = _edge_token(settings.data, client, token)
        if options.demo:
            _ensure_demo_zone(client, token, options.demo_origin)
        client.close()
        # Fail on a taken port before saying that everything is up.
        listening_socket(options.edge_listen, shared=False).close()
        _print_welcome(options, control_url, started.admin_token, started.created_admin_token)
        edge_settings: dict[str, object] = {
            "listen": [options.edge_listen],
            "control_url": control_url,
            "control_key": started.public_key,
            "control_token": edge_token,
            "name": "local",
            "state_dir": str(settings.data / "edge"),
            "access_log": "-",
        }
        if options.admin_listen:
            edge_settings["admin_listen"] = options.admin_listen
        source = ConfigSource(fixed=flags_config([], edge_settings))
        import uvloop

        uvloop.run(_serve(source, options, children))
        for name, child in children.items():
            if child.poll() is not None:
                raise UpError(
                    f"The {name} stopped on its own (exit code {child.returncode}), so "
                    f"Stockade stopped too. Its last lines: "
                    f"{_last_lines(settings.data / LOGS[name])}. Start it again with `stockade up`."
                )
    finally:
        client.close()
        # A second Ctrl-C must not leave a child running: it waits until every child is
        # stopped, then stops this command as the first one did.
        with _sigint_held():
            # The worker first: the control plane stopping before it is always a failure.
            for child in reversed(children.values()):
                _stop(child)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


async def _serve(
    source: ConfigSource, options: UpOptions, children: dict[str, subprocess.Popen[bytes]]
) -> None:
    from stockade.demo import serve_demo_origin

    origin = None
    if options.demo:
        host, port = parse_address(options.demo_origin)
        try:
            origin = await serve_demo_origin(host, port)
        except OSError as error:
            raise UpError(
                f"Cannot start the demo origin on {options.demo_origin}: {error.strerror}. "
                "Give another address with --demo-origin."
            ) from None
    stopping = asyncio.Event()
    watcher = asyncio.get_running_loop().create_task(_watch_children(children, stopping))
    try:
        await serve_worker(source, stopping=stopping)
    finally:
        watcher.cancel()
        if origin is not None:
            origin.close()


async def _watch_children(
    children: dict[str, subprocess.Popen[bytes]], stopping: asyncio.Event
) -> None:
    """Stop the edge if the control plane or the watch worker exits on its own: the edge
    alone would go on serving a policy that nobody can change any more, and the CLI would
    fail; without the worker, nobody would hear of a surge."""
    while all(child.poll() is None for child in children.values()):
        await asyncio.sleep(0.5)
    for name, child in children.items():
        if child.poll() is not None:
            log.error("the %s exited with code %s; stopping", name, child.returncode)
    stopping.set()


def _start_control(settings: Settings) -> subprocess.Popen[bytes]:
    arguments = ["control", "--listen", settings.listen]
    if settings.public_url:
        arguments += ["--public-url", settings.public_url]
    return _start_child(settings, arguments, CONTROL_LOG)


def _start_watch(settings: Settings) -> subprocess.Popen[bytes]:
    arguments = ["watch", "run", "--interval", f"{settings.watch_interval:g}"]
    if settings.watch_webhook:
        arguments += ["--webhook", settings.watch_webhook]
    return _start_child(settings, arguments, WATCH_LOG)


def _start_child(
    settings: Settings, arguments: list[str], log_name: str
) -> subprocess.Popen[bytes]:
    """`stockade ARGUMENTS` on this data directory and database, its output in a file."""
    command = [sys.executable, "-m", "stockade.cli", *arguments, "--data", str(settings.data)]
    if settings.database_url:
        command += ["--database-url", settings.database_url]
    # Its log goes to a file: this terminal shows the edge's access log. Its own session
    # keeps Ctrl-C from reaching it: this process stops it, after the edge, so that it
    # exiting before is always a failure to report.
    with open(settings.data / log_name, "ab") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _last_lines(path: Path, count: int = 5) -> str:
    try:
        return " / ".join(path.read_text(errors="replace").strip().splitlines()[-count:])
    except OSError:
        return f"see {path}"


def _wait_until_serving(
    control: subprocess.Popen[bytes], client: httpx.Client, control_log: Path
) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if control.poll() is not None:
            raise UpError(f"The control plane exited at start: {_last_lines(control_log)}")
        try:
            if client.get("/v1/edge/key", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise UpError(f"The control plane did not answer on {client.base_url} within 30 seconds.")


def _edge_token(data: Path, client: httpx.Client, admin_token: str) -> str:
    """A token with the edge role for the local edge, made once and kept in DATA."""
    path = data / EDGE_TOKEN_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    answer = _api(client, admin_token, "POST", "/v1/tokens", {"name": "local-edge", "role": "edge"})
    token = str(answer["token"])
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(token + "\n")
    return token


def _ensure_demo_zone(client: httpx.Client, token: str, demo_origin: str) -> None:
    zone = {
        "name": DEMO_ZONE,
        "hostnames": [DEMO_HOSTNAME],
        "origins": [f"http://{demo_origin}"],
        "service": "proxied",
    }
    response = client.get(f"/v1/zones/{DEMO_ZONE}", headers={"authorization": f"Bearer {token}"})
    if response.status_code == 404:
        _api(client, token, "POST", "/v1/zones", zone)
    elif response.status_code == 200 and response.json().get("origins") != zone["origins"]:
        # Started before with another --demo-origin: follow the new one.
        _api(client, token, "PATCH", f"/v1/zones/{DEMO_ZONE}", {"origins": zone["origins"]})


def _api(
    client: httpx.Client, token: str, method: str, path: str, body: object
) -> dict[str, object]:
    response = client.request(method, path, json=body, headers={"authorization": f"Bearer {token}"})
    if response.status_code >= 400:
        raise UpError(f"The control plane refused {method} {path}: {response.text}")
    answer: dict[str, object] = response.json()
    return answer


def _print_welcome(options: UpOptions, control_url: str, token: str | None, created: bool) -> None:
    edge = f"http://{options.edge_listen}"
    lines = [
        "",
        "Stockade is up.",
        f"  edge:           {edge}",
        f"  control plane:  {control_url}  (API under /v1, OpenAPI at /openapi.json)",
        f"  control log:    {options.settings.data / CONTROL_LOG}",
        f"  watch log:      {options.settings.data / WATCH_LOG}  (alerts: stockade alerts)",
    ]
    if options.admin_listen:
        lines.append(f"  edge metrics:   http://{options.admin_listen}/metrics")
    token_file = options.settings.data / "admin-token"
    if created and token:
        lines.append(f"  admin token:    {token}  (saved to {token_file}, shown once)")
    else:
        lines.append(f"  admin token:    in {token_file}")
    if options.demo:
        port = parse_address(options.edge_listen)[1]
        command = shutil.which("stockade") or str(Path(sys.executable).with_name("stockade"))
        lines += [
            "",
            "Try it:",
            f"  curl -H 'Host: {DEMO_HOSTNAME}' {edge}/",
            f"  export STOCKADE_URL={control_url} STOCKADE_TOKEN=$(cat {token_file})",
            f"  {command} block {DEMO_ZONE} --basis emergency --reason 'This site is blocked while a "
            "threat to a person is investigated.' --notice-title 'Demo block' "
            "--notice-body 'Why this site is blocked.'",
            f"  curl -i -H 'Host: {DEMO_HOSTNAME}' {edge}/   # 451, with a link to the notice",
            f"  {command} unblock {DEMO_ZONE}",
            f"  (or open http://{DEMO_HOSTNAME}:{port}/ in a browser)",
        ]
    print("\n".join(lines) + "\n", flush=True)


def _stop(control: subprocess.Popen[bytes]) -> None:
    if control.poll() is None:
        control.send_signal(signal.SIGTERM)
        try:
            control.wait(15)
        except subprocess.TimeoutExpired:
            control.kill()
            control.wait()


__all__ = ["UpError", "UpOptions", "run_up"]
