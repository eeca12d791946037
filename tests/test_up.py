"""`stockade up --demo`, as `make up` runs it: a control plane, an edge following it and a
demo site; the CLI blocks the site and every visitor sees the block page."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from tests.support.ports import free_port, wait_for_port


def stockade(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stockade.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def status_of(edge: str) -> int:
    return httpx.get(edge, headers={"host": "demo.localhost"}).status_code


def wait_for_status(edge: str, status: int) -> None:
    deadline = time.monotonic() + 10
    while status_of(edge) != status:
        assert time.monotonic() < deadline, f"the edge never answered {status}"
        time.sleep(0.02)


def start_up(
    data: Path, edge_port: int, control_port: int, admin_port: int, origin_port: int, **popen: Any
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "stockade.cli", "up", "--demo", "--data", str(data)]
    command += ["--edge-listen", f"127.0.0.1:{edge_port}"]
    command += ["--control-listen", f"127.0.0.1:{control_port}"]
    command += ["--admin-listen", f"127.0.0.1:{admin_port}"]
    command += ["--demo-origin", f"127.0.0.1:{origin_port}"]
    return subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"}, **popen)


class Ports(NamedTuple):
    edge: int
    control: int
    admin: int
    origin: int


def start_demo_piped(data: Path) -> tuple[subprocess.Popen[bytes], Ports]:
    """`stockade up --demo` on free ports, its output piped; returns once the edge listens."""
    ports = Ports(*(free_port() for _ in range(4)))
    process = start_up(data, *ports, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(ports.edge, timeout=60)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, ports


def test_up_demo_block_and_unblock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process, ports = start_demo_piped(data)
    edge = f"http://127.0.0.1:{ports.edge}/"
    try:
        wait_for_status(edge, 200)
        page = httpx.get(edge, headers={"host": "demo.localhost"})
        assert "This page comes from the demo origin" in page.text

        token_file = data / "admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        env = {
            "STOCKADE_URL": f"http://127.0.0.1:{ports.control}",
            "STOCKADE_TOKEN": token_file.read_text().strip(),
        }
        blocked = stockade(
            "block",
            "demo",
            "--basis",
            "emergency",
            "--reason",
            "This site is blocked while a threat to a person is investigated.",
            "--notice-title",
            "Demo block",
            "--notice-body",
            "Why this site is **blocked**.",
            env=env,
        )
        assert blocked.returncode == 0, blocked.stderr
        wait_for_status(edge, 451)
        response = httpx.get(edge, headers={"host": "demo.localhost", "accept": "text/html"})
        link = response.headers["link"]
        assert link.endswith('>; rel="blocked-by"')
        notice_url = link[1 : link.index(">")]
        assert f'href="{notice_url}"' in response.text
        assert "threat to a person is investigated" in response.text
        notice = httpx.get(notice_url)
        assert notice.status_code == 200
        assert "<strong>blocked</strong>" in notice.text

        edges = stockade("edges", env=env)
        assert "local" in edges.stdout and "current" in edges.stdout

        assert stockade("unblock", "demo", env=env).returncode == 0
        wait_for_status(edge, 200)
        metrics = httpx.get(f"http://127.0.0.1:{ports.admin}/metrics").text
        assert 'stockade_edge_requests_total{status="451",zone="demo"}' in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode(errors="replace")[-2000:]
    text = output.decode(errors="replace")
    assert "Stockade is up." in text
    assert "admin token:" in text


def test_up_again_with_another_demo_origin_follows_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for _ in range(2):
        edge_port, control_port, admin_port, origin_port = (free_port() for _ in range(4))
        process = start_up(
            data,
            edge_port,
            control_port,
            admin_port,
            origin_port,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(edge_port, timeout=60)
            wait_for_status(f"http://127.0.0.1:{edge_port}/", 200)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    assert (data / "control.log").read_text().count("Uvicorn running") == 2


def child_pids(process: subprocess.Popen[bytes]) -> dict[str, int]:
    """The processes `stockade up` started, by their command: "control" or "watch run"."""
    found = {}
    for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split():
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        command = arguments[arguments.index("stockade.cli") + 1 :]
        found["watch run" if command[:2] == ["watch", "run"] else command[0]] = int(pid)
    return found


def control_plane_pid(process: subprocess.Popen[bytes]) -> int:
    children = child_pids(process)
    # `stockade up` starts the control plane and a watch worker, nothing else.
    assert sorted(children) == ["control", "watch run"], children
    return children["control"]


def test_up_runs_a_watch_worker_and_stops_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process, ports = start_demo_piped(data)
    try:
        wait_for_status(f"http://127.0.0.1:{ports.edge}/", 200)
        worker = child_pids(process)["watch run"]
        deadline = time.monotonic() + 20
        while "watch worker: every 60 s" not in (data / "watch.log").read_text():
            assert time.monotonic() < deadline, (data / "watch.log").read_text()
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, output.decode(errors="replace")[-2000:]
    assert "watch log:" in output.decode(errors="replace")
    assert not Path(f"/proc/{worker}").exists()


def test_up_stops_with_a_sentence_when_its_watch_worker_dies(tmp_path: Path) -> None:
    process, ports = start_demo_piped(tmp_path / "data")
    try:
        wait_for_status(f"http://127.0.0.1:{ports.edge}/", 200)
        os.kill(child_pids(process)["watch run"], signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    text = output.decode(errors="replace")
    assert process.returncode == 2, text[-2000:]
    assert "The watch worker stopped on its own (exit code -9)" in text


def test_up_stops_with_a_sentence_when_its_control_plane_dies(tmp_path: Path) -> None:
    process, ports = start_demo_piped(tmp_path / "data")
    try:
        wait_for_status(f"http://127.0.0.1:{ports.edge}/", 200)
        os.kill(control_plane_pid(process), signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    text = output.decode(errors="replace")
    assert process.returncode == 2, text[-2000:]
    assert "The control plane stopped on its own (exit code -9)" in text
    assert "Start it again with `stockade up`." in text


def test_up_stopped_by_ctrl_c_stops_its_control_plane_quietly(tmp_path: Path) -> None:
    process, ports = start_demo_piped(tmp_path / "data")
    try:
        # Serving a request: the edge has its signal handlers (its port opens before).
        wait_for_status(f"http://127.0.0.1:{ports.edge}/", 200)
        control_pid = control_plane_pid(process)
        # Once everything serves: Ctrl-C while the edge starts is another case, below.
        wait_for_status(f"http://127.0.0.1:{ports.edge}/", 200)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, output.decode(errors="replace")[-2000:]
    assert "stopped on its own" not in output.decode(errors="replace")
    assert not Path(f"/proc/{control_pid}").exists()


def test_up_refuses_a_bad_address(tmp_path: Path) -> None:
    result = stockade("up", "--data", str(tmp_path), "--edge-listen", "nowhere", env={})
    assert result.returncode == 2
    assert "is not a listen address" in result.stderr


def test_up_stopped_by_ctrl_c_while_it_starts_stops_what_it_started(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ports = Ports(*(free_port() for _ in range(4)))
    process = start_up(data, *ports, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # The control plane has been started; the edge does not serve yet.
        deadline = time.monotonic() + 60
        control_pid = None
        while control_pid is None:
            assert time.monotonic() < deadline and process.poll() is None
            # A child between fork and exec has no command line of its own yet.
            with contextlib.suppress(ValueError, OSError):
                control_pid = child_pids(process).get("control")
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-2000:]
    assert "Traceback" not in text
    assert "stopped before Stockade was up" in text
    assert not Path(f"/proc/{control_pid}").exists()
