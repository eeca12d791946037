"""One worker's edge: the routing table in force, pools, pages, metrics, and its sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import msgspec

from stockade.edge.access_log import AccessLog
from stockade.edge.challenge import ChallengeKey
from stockade.edge.config import EdgeSettings
from stockade.edge.geo import AsnLookup, CountryLookup
from stockade.edge.http11 import DateHeader
from stockade.edge.lifecycle import Lifecycle
from stockade.edge.metrics import Metrics
from stockade.edge.origins import OriginRegistry
from stockade.edge.pages import Pages
from stockade.edge.ratelimit import RateCounters
from stockade.edge.routing import RoutingTable
from stockade.edge.sampler import SampleQueue
from stockade.edge.shared_counters import SharedCounters
from stockade.edge.tls import TlsContexts
from stockade.policy import Snapshot

if TYPE_CHECKING:
    from stockade.edge.protocol import HttpProtocol

log = logging.getLogger("stockade.edge")

# Deadlines are checked this often; timeouts are accurate to about this much.
SWEEP_INTERVAL: Final = 0.25
_IDLE_REAP_EVERY: Final = 20  # sweeps between closing origin connections idle too long


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large structure at once: its
    passes over 100,000 new zones would double the time, and the objects are not garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Edge:
    def __init__(
        self,
        settings: EdgeSettings,
        snapshot: Snapshot,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.settings = settings
        self.loop = loop
        self.registry = OriginRegistry(settings.upstream, loop)
        self.pages = Pages()
        self.countries = CountryLookup(settings.geoip_database) if settings.geoip_database else None
        self.asns = AsnLookup(settings.asn_database) if settings.asn_database else None
        self.snapshot = snapshot
        self.challenge_key = ChallengeKey(
            Path(settings.challenge_key_file or Path(settings.state_dir) / "challenge.key")
        )
        shared = (
            SharedCounters(
                settings.redis_url, settings.redis_key_prefix, settings.redis_timeout, loop
            )
            if settings.redis_url
            else None
        )
        self.rate_counters = RateCounters(settings.rate_limit_keys, shared)
        self.metrics = Metrics()
        # Samples for watch go to the control plane: without one, no zone samples.
        self.samples = SampleQueue(settings, self.metrics) if settings.control_url else None
        self._warned_sampling = False
        self.table = self._routing_table(snapshot)
        self._blocked = self.table.blocked_zones(time.time())
        self.tls = TlsContexts(snapshot)
        self.lifecycle = Lifecycle(self)
        self.access_log = AccessLog(settings.access_log, loop) if settings.access_log else None
        self.date = DateHeader()
        self.via_line = b"via: 1.1 %s\r\n" % settings.via.encode()
        self.connections: set[HttpProtocol] = set()
        # Request ids: a per-process random prefix and a counter, unique across workers.
        self._id_prefix = os.urandom(4).hex().encode()
        self._next_id = int(time.time()) << 20
        self._sweeps = 0
        self._sweeper: asyncio.TimerHandle | None = None

    def next_request_id(self) -> bytes:
        # The counter in decimal: str() of an int is a primitive of the compiled build,
        # where hex() and a bytes %-format each cost more than the rest of this.
        self._next_id += 1
        return self._id_prefix + str(self._next_id).encode()

    def reconfigure(self, settings: EdgeSettings, snapshot: Snapshot) -> None:
        """Apply a reloaded config file: limits for new connections, and its zones.

        Listeners, workers, pools and logs are set up once; changing them needs a restart."""
        # Zones first: if they cannot be served (a certificate does not load), nothing changes.
        self.apply(snapshot)
        fixed = (
            "listen",
            "tls_listen",
            "admin_listen",
            "workers",
            "access_log",
            "upstream",
            "geoip_database",
            "asn_database",
            "control_url",
            "control_key",
            "control_token",
            "name",
            "state_dir",
            "challenge_key_file",
            "redis_url",
            "redis_key_prefix",
            "redis_timeout",
            "rate_limit_keys",
        )
        changed = [
            name for name in fixed if getattr(settings, name) != getattr(self.settings, name)
        ]
        if changed:
            log.warning(
                "reload ignores changes to edge.%s: restart to apply them", ", edge.".join(changed)
            )
        self.settings = msgspec.structs.replace(
            self.settings,
            limits=settings.limits,
            via=settings.via,
            shutdown_timeout=settings.shutdown_timeout,
        )
        self.via_line = b"via: 1.1 %s\r\n" % settings.via.encode()

    @property
    def revision(self) -> int:
        return self.table.revision

    def apply(self, snapshot: Snapshot) -> None:
        """Switch to a new snapshot. Requests already routed finish under the old one,
        except in a zone the snapshot blocks: its connections are closed at once, so
        nothing of it keeps flowing (keep-alive, long downloads, WebSockets)."""
        self.tls.update(snapshot)
        self.snapshot = snapshot
        previous = self.table
        with collection_paused():
            self.table = self._routing_table(snapshot, previous)
        now = time.time()
        self._blocked = self.table.blocked_zones(now)
        newly_blocked = self._blocked - previous.blocked_zones(now)
        closed = self.close_zones(newly_blocked)
        log.info(
            "edge serves revision %d with %d zones%s",
            snapshot.revision,
            len(snapshot.zones),
            f"; blocked {', '.join(sorted(newly_blocked))} and closed {closed} connections"
            if newly_blocked
            else "",
        )

    def _routing_table(
        self, snapshot: Snapshot, previous: RoutingTable | None = None
    ) -> RoutingTable:
        table = RoutingTable(
            snapshot,
            self.registry,
            self.pages,
            self.countries,
            self.challenge_key,
            self.asns,
            self.rate_counters,
            previous,
        )
        for kind, zones in table.unmatched_access.items():
            # A security filter without its database must not lock everyone out, so these
            # rules match nobody (a geo block, an enforcement, holds for everybody instead).
            setting = "geoip_database" if kind == "country" else "asn_database"
            log.warning(
                "access rules by %s match nobody in %d zone(s) (%s%s): set edge.%s to a "
                "MaxMind-format database to apply them",
                kind,
                len(zones),
                ", ".join(zones[:5]),
                ", ..." if len(zones) > 5 else "",
                setting,
            )
        if self.samples is None and not self._warned_sampling:
            sampling = [route.name for route in table.routes if route.sample_rate]
            if sampling:
                self._warned_sampling = True
                log.warning(
                    "zone(s) %s ask for sampling, which needs a control plane to send samples "
                    "to: set edge.control_url, or leave sample_rate at 0",
                    ", ".join(sampling[:5]) + (", ..." if len(sampling) > 5 else ""),
                )
        return table

    def close_zones(self, zones: set[str]) -> int:
        """Close every connection whose latest request went to one of `zones`."""
        if not zones:
            return 0
        closed = 0
        for protocol in list(self.connections):
            if protocol.zone in zones:
                protocol.transport.abort()
                closed += 1
        return closed

    def _check_scheduled_blocks(self, now: float) -> None:
        # A block may start (or end) by the clock, without a new snapshot.
        if not self.table.scheduled:
            return
        blocked = self.table.blocked_zones(now)
        newly_blocked, self._blocked = blocked - self._blocked, blocked
        if newly_blocked:
            closed = self.close_zones(newly_blocked)
            log.info(
                "scheduled block of %s began; closed %d connections",
                ", ".join(sorted(newly_blocked)),
                closed,
            )

    # connections

    def connection_opened(self, protocol: HttpProtocol) -> None:
        self.connections.add(protocol)

    def connection_closed(self, protocol: HttpProtocol) -> None:
        self.connections.discard(protocol)

    def start(self) -> None:
        self._sweeper = self.loop.call_later(SWEEP_INTERVAL, self._sweep)
        if self.access_log is not None:
            self.access_log.start()
        if self.rate_counters.shared is not None:
            self.rate_counters.shared.start()
        if self.samples is not None:
            self.samples.start(self.loop)

    def _sweep(self) -> None:
        now = self.loop.time()
        for protocol in list(self.connections):
            if protocol.deadline < now:
                protocol.on_timeout()
            exchange = protocol.current
            if exchange is not None and exchange.upstream_deadline < now:
                exchange.upstream_timeout()
        self._sweeps += 1
        if self._sweeps % 4 == 0:
            self._check_scheduled_blocks(time.time())
        if self._sweeps % _IDLE_REAP_EVERY == 0:
            self.registry.close_idle(now - self.settings.upstream.idle_timeout)
        self._sweeper = self.loop.call_later(SWEEP_INTERVAL, self._sweep)

    async def shutdown(self) -> None:
        """Finish what is in flight, up to the shutdown timeout, then close everything."""
        for protocol in list(self.connections):
            protocol.shutdown()
        deadline = self.loop.time() + self.settings.shutdown_timeout
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.05)
        for protocol in list(self.connections):
            protocol.transport.abort()
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.registry.close_idle(float("inf"))
        if self.rate_counters.shared is not None:
            self.rate_counters.shared.close()
        if self.samples is not None:
            self.samples.stop()
        if self.access_log is not None:
            await self.access_log.close()
