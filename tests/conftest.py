"""Shared fixtures: free ports, a real origin server, and a real edge process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.edge_process import EdgeProcess

REQUIRE_SERVICES = os.environ.get("STOCKADE_REQUIRE_SERVICES") == "1"


def require_program(name: str) -> str:
    """Path of an external program a test needs: skip without it, but fail in CI."""
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None
    )
    if path is None:
        message = f"{name} is not installed (CI installs it: see .ci/run)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def edge_process(tmp_path: Path) -> Iterator[type[EdgeProcess]]:
    """Start edges with `edge_process.start(config_text)`; all are stopped after the test."""
    started: list[EdgeProcess] = []

    class Factory(EdgeProcess):
        @classmethod
        def start(cls, config: str, **kwargs: object) -> EdgeProcess:  # type: ignore[override]
            edge = EdgeProcess.start(config, directory=tmp_path, **kwargs)
            started.append(edge)
            return edge

    yield Factory
    for edge in started:
        edge.stop()
