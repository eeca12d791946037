"""Shared fixtures: free ports, a real origin server, and a real edge process."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.edge_process import EdgeProcess

REQUIRE_SERVICES = os.environ.get("STOCKADE_REQUIRE_SERVICES") == "1"


def missing(message: str) -> NoReturn:
    """A service or program a test needs is absent: skip, but fail in CI, where .ci/run
    provides everything."""
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


def require_program(name: str) -> str:
    """Path of an external program a test needs: skip without it, but fail in CI."""
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None
    )
    if path is None:
        message = f"{name} is not installed (CI installs it: see .ci/run)"
        missing(message)
    return path


# Where tests look for PostgreSQL (trust auth); STOCKADE_TEST_POSTGRES overrides.
POSTGRES_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)


def require_postgres() -> str:
    """libpq URL of a PostgreSQL server tests may create databases on: skip without one,
    but fail in CI."""
    import psycopg

    override = os.environ.get("STOCKADE_TEST_POSTGRES")
    problems = []
    for url in [override] if override else POSTGRES_URLS:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error as error:
            problems.append(f"{url}: {str(error).strip()}")
    message = "PostgreSQL is not reachable (" + "; ".join(problems) + ")"
    missing(message)


# Where tests find Redis; STOCKADE_TEST_REDIS overrides.
REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis() -> str:
    """URL of a Redis server tests may write keys to (under a prefix of their own): skip
    without one, but fail in CI."""
    url = os.environ.get("STOCKADE_TEST_REDIS", REDIS_URL)
    address = url.removeprefix("redis://").split("/")[0]
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(64).startswith(b"+PONG"):
                return url
            problem = "it did not answer PING"
    except OSError as error:
        problem = str(error)
    message = f"Redis is not reachable at {url} ({problem})"
    missing(message)


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
