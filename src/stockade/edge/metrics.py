"""Counters kept as plain numbers on the hot path, turned into Prometheus metrics on scrape."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from stockade.edge.lifecycle import RequestContext
    from stockade.edge.runtime import Edge

# Upper bounds in seconds of the upstream latency histogram. Typed as a tuple of any
# length: the compiled build would keep a fixed-length tuple of floats unboxed, and box
# each of them again on every request.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class MetricsSnapshot(TypedDict):
    """Plain data, so it can cross from a worker process to the one serving /metrics."""

    requests: dict[tuple[str, int], int]
    errors: dict[str, int]
    latency_buckets: list[int]
    latency_sum: float
    latency_count: int
    challenges: dict[tuple[str, str], int]
    firewall: dict[tuple[str, str, str], int]
    access: dict[tuple[str, str], int]
    rate_limits: dict[tuple[str, str, str], int]
    rate_limit_checks: dict[str, int]
    samples: dict[str, int]
    open_connections: int
    pool_open: dict[str, int]
    pool_idle: dict[str, int]


class Metrics:
    def __init__(self) -> None:
        # zone -> status -> count: a string key's hash is kept by the string, and an int's
        # costs nothing, where a (zone, status) key would be built and hashed per request.
        self.requests: dict[str, dict[int, int]] = {}
        self.errors: dict[str, int] = {}
        self.latency_buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.latency_sum = 0.0
        self.latency_count = 0
        self.challenges: dict[tuple[str, str], int] = {}
        self.firewall: dict[tuple[str, str, str], int] = {}
        self.access: dict[tuple[str, str], int] = {}
        self.rate_limits: dict[tuple[str, str, str], int] = {}
        # Content samples for watch, by outcome: sent, dropped, failed.
        self.samples: dict[str, int] = {}

    def observe(self, ctx: RequestContext) -> None:
        route = ctx.route
        zone = route.name if route is not None else ""
        statuses = self.requests.get(zone)
        if statuses is None:
            statuses = self.requests[zone] = {}
        status = ctx.status
        statuses[status] = statuses.get(status, 0) + 1
        latency = ctx.upstream_latency
        if latency >= 0:
            # A scan from the fastest bucket: most answers land in the first few, and in
            # the compiled build this costs less than one call of bisect_left.
            index = 0
            for bound in LATENCY_BUCKETS:
                if latency <= bound:
                    break
                index += 1
            self.latency_buckets[index] += 1
            self.latency_sum += latency
            self.latency_count += 1
        if ctx.error is not None:
            source = ctx.error.source
            self.errors[source] = self.errors.get(source, 0) + 1
        if ctx.challenge:
            outcome = (zone, ctx.challenge)
            self.challenges[outcome] = self.challenges.get(outcome, 0) + 1
        if ctx.firewall_matches is not None:
            firewall = self.firewall
            for label in ctx.firewall_matches:
                firewall[label] = firewall.get(label, 0) + 1
        if ctx.access:
            action = (zone, ctx.access)
            self.access[action] = self.access.get(action, 0) + 1
        limited = ctx.rate_limit
        if limited is not None:
            self.rate_limits[limited] = self.rate_limits.get(limited, 0) + 1

    def count_samples(self, outcome: str, count: int) -> None:
        self.samples[outcome] = self.samples.get(outcome, 0) + count

    def snapshot(self, edge: Edge) -> MetricsSnapshot:
        origins = edge.registry.origins.values()
        return {
            "requests": {
                (zone, status): count
                for zone, statuses in self.requests.items()
                for status, count in statuses.items()
            },
            "errors": dict(self.errors),
            "latency_buckets": list(self.latency_buckets),
            "latency_sum": self.latency_sum,
            "latency_count": self.latency_count,
            "challenges": dict(self.challenges),
            "firewall": dict(self.firewall),
            "access": dict(self.access),
            "rate_limits": dict(self.rate_limits),
            "rate_limit_checks": dict(edge.rate_counters.checks),
            "samples": dict(self.samples),
            "open_connections": len(edge.connections),
            "pool_open": {origin.url: origin.open_connections for origin in origins},
            "pool_idle": {origin.url: len(origin.idle) for origin in origins},
        }
