from __future__ import annotations

import httpx

from stockade.edge.admin import serve_admin
from stockade.edge.metrics import LATENCY_BUCKETS, MetricsSnapshot
from tests.support.ports import free_port


def snapshot(requests: int) -> MetricsSnapshot:
    buckets = [0] * (len(LATENCY_BUCKETS) + 1)
    buckets[0] = requests
    return {
        "requests": {("forum", 200): requests},
        "errors": {"upstream": 1},
        "latency_buckets": buckets,
        "latency_sum": 0.0005 * requests,
        "latency_count": requests,
        "challenges": {("forum", "issued"): requests},
        "firewall": {("forum", "wp-login", "block"): requests},
        "access": {("forum", "block"): requests},
        "rate_limits": {("forum", "login-burst", "block"): requests},
        "rate_limit_checks": {"redis": requests, "fallback": 1},
        "samples": {"sent": requests},
        "open_connections": 2,
        "pool_open": {"http://10.0.0.1": 3},
        "pool_idle": {"http://10.0.0.1": 1},
    }


def test_metrics_of_all_workers_are_summed() -> None:
    port = free_port()
    stop = serve_admin(f"127.0.0.1:{port}", lambda: [snapshot(3), snapshot(4)])
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        stop()
    assert 'stockade_edge_requests_total{status="200",zone="forum"} 7.0' in text
    assert 'stockade_edge_errors_total{source="upstream"} 2.0' in text
    assert "stockade_edge_open_connections 4.0" in text
    assert 'stockade_edge_origin_connections{origin="http://10.0.0.1",state="open"} 6.0' in text
    assert 'stockade_edge_upstream_latency_seconds_bucket{le="0.001"} 7.0' in text
    assert "stockade_edge_upstream_latency_seconds_count 7.0" in text
    assert 'stockade_edge_challenges_total{outcome="issued",zone="forum"} 7.0' in text
    assert (
        'stockade_edge_firewall_matches_total{action="block",rule="wp-login",zone="forum"} 7.0'
        in text
    )
    assert 'stockade_edge_access_total{action="block",zone="forum"} 7.0' in text
    assert (
        'stockade_edge_ratelimit_matches_total{action="block",rule="login-burst",zone="forum"} '
        "7.0" in text
    )
    assert 'stockade_edge_ratelimit_backend_total{state="redis"} 7.0' in text
    assert 'stockade_edge_ratelimit_backend_total{state="fallback"} 2.0' in text
    assert 'stockade_edge_samples_total{outcome="sent"} 7.0' in text
