"""Stockade's edge against nginx as a reverse proxy, both in front of the same nginx origin.

Starts an origin (nginx, 1 worker, one 2 KiB static file), nginx as a reverse proxy
(1 worker, keep-alive pool to the origin) and a stockade edge (1 worker), all on free
loopback ports. wrk drives each proxy with 64 connections: a warm-up run each, then
ROUNDS rounds of one run per proxy, alternated (nginx, stockade, nginx, stockade, ...) so
that a noisy neighbour slows both alike. For each run: requests/s and p50/p99 latency
from `wrk --latency`, and the proxy's own CPU time per request from /proc/PID/stat
(nginx: master and worker). Prints medians over the rounds, the stockade/nginx ratios
(the median of each round's ratio) against the goals, and a markdown table.

    python bench/edge_vs_nginx.py [--rounds 5] [--duration 10] [--warmup 5] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import (
    CLOCK_TICKS,
    STOCKADE,
    Processes,
    cpu_times,
    free_port,
    machine_description,
    machine_ticks,
    process_tree,
    stockade_version,
    temporary_directory,
    wait_for_port,
)

HOST = "bench.example"
FILE_NAME = "bench-2k.txt"
FILE_SIZE = 2048
CONNECTIONS = 64
# One wrk thread: on 2 CPUs a second one only takes a core from the proxy or the origin,
# and one thread drives 64 connections faster than either proxy answers (each run prints
# wrk's own CPU use, to show it is not the bottleneck).
WRK_THREADS = 1
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
# Seconds between runs, so one run's closing connections are not in the next one.
SETTLE = 1.0
# Above this much CPU used by other processes (in % of one CPU) a run is called noisy: on
# 2 CPUs it takes what the proxies and the origin need, and the wall-clock figures sag.
NOISY_OTHERS_PERCENT = 25.0


@dataclass(frozen=True)
class Goal:
    """A stockade/nginx ratio the edge must reach."""

    limit: float
    higher_is_better: bool

    def met(self, ratio: float) -> bool:
        return ratio >= self.limit if self.higher_is_better else ratio <= self.limit

    def text(self) -> str:
        return f"{'>=' if self.higher_is_better else '<='} {self.limit:.2f}x"


GOALS = {
    "requests_per_second": Goal(1.0, higher_is_better=True),
    "cpu_us_per_request": Goal(1.25, higher_is_better=False),
    "p99_ms": Goal(1.5, higher_is_better=False),
}


# Shared by the origin and the proxy. Each nginx gets its own prefix with every path
# inside it, so it runs as root or not without touching /var.
NGINX_MAIN = """\
worker_processes 1;
{user}pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # nginx closes a keep-alive connection after 1000 requests by default; stockade never
    # does, and wrk would count the reconnections against nginx.
    keepalive_requests 1000000;
{servers}
}}
"""

ORIGIN_SERVER = """\
    server {{
        listen 127.0.0.1:{port} default_server;
        root {prefix}/www;
        open_file_cache max=16;
    }}
"""

# The proxy sends and adds the same headers as the stockade edge (X-Forwarded-*, Via, a
# request id both ways), so both do the same work per request.
PROXY_SERVER = """\
    upstream origin {{
        server 127.0.0.1:{origin_port};
        keepalive 64;
        keepalive_requests 1000000;
    }}
    server {{
        listen 127.0.0.1:{port} default_server;
        server_name {host};
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header Via "1.1 nginx";
            proxy_set_header Request-Id $request_id;
            add_header Via "1.1 nginx" always;
            add_header Request-Id $request_id always;
        }}
    }}
