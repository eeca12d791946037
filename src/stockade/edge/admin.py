"""The admin listener: Prometheus metrics, served apart from visitor traffic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from stockade.edge.config import parse_address
from stockade.edge.metrics import LATENCY_BUCKETS, MetricsSnapshot


class EdgeCollector:
    """Sums the snapshots of every worker at scrape time."""

    def __init__(self, sources: Callable[[], list[MetricsSnapshot]]) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        snapshots = self.sources()
        requests = CounterMetricFamily(
            "stockade_edge_requests",
            "Requests answered, by zone and status.",
            labels=["zone", "status"],
        )
        errors = CounterMetricFamily(
            "stockade_edge_errors", "Failed exchanges, by where the fault was.", labels=["source"]
        )
        connections = GaugeMetricFamily(
            "stockade_edge_open_connections", "Visitor connections open now."
        )
        pool = GaugeMetricFamily(
            "stockade_edge_origin_connections",
            "Connections to origins, open (in use or idle) and idle.",
            labels=["origin", "state"],
        )
        challenges = CounterMetricFamily(
            "stockade_edge_challenges",
            "Challenge outcomes, by zone: issued, failed, passed, cleared.",
            labels=["zone", "outcome"],
        )
        firewall = CounterMetricFamily(
            "stockade_edge_firewall_matches",
            "Requests each firewall rule matched, by zone, rule id and action.",
            labels=["zone", "rule", "action"],
        )
        access = CounterMetricFamily(
            "stockade_edge_access",
            "Requests an access rule matched, by zone and action: allow, block, challenge.",
            labels=["zone", "action"],
        )
        rate_limits = CounterMetricFamily(
            "stockade_edge_ratelimit_matches",
            "Requests over a rate limit, by zone, rate limit id and action.",
            labels=["zone", "rule", "action"],
        )
        rate_limit_checks = CounterMetricFamily(
            "stockade_edge_ratelimit_backend",
            "Requests counted against rate limits, by where: redis, local (no Redis "
            "configured) or fallback (Redis unreachable or late).",
            labels=["state"],
        )
        samples = CounterMetricFamily(
            "stockade_edge_samples",
            "Content samples for watch, by outcome: sent, dropped (queue full), failed.",
            labels=["outcome"],
        )
        totals: dict[tuple[str, int], int] = {}
        firewall_totals: dict[tuple[str, str, str], int] = {}
        rate_limit_totals: dict[tuple[str, str, str], int] = {}
        check_totals: dict[str, int] = {}
        challenge_totals: dict[tuple[str, str], int] = {}
        access_totals: dict[tuple[str, str], int] = {}
        error_totals: dict[str, int] = {}
        sample_totals: dict[str, int] = {}
        buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        latency_sum = 0.0
        open_connections = 0
        pool_open: dict[str, int] = {}
        pool_idle: dict[str, int] = {}
        for snapshot in snapshots:
            _add(totals, snapshot["requests"])
            _add(error_totals, snapshot["errors"])
            buckets = [a + b for a, b in zip(buckets, snapshot["latency_buckets"], strict=True)]
            latency_sum += snapshot["latency_sum"]
            open_connections += snapshot["open_connections"]
            _add(pool_open, snapshot["pool_open"])
            _add(pool_idle, snapshot["pool_idle"])
            _add(challenge_totals, snapshot["challenges"])
            _add(firewall_totals, snapshot["firewall"])
            _add(access_totals, snapshot["access"])
            _add(rate_limit_totals, snapshot["rate_limits"])
            _add(check_totals, snapshot["rate_limit_checks"])
            _add(sample_totals, snapshot["samples"])
        for (zone, status), value in sorted(totals.items()):
            requests.add_metric([zone, str(status)], value)
        for source, value in sorted(error_totals.items()):
            errors.add_metric([source], value)
        for (zone, outcome), value in sorted(challenge_totals.items()):
            challenges.add_metric([zone, outcome], value)
        for labels, value in sorted(firewall_totals.items()):
            firewall.add_metric(list(labels), value)
        for (zone, action), value in sorted(access_totals.items()):
            access.add_metric([zone, action], value)
        for labels, value in sorted(rate_limit_totals.items()):
            rate_limits.add_metric(list(labels), value)
        for state, value in sorted(check_totals.items()):
            rate_limit_checks.add_metric([state], value)
        for outcome, value in sorted(sample_totals.items()):
            samples.add_metric([outcome], value)
        connections.add_metric([], open_connections)
        for origin in sorted(pool_open):
            pool.add_metric([origin, "open"], pool_open[origin])
            pool.add_metric([origin, "idle"], pool_idle.get(origin, 0))
        cumulative, running = [], 0
        for bound, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), buckets, strict=True):
            running += count
            cumulative.append((bound, running))
        latency = HistogramMetricFamily(
            "stockade_edge_upstream_latency_seconds",
            "Time from starting an attempt to reach an origin (connecting included) to its "
            "response head.",
            buckets=cumulative,
            sum_value=latency_sum,
        )
        yield from (requests, errors, challenges, firewall, access, rate_limits)
        yield from (rate_limit_checks, samples, connections, pool, latency)


def _add(total: dict[Any, int], part: dict[Any, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value


def serve_admin(address: str, sources: Callable[[], list[MetricsSnapshot]]) -> Callable[[], None]:
    """Serve /metrics on `address` from a thread; returns a function that stops it."""
    host, port = parse_address(address)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EdgeCollector(sources))
    server, thread = start_http_server(port, addr=host, registry=registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
