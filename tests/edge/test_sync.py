"""The snapshot feed client: verification, rollback refusal, and the copy kept on disk.

The control plane here is httpx's in-process transport answering as the feed contract
says; tests/test_block_e2e.py runs the real control plane and edge processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from stockade.edge.config import EdgeSettings
from stockade.edge.runtime import Edge
from stockade.edge.sync import SNAPSHOT_FILE, SnapshotFeed, edge_name
from stockade.policy import SigningKey, Snapshot, Zone, sign_snapshot

KEY = SigningKey.generate()


def snapshot(revision: int) -> Snapshot:
    zone = Zone(name=f"z{revision}", hostnames=(f"z{revision}.example",), origins=("http://x",))
    return Snapshot(revision=revision, zones=(zone,))


def settings(tmp_path: Path, key: SigningKey = KEY) -> EdgeSettings:
    return EdgeSettings(
        control_url="http://control.test",
        control_key=key.verify_key().to_text(),
        control_token="secret",
        name="edge-1",
        state_dir=str(tmp_path / "state"),
    )


def run_poll(
    tmp_path: Path, answer: Callable[[httpx.Request], httpx.Response], start: Snapshot
) -> tuple[Edge, bool, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    async def scenario() -> tuple[Edge, bool]:
        feed = SnapshotFeed(settings(tmp_path))
        edge = Edge(settings(tmp_path), start, asyncio.get_running_loop())
        feed.edge = edge
        transport = httpx.MockTransport(handler)
        async with httpx.AsyncClient(transport=transport, headers=feed.headers) as client:
            applied = await feed.poll_once(client)
        return edge, applied

    edge, applied = asyncio.run(scenario())
    return edge, applied, seen


def test_a_newer_signed_snapshot_is_applied_and_saved(tmp_path: Path) -> None:
    data = sign_snapshot(snapshot(5), KEY)
    edge, applied, seen = run_poll(
        tmp_path, lambda request: httpx.Response(200, content=data), snapshot(2)
    )
    assert applied
    assert edge.revision == 5
    assert seen[0].url.params["after"] == "2"
    assert seen[0].url.params["edge"] == "edge-1"
    assert seen[0].headers["authorization"] == "Bearer secret"
    assert (tmp_path / "state" / SNAPSHOT_FILE).read_bytes() == data
    # After a restart with the control plane down, the saved copy is served.
    assert SnapshotFeed(settings(tmp_path)).load_saved() == snapshot(5)


def test_a_snapshot_signed_by_another_key_is_refused(tmp_path: Path) -> None:
    data = sign_snapshot(snapshot(5), SigningKey.generate())
    edge, applied, _ = run_poll(
        tmp_path, lambda request: httpx.Response(200, content=data), snapshot(2)
    )
    assert not applied
    assert edge.revision == 2
    assert not (tmp_path / "state" / SNAPSHOT_FILE).exists()


def test_an_older_revision_is_refused(tmp_path: Path) -> None:
    data = sign_snapshot(snapshot(3), KEY)
    edge, applied, _ = run_poll(
        tmp_path, lambda request: httpx.Response(200, content=data), snapshot(4)
    )
    assert not applied
    assert edge.revision == 4


def test_nothing_new_and_errors(tmp_path: Path) -> None:
    edge, applied, _ = run_poll(tmp_path, lambda request: httpx.Response(204), snapshot(4))
    assert applied and edge.revision == 4
    edge, applied, _ = run_poll(
        tmp_path, lambda request: httpx.Response(403, text="wrong role"), snapshot(4)
    )
    assert not applied and edge.revision == 4


def test_a_tampered_saved_snapshot_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "state" / SNAPSHOT_FILE
    path.parent.mkdir(parents=True)
    data = bytearray(sign_snapshot(snapshot(9), KEY))
    data[-40] ^= 1
    path.write_bytes(bytes(data))
    assert SnapshotFeed(settings(tmp_path)).load_saved() == Snapshot()


@pytest.mark.parametrize(("workers", "expected"), [(1, "edge-1"), (3, "edge-1/2")])
def test_edge_names(tmp_path: Path, workers: int, expected: str) -> None:
    base = settings(tmp_path)
    assert edge_name(EdgeSettings(name=base.name, workers=workers), 2) == expected
    assert edge_name(EdgeSettings(listen=("127.0.0.1:8081",)), 0).endswith(":8081")