"""


@dataclass(frozen=True)
class Proxy:
    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{FILE_NAME}"

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(
                f"{self.name} exited with status {self.process.returncode} during the benchmark:"
                " run again with KEEP_BENCH_DIR=1 and read its log."
            )


@dataclass(frozen=True)
class Run:
    """One wrk run against one proxy."""

    proxy: str
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_us_per_request: float
    # The part of it spent in the kernel (system time): sockets, loopback TCP, epoll.
    system_us_per_request: float
    errors: int
    # The rest of the machine, in % of one CPU, to tell a slow proxy from a starved one:
    # the load generator, the origin, and anything else running (steal time included).
    wrk_cpu_percent: float
    origin_cpu_percent: float
    other_cpu_percent: float


# process setup


def nginx_config(prefix: Path, servers: str) -> Path:
    for directory in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / directory).mkdir(parents=True, exist_ok=True)
    # As root the workers would run as nobody, who cannot read a private temp directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    path = prefix / "nginx.conf"
    path.write_text(NGINX_MAIN.format(user=user, prefix=prefix, servers=servers))
    return path


def start_nginx(
    processes: Processes, prefix: Path, servers: str, port: int
) -> subprocess.Popen[bytes]:
    config = nginx_config(prefix, servers)
    command = [NGINX, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")]
    process = processes.start([*command, "-g", "daemon off;"], prefix / "stdout.log", prefix)
    wait_for_port(port)
    return process


def start_origin(processes: Processes, work: Path) -> tuple[int, int]:
    """The origin's pid and port."""
    prefix = work / "origin"
    (prefix / "www").mkdir(parents=True)
    # Text that does not compress to nothing, in case a proxy ever gzips it.
    body = (os.urandom(FILE_SIZE // 2).hex()).encode()
    (prefix / "www" / FILE_NAME).write_bytes(body)
    port = free_port()
    origin = start_nginx(processes, prefix, ORIGIN_SERVER.format(port=port, prefix=prefix), port)
    return origin.pid, port


def start_nginx_proxy(processes: Processes, work: Path, origin_port: int) -> Proxy:
    prefix = work / "nginx-proxy"
    prefix.mkdir()
    port = free_port()
    servers = PROXY_SERVER.format(port=port, origin_port=origin_port, host=HOST)
    return Proxy("nginx", start_nginx(processes, prefix, servers, port), port)


def start_stockade(processes: Processes, work: Path, origin_port: int) -> Proxy:
    flags = ["--route", f"{HOST}=http://127.0.0.1:{origin_port}"]
    return start_edge(processes, work / "stockade", "stockade", flags)


def start_edge(processes: Processes, directory: Path, name: str, flags: list[str]) -> Proxy:
    """`stockade edge` on a free port with `flags`, its log and state in `directory`."""
    directory.mkdir()
    port = free_port()
    command = [STOCKADE, "edge", "--listen", f"127.0.0.1:{port}", *flags]
    process = processes.start(command, directory / "edge.log", directory)
    wait_for_port(port, timeout=30)
    return Proxy(name, process, port)


def check_serves_file(proxy: Proxy, expected: bytes) -> None:
    """Both proxies must answer the benchmark request with the file, or the figures mean
    nothing; stop with what came back instead."""
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        connection.request("GET", f"/{FILE_NAME}", headers={"Host": HOST})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200 or body != expected:
        raise SystemExit(
            f"{proxy.name} answered {response.status} with {len(body)} bytes instead of the "
            f"{len(expected)}-byte file: set KEEP_BENCH_DIR=1 and read its log."
        )


# measuring

_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int


def parse_wrk(output: str) -> WrkResult:
    requests = _REQUESTS.search(output)
    latencies = {
        match[1]: float(match[2]) * _TO_MS[match[3]] for match in _LATENCY.finditer(output)
    }
    if requests is None or set(latencies) != {"50", "99"}:
        raise SystemExit(f"wrk printed something this script cannot read:\n{output}")
    socket_errors = _SOCKET_ERRORS.search(output)
    non_2xx = _NON_2XX.search(output)
    errors = sum(int(count) for count in socket_errors.groups()) if socket_errors else 0
    errors += int(non_2xx[1]) if non_2xx else 0
    return WrkResult(
        requests=int(requests[1]),
        seconds=float(requests[2]) * _TO_MS[requests[3]] / 1000,
        p50_ms=latencies["50"],
        p99_ms=latencies["99"],
        errors=errors,
    )


def run_wrk(url: str, duration: float) -> tuple[str, float]:
    """wrk's report, and the CPU seconds wrk itself used."""
    command = [
        WRK,
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration:g}s",
        "--timeout",
        "2s",
        "--latency",
        "-H",
        f"Host: {HOST}",
        url,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    wrk_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result.stdout, wrk_cpu


def measure(proxy: Proxy, origin_pid: int, duration: float) -> Run:
    proxy.check_running()
    proxy_pids, origin_pids = process_tree(proxy.process.pid), process_tree(origin_pid)
    proxy_before, origin_before = cpu_times(proxy_pids), cpu_times(origin_pids)
    busy_before, _ = machine_ticks()
    output, wrk_cpu = run_wrk(proxy.url, duration)
    proxy.check_running()
    proxy_after, origin_after = cpu_times(proxy_pids), cpu_times(origin_pids)
    busy_after, _ = machine_ticks()
    proxy_system = proxy_after[1] - proxy_before[1]
    proxy_cpu = proxy_after[0] - proxy_before[0] + proxy_system
    origin_cpu = sum(origin_after) - sum(origin_before)
    machine_busy = (busy_after - busy_before) / CLOCK_TICKS
    result = parse_wrk(output)
    seconds, requests = result.seconds, max(result.requests, 1)
    return Run(
        proxy=proxy.name,
        requests=result.requests,
        seconds=seconds,
        requests_per_second=result.requests / seconds,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        cpu_us_per_request=proxy_cpu * 1e6 / requests,
        system_us_per_request=proxy_system * 1e6 / requests,
        errors=result.errors,
        wrk_cpu_percent=100 * wrk_cpu / seconds,
        origin_cpu_percent=100 * origin_cpu / seconds,
        other_cpu_percent=100 * max(machine_busy - proxy_cpu - origin_cpu - wrk_cpu, 0) / seconds,
    )


def describe(run: Run, label: str) -> str:
    return (
        f"{label:>9} {run.proxy:<8} {run.requests_per_second:>7,.0f} req/s  "
        f"p50 {run.p50_ms:5.2f} ms  p99 {run.p99_ms:5.2f} ms  "
        f"CPU {run.cpu_us_per_request:5.1f} us/req (kernel {run.system_us_per_request:4.1f})  "
        f"errors {run.errors}  "
        f"(CPU% wrk {run.wrk_cpu_percent:3.0f}, origin {run.origin_cpu_percent:3.0f}, "
        f"others {run.other_cpu_percent:3.0f})"
    )


def benchmark(
    proxies: list[Proxy],
    origin_pid: int,
    rounds: int,
    duration: float,
    warmup: float,
    warmups: list[Run] | None = None,
) -> list[Run]:
    """The runs of every round, in order; the warm-up runs go to `warmups` if given."""
    for proxy in proxies:
        run = measure(proxy, origin_pid, warmup)
        print(describe(run, "warm-up"), flush=True)
        if warmups is not None:
            warmups.append(run)
        time.sleep(SETTLE)
    runs = []
    for index in range(rounds):
        for proxy in proxies:
            run = measure(proxy, origin_pid, duration)
            runs.append(run)
            print(describe(run, f"round {index + 1}"), flush=True)
            time.sleep(SETTLE)
    return runs


# reporting

METRICS = (
    "requests_per_second",
    "p50_ms",
    "p99_ms",
    "cpu_us_per_request",
    "system_us_per_request",
)


def summarize(runs: list[Run]) -> dict[str, dict[str, float]]:
    """Medians per proxy, and the median over rounds of each round's stockade/nginx ratio
    (runs of one round are back to back, so the ratio cancels most of the machine's drift)."""
    nginx = [run for run in runs if run.proxy == "nginx"]
    stockade = [run for run in runs if run.proxy == "stockade"]
    summary: dict[str, dict[str, float]] = {"nginx": {}, "stockade": {}, "ratio": {}}
    for metric in METRICS:
        summary["nginx"][metric] = statistics.median(getattr(run, metric) for run in nginx)
        summary["stockade"][metric] = statistics.median(getattr(run, metric) for run in stockade)
        summary["ratio"][metric] = statistics.median(
            getattr(ours, metric) / getattr(theirs, metric)
            for ours, theirs in zip(stockade, nginx, strict=True)
        )
    return summary


def _figure(metric: str, value: float) -> str:
    if metric == "requests_per_second":
        return f"{value:,.0f}"
    if metric in ("cpu_us_per_request", "system_us_per_request"):
        return f"{value:.1f} µs"
    return f"{value:.2f} ms"


def markdown_table(summary: dict[str, dict[str, float]], nginx_version: str) -> str:
    labels = {
        "requests_per_second": "requests/s",
        "p50_ms": "p50 latency",
        "p99_ms": "p99 latency",
        "cpu_us_per_request": "proxy CPU per request",
        "system_us_per_request": "… of which in the kernel",
    }
    lines = [
        f"| median of the rounds | {nginx_version} | stockade | stockade / nginx | goal | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for metric in METRICS:
        ratio = summary["ratio"][metric]
        goal = GOALS.get(metric)
        lines.append(
            f"| {labels[metric]} | {_figure(metric, summary['nginx'][metric])} "
            f"| {_figure(metric, summary['stockade'][metric])} | {ratio:.2f}x "
            f"| {goal.text() if goal else '—'} "
            f"| {('yes' if goal.met(ratio) else '**no**') if goal else '—'} |"
        )
    return "\n".join(lines)


def noise_note(runs: list[Run]) -> str:
    """How much else ran on the machine, and a warning when it was enough to skew the
    figures (CPU per request is counted per process and suffers least)."""
    others = statistics.median(run.other_cpu_percent for run in runs)
    noisy = sum(1 for run in runs if run.other_cpu_percent > NOISY_OTHERS_PERCENT)
    note = f"\nOther processes used a median {others:.0f}% of a CPU during the runs."
    if noisy:
        note += (
            f" {noisy} of {len(runs)} runs had more than {NOISY_OTHERS_PERCENT:.0f}%: requests/s"
            " and latencies are disturbed there; run again on a quieter machine to compare them."
        )
    return note


def nginx_version() -> str:
    result = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=True)
    return result.stderr.strip().rpartition(" ")[2].replace("/", " ")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """--rounds, --duration, --warmup and --quick, which every wrk benchmark takes."""
    parser.add_argument("--rounds", type=int, default=5, help="Runs per proxy (default 5).")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="Seconds per run (default 10)."
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="Seconds of the warm-up run (default 5)."
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smoke check: 1 round of 2 s, 1 s warm-up."
    )


def check_run_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, 2.0, 1.0
    if args.rounds < 1 or args.duration < 1 or args.warmup < 1:
        parser.error("--rounds, --duration and --warmup must be at least 1.")
    for tool in (NGINX, WRK):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"{tool} is not installed: apt-get install nginx-light wrk")


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    parser.add_argument("--json", type=Path, help="Also write every run and the summary here.")
    args = parser.parse_args()
    check_run_arguments(parser, args)
    return args


