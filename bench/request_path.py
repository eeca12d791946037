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

With `--sample-rate R` the zone samples its responses at R for watch, and the worker's
sender posts them, as an edge does, to a sink in another process on loopback (which
only reads them): the figures are then the CPU time of the whole process (the posts'
system calls included) at rate 0 and at R, and what one sample costs.

`--zone limits` gives the zone the 2 rate limits of `security_overhead.py`, `--zone rules`
its 50 firewall rules and 2 rate limits (none of which stops the request): the difference
with `--zone none` is what they cost one request.

    .venv/bin/python bench/request_path.py [--requests 200000] [--rounds 5] [--zone rules]
    .venv/bin/python bench/request_path.py --profile        # where the time goes
    .venv-compiled/bin/python bench/request_path.py --instructions   # needs valgrind
    .venv-compiled/bin/python bench/request_path.py --sample-rate 1 [--instructions]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import uvloop
from harness import ROOT
from security_overhead import rate_limit_tables, security_tables
from tests.support.loopback_server import QuietHandler, loopback_server

from stockade.edge.config import EdgeSettings
from stockade.edge.protocol import HttpProtocol
from stockade.edge.runtime import Edge
from stockade.edge.sampler import BATCH_SIZE
from stockade.edge.upstream import UpstreamConnection
from stockade.policy import FirewallRule, RateLimit, SigningKey, Snapshot, Zone

ORIGIN = "http://127.0.0.1:9"
MEDIA_TYPE = "application/octet-stream"
REQUEST = b"GET /file.bin HTTP/1.1\r\nHost: bench.example\r\n\r\n"
BODY = b"x" * 2048
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 12:00:00 GMT\r\n"
    b"Content-Type: %s\r\nContent-Length: %d\r\n"
    b'Last-Modified: Tue, 24 Nov 2026 11:00:00 GMT\r\nConnection: keep-alive\r\nETag: "x"\r\n'
    b"Accept-Ranges: bytes\r\n\r\n%s" % (MEDIA_TYPE.encode(), len(BODY), BODY)
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


def bench_zone(security: str, sample_rate: float = 0.0) -> Zone:
    tables = tomllib.loads(ZONES[security]()).get("zones", {})
    return Zone(
        name="bench",
        hostnames=("bench.example",),
        origins=(ORIGIN,),
        firewall_rules=tuple(msgspec.convert(tables.get("firewall_rules", []), list[FirewallRule])),
        rate_limits=tuple(msgspec.convert(tables.get("rate_limits", []), list[RateLimit])),
        sample_rate=sample_rate,
        sample_types=(MEDIA_TYPE,),
    )


def request_loop(
    requests: int, sample_rate: float = 0.0, control_url: str = "", security: str = "none"
) -> float:
    """Proxy `requests` requests through one keep-alive pair; returns µs per request.

    With a `control_url` the worker sends its samples there, and the figure is CPU time."""
    loop = uvloop.new_event_loop()
    try:
        zone = bench_zone(security, sample_rate)
        settings = EdgeSettings()
        if control_url:
            key = SigningKey.generate().verify_key().to_text()
            settings = EdgeSettings(control_url=control_url, control_key=key)
        edge = Edge(settings, Snapshot(revision=1, zones=(zone,)), loop)
        visitor = HttpProtocol(edge, b"http")
        visitor.connection_made(NullTransport(("127.0.0.1", 40000)))
        origin = edge.registry.get(ORIGIN, True)
        upstream = UpstreamConnection(origin)
        upstream.connection_made(NullTransport(("127.0.0.1", 9)))
        origin.open_connections += 1
        origin.idle.append(upstream)
        send, reply = visitor.data_received, upstream.data_received
        if control_url:
            elapsed = loop.run_until_complete(sending_samples(edge, send, reply, requests))
        else:
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


