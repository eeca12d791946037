"""Processes and listeners: one worker runs in this process; more share the port by
SO_REUSEPORT under a supervisor that forwards signals and restarts a worker that dies."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import multiprocessing.queues
import os
import queue
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import uvloop

from stockade.edge.admin import serve_admin
from stockade.edge.config import ConfigError, EdgeConfig, load_config, parse_address
from stockade.edge.metrics import MetricsSnapshot
from stockade.edge.protocol import HttpProtocol
from stockade.edge.runtime import Edge
from stockade.edge.sync import SnapshotFeed
from stockade.logs import configure_logging

log = logging.getLogger("stockade.edge")

METRICS_PUSH_INTERVAL = 1.0


@dataclass(frozen=True)
class ConfigSource:
    """Where a worker gets its config, at start and again on SIGHUP."""

    path: Path | None = None
    fixed: EdgeConfig | None = None
    # [edge] keys given as command-line flags, applied over the file at every load.
    overrides: dict[str, object] | None = None

    def load(self) -> EdgeConfig:
        if self.path is not None:
            return load_config(self.path, self.overrides)
        assert self.fixed is not None
        return self.fixed


def listening_socket(address: str, shared: bool) -> socket.socket:
    """A listening socket; `shared` lets the workers of one edge bind the same port (and
    is off for a single worker, so a second edge started by mistake fails loudly)."""
    host, port = parse_address(address)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"Cannot listen on {address}: {error.strerror}.") from None
    sock.listen(4096)
    sock.setblocking(False)
    return sock


async def serve_worker(
    source: ConfigSource,
    config: EdgeConfig | None = None,
    metrics_queue: multiprocessing.queues.Queue[tuple[int, MetricsSnapshot]] | None = None,
    worker_index: int = 0,
    stopping: asyncio.Event | None = None,
) -> None:
    """Run one worker until SIGTERM or SIGINT, or until `stopping` is set; reload the
    config on SIGHUP.

    `config` is the source already loaded (a file of 10,000 zones takes a second to read)."""
    loop = asyncio.get_running_loop()
    config = config or source.load()
    settings = config.edge
    feed = SnapshotFeed(settings, worker_index) if settings.control_url else None
    edge = Edge(settings, feed.load_saved() if feed else config.snapshot(), loop)
    stopping = stopping or asyncio.Event()

    def reload() -> None:
        try:
            config = source.load()
            # With a control plane the zones are its own; the file only has settings.
            edge.reconfigure(config.edge, edge.snapshot if feed else config.snapshot())
        except (ConfigError, ValueError) as error:
            log.error("reload refused, still serving the previous config: %s", error)

    # Before the listeners open: a signal that comes once a visitor can connect stops the
    # worker by draining, never by an exception in the middle of its start.
    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    servers = []
    shared = settings.workers > 1
    for address in settings.listen:
        servers.append(
            await loop.create_server(
                lambda: HttpProtocol(edge, b"http"),
                sock=listening_socket(address, shared),
                backlog=4096,
            )
        )
    if settings.tls_listen:
        tls_context = edge.tls.listener_context()
        for address in settings.tls_listen:
            servers.append(
                await loop.create_server(
                    lambda: HttpProtocol(edge, b"https"),
                    sock=listening_socket(address, shared),
                    ssl=tls_context,
                    backlog=4096,
                )
            )
    edge.start()
    stop_admin = None
    if settings.admin_listen and metrics_queue is None:
        stop_admin = serve_admin(settings.admin_listen, lambda: [_snapshot_from_loop(loop, edge)])
    tasks = []
    if metrics_queue is not None:
        tasks.append(loop.create_task(_push_metrics(edge, metrics_queue, worker_index)))
    if feed is not None:
        tasks.append(loop.create_task(feed.run(edge)))

    log.info(
        "edge worker %d listening on %s",
        worker_index,
        ", ".join(settings.listen + settings.tls_listen),
    )
    await stopping.wait()
    log.info("edge worker %d draining", worker_index)
    for server in servers:
        server.close()
    for task in tasks:
        task.cancel()
    await edge.shutdown()
    if stop_admin is not None:
        stop_admin()


def _snapshot_from_loop(loop: asyncio.AbstractEventLoop, edge: Edge) -> MetricsSnapshot:
    # Read the counters on the loop's own thread so no dict changes while it is copied.
    future: concurrent.futures.Future[MetricsSnapshot] = concurrent.futures.Future()
    loop.call_soon_threadsafe(lambda: future.set_result(edge.metrics.snapshot(edge)))
    return future.result(timeout=5)


async def _push_metrics(
    edge: Edge, metrics_queue: multiprocessing.queues.Queue[tuple[int, MetricsSnapshot]], index: int
) -> None:
    while True:
        await asyncio.sleep(METRICS_PUSH_INTERVAL)
        metrics_queue.put((index, edge.metrics.snapshot(edge)))


def run_worker(
    source: ConfigSource,
    config: EdgeConfig | None = None,
    metrics_queue: multiprocessing.queues.Queue[tuple[int, MetricsSnapshot]] | None = None,
    worker_index: int = 0,
) -> None:
    configure_logging()
    uvloop.run(serve_worker(source, config, metrics_queue, worker_index))


def run(source: ConfigSource) -> None:
    """Run the edge in the foreground until SIGTERM or SIGINT."""
    config = source.load()
    if config.edge.workers == 1:
        run_worker(source, config)
        return
    Supervisor(source, config).run()


class Supervisor:
    """Starts the workers, forwards SIGHUP and SIGTERM, restarts a worker that dies."""

    def __init__(self, source: ConfigSource, config: EdgeConfig) -> None:
        self.source = source
        self.config = config
        self.context = multiprocessing.get_context("spawn")
        self.metrics_queue: multiprocessing.queues.Queue[tuple[int, MetricsSnapshot]] = (
            self.context.Queue()
        )
        self.latest: dict[int, MetricsSnapshot] = {}
        self.workers: dict[int, multiprocessing.process.BaseProcess] = {}
        self.stopping = False

    def run(self) -> None:
        configure_logging()
        # Bind once here so a taken port is reported before any worker starts.
        for address in (*self.config.edge.listen, *self.config.edge.tls_listen):
            listening_socket(address, shared=True).close()
        for index in range(self.config.edge.workers):
            self._start(index)
        signal.signal(signal.SIGHUP, self._reload)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        stop_admin = None
        if self.config.edge.admin_listen:
            stop_admin = serve_admin(
                self.config.edge.admin_listen, lambda: list(self.latest.values())
            )
        while not self.stopping:
            self._collect_metrics(timeout=0.2)
            for index, process in list(self.workers.items()):
                if not process.is_alive() and not self.stopping:
                    log.error(
                        "edge worker %d exited with %s; restarting it", index, process.exitcode
                    )
                    self._start(index)
        deadline = time.monotonic() + self.config.edge.shutdown_timeout + 5
        for process in self.workers.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        if stop_admin is not None:
            stop_admin()

    def _start(self, index: int) -> None:
        process = self.context.Process(
            target=run_worker,
            # The config checked here, so a worker need not read the file again.
            args=(self.source, self.config, self.metrics_queue, index),
            name=f"stockade-edge-{index}",
            daemon=False,
        )
        process.start()
        self.workers[index] = process

    def _collect_metrics(self, timeout: float) -> None:
        try:
            index, snapshot = self.metrics_queue.get(timeout=timeout)
        except queue.Empty:
            return
        self.latest[index] = snapshot

    def _reload(self, signum: int, frame: object) -> None:
        try:
            self.config = self.source.load()
        except ConfigError as error:
            log.error("reload refused, workers keep the previous config: %s", error)
            return
        for process in self.workers.values():
            if process.pid is not None:
                os.kill(process.pid, signal.SIGHUP)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for process in self.workers.values():
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)
