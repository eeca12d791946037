"""The edge's request path without sockets: how much CPU one proxied request costs in
Python, from the visitor's bytes to the response bytes, with the kernel and the event loop
left out.

One visitor connection and one origin connection, both on in-memory transports that
keep nothing; each request is the one wrk sends in `edge_vs_nginx.py` and each response
is what nginx answers there (a 2 KiB file). Prints the median over rounds of the
microseconds per request.

With `--instructions` it counts instead the machine instructions one request costs,
under valgrind's callgrind: the same figure on every run of the same build, however busy
the machine (the difference between runs of 12,000 and 2,000 requests, divided by
10,000, so that start-up cancels out).

`--zone limits` gives the zone the 2 rate limits of `security_overhead.py`, `--zone rules`
its 50 firewall rules and 2 rate limits (none of which stops the request): the difference
with `--zone none` is what they cost one request.

    .venv/bin/python bench/request_path.py [--requests 200000] [--rounds 5] [--zone rules]
    .venv/bin/python bench/request_path.py --profile        # where the time goes
    .venv-compiled/bin/python bench/request_path.py --instructions   # needs valgrind
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from typing import Any

import msgspec
import uvloop
from security_overhead import rate_limit_tables, security_tables

from stockade.edge.config import EdgeSettings
from stockade.edge.protocol import HttpProtocol
from stockade.edge.runtime import Edge
from stockade.edge.upstream import UpstreamConnection
from stockade.policy import FirewallRule, RateLimit, Snapshot, Zone

ORIGIN = "http://127.0.0.1:9"
REQUEST = b"GET /file.bin HTTP/1.1\r\nHost: bench.example\r\n\r\n"
BODY = b"x" * 2048
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 12:00:00 GMT\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
    b'Last-Modified: Tue, 24 Nov 2026 11:00:00 GMT\r\nConnection: keep-alive\r\nETag: "x"\r\n'
    b"Accept-Ranges: bytes\r\n\r\n%s" % (len(BODY), BODY)
)


class NullTransport(asyncio.Transport):
    """Takes writes and counts them; the peer's answer is fed by the benchmark."""

    def __init__(self, peer: tuple[str, int]) -> None:
        super().__init__()
        self.peer = peer
        self.writes = 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes += 1

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


# --zone: the security settings of security_overhead.py's edges, as [[zones.*]] tables.
ZONES = {"none": lambda: "", "limits": rate_limit_tables, "rules": security_tables}


def bench_zone(security: str) -> Zone:
    tables = tomllib.loads(ZONES[security]()).get("zones", {})
    return Zone(
        name="bench",
        hostnames=("bench.example",),
        origins=(ORIGIN,),
        firewall_rules=tuple(msgspec.convert(tables.get("firewall_rules", []), list[FirewallRule])),
        rate_limits=tuple(msgspec.convert(tables.get("rate_limits", []), list[RateLimit])),
    )


def request_loop(requests: int, security: str = "none") -> float:
    """Proxy `requests` requests through one keep-alive pair; returns µs per request."""
    loop = uvloop.new_event_loop()
    try:
        zone = bench_zone(security)
        edge = Edge(EdgeSettings(), Snapshot(revision=1, zones=(zone,)), loop)
        visitor = HttpProtocol(edge, b"http")
        visitor.connection_made(NullTransport(("127.0.0.1", 40000)))
        origin = edge.registry.get(ORIGIN, True)
        upstream = UpstreamConnection(origin)
        upstream.connection_made(NullTransport(("127.0.0.1", 9)))
        origin.open_connections += 1
        origin.idle.append(upstream)
        send, reply = visitor.data_received, upstream.data_received
        started = time.perf_counter()
        for _ in range(requests):
            send(REQUEST)
            reply(RESPONSE)
        elapsed = time.perf_counter() - started
        proxied = edge.metrics.requests.get("bench", {}).get(200, 0)
        if proxied != requests:
            raise SystemExit(f"only {proxied} of {requests} requests were proxied")
        return elapsed / requests * 1e6
    finally:
        loop.close()


def instructions_per_request(security: str) -> int:
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind: apt-get install valgrind")
    counts = []
    for requests in (2_000, 12_000):
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                __file__,
                "--requests",
                str(requests),
                "--rounds",
                "1",
                "--no-warmup",
                "--zone",
                security,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        collected = re.search(r"Collected : (\d+)", run.stderr)
        if collected is None:
            raise SystemExit(f"callgrind printed no count:\n{run.stderr}")
        counts.append(int(collected.group(1)))
    return (counts[1] - counts[0]) // 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions per request (valgrind)"
    )
    parser.add_argument(
        "--zone",
        choices=list(ZONES),
        default="none",
        help="the zone's firewall rules and rate limits, as security_overhead.py's edges",
    )
    parser.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        count = instructions_per_request(args.zone)
        print(f"request path ({args.zone}): {count:,} instructions per request")
        return
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(request_loop, args.requests, args.zone)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    if not args.no_warmup:
        request_loop(args.requests // 10, args.zone)
    results = [request_loop(args.requests, args.zone) for _ in range(args.rounds)]
    print(" ".join(f"{us:.2f}" for us in results))
    print(f"request path ({args.zone}): {statistics.median(results):.2f} µs per request (median)")


if __name__ == "__main__":
    main()
