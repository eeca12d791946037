"""Follow the control plane's snapshot feed: long-poll, verify, apply, keep on disk.

An edge that cannot reach its control plane keeps enforcing the last snapshot it
verified (fail-static), from memory or, after a restart, from its state directory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from stockade.edge.config import EdgeSettings, parse_address
from stockade.edge.runtime import Edge, collection_paused
from stockade.policy import SignatureError, Snapshot, SnapshotDecoder, VerifyKey, verify_snapshot

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("stockade.edge.sync")

SNAPSHOT_FILE = "snapshot.msgpack"
LONG_POLL_SECONDS = 30
_BACKOFF_FIRST = 0.2
_BACKOFF_MAX = 10.0


def edge_name(settings: EdgeSettings, worker_index: int) -> str:
    """How this edge appears in `stockade edges`: host:port, plus the worker if several."""
    if settings.name:
        base = settings.name
    else:
        listen = (settings.listen or settings.tls_listen)[0]
        base = f"{socket.gethostname()}:{parse_address(listen)[1]}"
    return f"{base}/{worker_index}" if settings.workers > 1 else base


class SnapshotFeed:
    def __init__(self, settings: EdgeSettings, worker_index: int = 0) -> None:
        assert settings.control_url and settings.control_key
        self.url = settings.control_url.rstrip("/") + "/v1/edge/snapshot"
        self.key = VerifyKey.from_text(settings.control_key)
        self.headers = (
            {"authorization": f"Bearer {settings.control_token}"} if settings.control_token else {}
        )
        self.name = edge_name(settings, worker_index)
        self.path = Path(settings.state_dir) / SNAPSHOT_FILE
        self.edge: Edge | None = None
        # Zones unchanged from one snapshot to the next are decoded once.
        self.decoder = SnapshotDecoder()

    def load_saved(self) -> Snapshot:
        """The last verified snapshot kept on disk, or an empty one."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return Snapshot()
        except OSError as error:
            log.error("cannot read the saved snapshot %s: %s", self.path, error.strerror)
            return Snapshot()
        try:
            snapshot = verify_snapshot(data, self.key, self.decoder)
        except SignatureError as error:
            log.error("ignoring the saved snapshot %s: %s", self.path, error)
            return Snapshot()
        log.info("serving saved revision %d until the control plane answers", snapshot.revision)
        return snapshot

    async def run(self, edge: Edge) -> None:
        """Poll forever; every failure is logged and retried with backoff and jitter."""
        # Imported here: an edge without a control plane need not carry an HTTP client.
        import httpx

        self.edge = edge
        backoff = _BACKOFF_FIRST
        timeout = httpx.Timeout(10.0, read=LONG_POLL_SECONDS + 10.0)
        async with httpx.AsyncClient(timeout=timeout, headers=self.headers) as client:
            while True:
                try:
                    applied = await self.poll_once(client)
                except (httpx.HTTPError, OSError) as error:
                    log.warning(
                        "control plane unreachable (%s); keeping revision %d", error, edge.revision
                    )
                    applied = False
                if applied:
                    backoff = _BACKOFF_FIRST
                    continue
                await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, _BACKOFF_MAX)

    async def poll_once(self, client: httpx.AsyncClient) -> bool:
        """One long-poll. True when it ended normally (a new snapshot, or nothing new)."""
        assert self.edge is not None
        edge = self.edge
        response = await client.get(
            self.url,
            params={"after": edge.revision, "edge": self.name, "wait": LONG_POLL_SECONDS},
        )
        if response.status_code == 204:
            return True
        if response.status_code != 200:
            log.warning("control plane answered %d: %s", response.status_code, response.text[:300])
            return False
        try:
            with collection_paused():
                snapshot = verify_snapshot(response.content, self.key, self.decoder)
        except SignatureError as error:
            log.error("refused a snapshot: %s; keeping revision %d", error, edge.revision)
            return False
        if snapshot.revision <= edge.revision:
            log.error(
                "refused revision %d: not newer than revision %d in force (rollback?)",
                snapshot.revision,
                edge.revision,
            )
            return False
        edge.apply(snapshot)
        await asyncio.get_running_loop().run_in_executor(None, self.save, response.content)
        return True

    def save(self, data: bytes) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f".{SNAPSHOT_FILE}.{os.getpid()}")
            partial.write_bytes(data)
            os.replace(partial, self.path)
        except OSError as error:
            log.error("cannot save the snapshot to %s: %s", self.path, error.strerror)
