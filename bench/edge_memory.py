"""Memory of one edge worker with many zones loaded, against a one-zone baseline.

For each zone count, writes a config file with that many zones (zone N: name site-0000N,
hostname site-0000N.example, an origin URL of its own), starts `stockade edge --config`
on a free loopback port, times how long until it listens, sends one request through the
first zone (to a small origin in this process) so the hot path is warmed, and reads VmRSS
and VmHWM (the peak, reached while the config loads) from /proc/PID/status.

    python bench/edge_memory.py [--zones 10000]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import http.server
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from harness import (
    STOCKADE,
    Processes,
    free_port,
    machine_description,
    status_kib,
    stockade_version,
    temporary_directory,
    wait_for_port,
)

# The goal is in decimal megabytes: 100 MB is 95.4 MiB.
GOAL_MIB = 100e6 / 2**20
# Zone origins other than the first one are never contacted; they are distinct loopback
# addresses so that each zone has an origin (and a connection pool) of its own, as
# customers do.
UNUSED_ORIGIN = "http://127.1.{high}.{low}:8080"


@dataclass(frozen=True)
class Measurement:
    zones: int
    load_seconds: float
    rss_mib: float
    peak_mib: float


class _OriginHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b"warm\n"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # one request per run: nothing worth printing


def zone_table(index: int, origin: str) -> str:
    name = f"site-{index:05d}"
    return f'[[zones]]\nname = "{name}"\nhostnames = ["{name}.example"]\norigins = ["{origin}"]\n'


def write_config(path: Path, zones: int, listen_port: int, origin_port: int) -> None:
    parts = [f'[edge]\nlisten = ["127.0.0.1:{listen_port}"]\n']
    for index in range(1, zones + 1):
        origin = (
            f"http://127.0.0.1:{origin_port}"
            if index == 1
            else UNUSED_ORIGIN.format(high=index // 256, low=index % 256)
        )
        parts.append(zone_table(index, origin))
    path.write_text("\n".join(parts))


def warm_request(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/", headers={"Host": "site-00001.example"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise SystemExit(f"the edge answered {response.status} to the warm-up request, not 200.")


def measure(work: Path, zones: int, origin_port: int) -> Measurement:
    config = work / f"edge-{zones}.toml"
    port = free_port()
    write_config(config, zones, port, origin_port)
    with Processes() as processes:
        started = time.perf_counter()
        process = processes.start(
            [STOCKADE, "edge", "--config", str(config)], work / f"edge-{zones}.log", work
        )
        wait_for_port(port, timeout=120)
        load_seconds = time.perf_counter() - started
        warm_request(port)
        # Let the loop settle (timers, the sweeper) before reading.
        time.sleep(1.0)
        return Measurement(
            zones=zones,
            load_seconds=load_seconds,
            rss_mib=status_kib(process.pid, "VmRSS") / 1024,
            peak_mib=status_kib(process.pid, "VmHWM") / 1024,
        )


def markdown_table(measurements: list[Measurement]) -> str:
    lines = [
        "| zones | listening after | VmRSS | peak (VmHWM) | goal | met |",
        "|---:|---:|---:|---:|---|---|",
    ]
    for item in measurements:
        # The goal is for a worker with many zones; the baseline is there for comparison.
        goal = f"<= 100 MB ({GOAL_MIB:.1f} MiB)" if item.zones > 1 else "—"
        met = ("yes" if item.rss_mib <= GOAL_MIB else "**no**") if item.zones > 1 else "—"
        lines.append(
            f"| {item.zones:,} | {item.load_seconds:.1f} s | {item.rss_mib:.1f} MiB "
            f"| {item.peak_mib:.1f} MiB | {goal} | {met} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=10_000, help="Zones to load (default 10000).")
    args = parser.parse_args()
    if not 1 < args.zones < 65_000:
        parser.error("--zones must be between 2 and 65000.")
    started = datetime.datetime.now().astimezone()
    # Taken before the edge starts: src/ may change while the benchmark runs.
    versions = stockade_version()
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OriginHandler)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    try:
        with temporary_directory("stockade-memory-") as work:
            measurements = [measure(work, zones, origin.server_port) for zones in (1, args.zones)]
    finally:
        origin.shutdown()
    print(f"{started:%Y-%m-%d %H:%M %Z}; {machine_description()}; {versions}")
    print(markdown_table(measurements))


if __name__ == "__main__":
    main()
