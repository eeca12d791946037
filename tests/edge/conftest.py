"""Fixtures for protocol-level edge tests: an in-memory edge with two zones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from stockade.edge.config import EdgeSettings, Limits
from stockade.edge.runtime import Edge
from stockade.policy import Snapshot, Zone
from tests.support.origin import Origin

ZONE = Zone(
    name="forum",
    hostnames=("forum.example", "*.wiki.example"),
    origins=("http://10.0.0.5:8080",),
    max_body_bytes=1000,
)
REWRITE = Zone(
    name="rewrite",
    hostnames=("shop.example",),
    origins=("http://10.0.0.6:8080",),
    origin_host="shop.internal",
)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def edge(loop: asyncio.AbstractEventLoop) -> Edge:
    settings = EdgeSettings(limits=Limits(max_headers=20, max_header_bytes=2048, max_url_bytes=256))
    return Edge(settings, Snapshot(revision=1, zones=(ZONE, REWRITE)), loop)


@pytest.fixture(scope="module")
def shared_origin() -> Iterator[Origin]:
    """A real origin for every test of a module that shares one edge process."""
    origin = Origin()
    yield origin
    origin.close()
