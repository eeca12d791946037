"""A provider's deployment on loopback, all real processes: a control plane, a customer's
origin (and a WebSocket one), the zones `forum` and `chat` in front of them, and edges
started on demand that follow the control plane's feed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.control_process import ControlProcess
from tests.support.edge_process import EdgeProcess
from tests.support.origin import Origin
from tests.support.websocket_origin import WebSocketEchoOrigin


class Deployment:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.control = ControlProcess.start(data=directory / "control")
        self.origin = Origin()
        self.sockets = WebSocketEchoOrigin()
        self.api = httpx.Client(
            base_url=self.control.url,
            headers={"authorization": f"Bearer {self.control.admin_token}"},
        )
        for name, origin in (("forum", self.origin.url), ("chat", self.sockets.url)):
            self.api.post(
                "/v1/zones",
                json={"name": name, "hostnames": [f"{name}.example"], "origins": [origin]},
            ).raise_for_status()
        self.key = httpx.get(f"{self.control.url}/v1/edge/key").json()["key"]
        self.edges: list[EdgeProcess] = []

    def start_edge(self, name: str) -> EdgeProcess:
        settings = "\n".join(
            [
                f'control_url = "{self.control.url}"',
                f'control_key = "{self.key}"',
                f'control_token = "{self.control.admin_token}"',
                f'name = "{name}"',
                f'state_dir = "{self.directory / name}"',
            ]
        )
        edge = EdgeProcess.start("", directory=self.directory, edge_settings=settings)
        self.edges.append(edge)
        return edge

    def close(self) -> None:
        for edge in self.edges:
            edge.stop()
        self.control.stop()
        self.api.close()
        self.origin.close()
        self.sockets.close()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path)
    yield deployment
    deployment.close()


def status(edge: EdgeProcess, host: str = "forum.example", path: str = "/") -> int:
    try:
        return httpx.get(edge.url + path, headers={"host": host}, timeout=2).status_code
    except httpx.HTTPError:
        return 0


def wait_for(
    edges: list[EdgeProcess], expected: int, timeout: float = 10.0, path: str = "/"
) -> float:
    """Seconds until every edge answers `expected` for `path` of the forum."""
    started = time.monotonic()
    pending = list(edges)
    while pending:
        pending = [edge for edge in pending if status(edge, path=path) != expected]
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{len(pending)} edge(s) never answered {expected}")
        if pending:
            time.sleep(0.005)
    return time.monotonic() - started