async def sending_samples(
    edge: Edge, send: Callable[[bytes], None], reply: Callable[[bytes], None], requests: int
) -> float:
    """The requests in runs of 100, the sender posting between runs as it would between
    two reads of an edge's loop; returns the process's CPU seconds until the last sample
    is sent (waiting for the sink is not CPU)."""
    samples = edge.samples
    assert samples is not None
    samples.start(asyncio.get_running_loop())
    started = time.process_time()
    for done in range(0, requests, 100):
        for _ in range(min(100, requests - done)):
            send(REQUEST)
            reply(RESPONSE)
        await asyncio.sleep(0)
        # A batch is on its way: the queue would fill and drop before it is answered.
        while len(samples.waiting) >= BATCH_SIZE:
            await asyncio.sleep(0.005)
    while samples.waiting:  # the last batch leaves within a second
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # its answer
    elapsed = time.process_time() - started
    samples.stop()
    await asyncio.sleep(0)  # the sender's cancellation
    if set(edge.metrics.samples) - {"sent"}:
        raise SystemExit(f"samples were not all sent: {edge.metrics.samples}")
    return elapsed


@contextlib.contextmanager
def sample_sink() -> Iterator[str]:
    """A control plane stand-in in another process that reads each batch and answers 200;
    yields its URL."""
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--sink"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert sink.stdout is not None
        yield sink.stdout.readline().strip()
    finally:
        sink.terminate()
        sink.wait()


def serve_sink() -> None:
    class Sink(QuietHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.answer(200, b'{"stored": 0, "duplicates": 0, "empty": 0}')

    with loopback_server(Sink) as url:
        print(url, flush=True)
        while True:
            time.sleep(3600)


def instructions_per_request(*options: str) -> int:
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
                *options,
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


def sampling(args: argparse.Namespace) -> None:
    """The request path at rate 0 and at --sample-rate, the sender posting to a sink."""
    rate = args.sample_rate
    with sample_sink() as url:
        if args.instructions:
            counts = [
                instructions_per_request("--sample-rate", str(chosen), "--control-url", url)
                for chosen in (0.0, rate)
            ]
            print(f"sampling at 0: {counts[0]:,} instructions per request")
            print(f"sampling at {rate:g}: {counts[1]:,} instructions per request")
            print(f"one sample: {(counts[1] - counts[0]) / rate:,.0f} instructions")
            return
        if not args.no_warmup:
            request_loop(args.requests // 10, rate, url)
        results: dict[float, list[float]] = {0.0: [], rate: []}
        for _ in range(args.rounds):
            for chosen in results:
                results[chosen].append(request_loop(args.requests, chosen, url))
    off, on = (statistics.median(chosen) for chosen in results.values())
    print(f"sampling at 0: {off:.2f} µs of CPU per request (median of {args.rounds})")
    print(f"sampling at {rate:g}: {on:.2f} µs of CPU per request (median of {args.rounds})")
    print(f"one sample: {(on - off) / rate:.2f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions per request (valgrind)"
    )
    parser.add_argument(
        "--sample-rate", type=float, help="sample at this rate, sending to a sink, against 0"
    )
    parser.add_argument(
        "--zone",
        choices=list(ZONES),
        default="none",
        help="the zone's firewall rules and rate limits, as security_overhead.py's edges",
    )
    parser.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--control-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink()
        return
    if args.control_url:  # one run under callgrind, for sampling()
        request_loop(args.requests, args.sample_rate, args.control_url)
        return
    if args.sample_rate is not None:
        if not 0 < args.sample_rate <= 1:
            parser.error("--sample-rate must be above 0 and at most 1.")
        sampling(args)
        return
    if args.instructions:
        count = instructions_per_request("--zone", args.zone)
        print(f"request path ({args.zone}): {count:,} instructions per request")
        return
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(request_loop, args.requests, security=args.zone)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    if not args.no_warmup:
        request_loop(args.requests // 10, security=args.zone)
    results = [request_loop(args.requests, security=args.zone) for _ in range(args.rounds)]
    print(" ".join(f"{us:.2f}" for us in results))
    print(f"request path ({args.zone}): {statistics.median(results):.2f} µs per request (median)")


if __name__ == "__main__":
    main()
