from __future__ import annotations

import asyncio

from stockade.edge.config import EdgeSettings
from stockade.edge.lifecycle import ProxyError, RequestContext
from stockade.edge.metrics import LATENCY_BUCKETS, Metrics
from stockade.edge.runtime import Edge
from stockade.policy import Snapshot, Zone
from tests.support.contexts import request_context


def context(status: int, latency: float = -1.0) -> RequestContext:
    ctx = request_context(host=b"a.example")
    ctx.status = status
    ctx.upstream_latency = latency
    return ctx


def test_counters_and_histogram() -> None:
    loop = asyncio.new_event_loop()
    zone = Zone(name="a", hostnames=("a.example",), origins=("http://10.0.0.1",))
    edge = Edge(EdgeSettings(), Snapshot(zones=(zone,)), loop)
    metrics = Metrics()
    routed = context(200, latency=0.003)
    routed.route = edge.table.find("a.example")
    assert routed.route is not None
    routed.origin = routed.route.pick_origin()  # origins are looked up at first use
    metrics.observe(routed)
    routed.access = "allow"
    metrics.observe(routed)
    failed = context(502)
    failed.error = ProxyError("upstream", "refused")
    metrics.observe(failed)
    snapshot = metrics.snapshot(edge)
    assert snapshot["requests"] == {("a", 200): 2, ("", 502): 1}
    assert snapshot["errors"] == {"upstream": 1}
    assert snapshot["access"] == {("a", "allow"): 1}
    assert snapshot["latency_count"] == 2
    assert snapshot["latency_buckets"][LATENCY_BUCKETS.index(0.005)] == 2
    assert snapshot["pool_open"] == {"http://10.0.0.1": 0}
    loop.close()