def main() -> None:
    args = parse_arguments()
    started = datetime.datetime.now().astimezone()
    # Taken before the edge starts: src/ may change while the benchmark runs.
    versions = f"{nginx_version()}, {stockade_version()}"
    with temporary_directory("stockade-bench-") as work, Processes() as processes:
        origin_pid, origin_port = start_origin(processes, work)
        proxies = [
            start_nginx_proxy(processes, work, origin_port),
            start_stockade(processes, work, origin_port),
        ]
        expected = (work / "origin" / "www" / FILE_NAME).read_bytes()
        for proxy in proxies:
            check_serves_file(proxy, expected)
        print(
            f"{machine_description()}; wrk {WRK_THREADS} thread, {CONNECTIONS} connections, "
            f"{args.rounds} rounds of {args.duration:g} s after a {args.warmup:g} s warm-up",
            flush=True,
        )
        runs = benchmark(proxies, origin_pid, args.rounds, args.duration, args.warmup)
    summary = summarize(runs)
    print()
    print(f"{started:%Y-%m-%d %H:%M %Z}; {machine_description()}; {versions}")
    print(markdown_table(summary, nginx_version()))
    print(noise_note(runs))
    failed = [run for run in runs if run.errors]
    if failed:
        print(f"\n{len(failed)} runs had errors (socket errors or non-2xx answers): see above.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "date": started.isoformat(),
            "machine": machine_description(),
            "versions": versions,
            "arguments": {key: str(value) for key, value in vars(args).items()},
            "runs": [asdict(run) for run in runs],
            "summary": summary,
        }
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
