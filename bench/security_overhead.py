"""What firewall rules and rate limits cost the edge: requests/s with 50 rules and 2 rate
limits against the same edge with none (issue 4: >= 0.8x).

Starts an origin (nginx, 1 worker, one 2 KiB file, as in edge_vs_nginx.py) and stockade
edges (1 worker each) on free loopback ports, all in front of it:

- `none`: the zone alone;
- `limits`: the zone with the 2 rate limits below only, counted locally;
- `rules`: the zone with 50 firewall rules (none of which matches the benchmark request,
  so every one runs) and 2 rate limits that count every request (limits too high to
  reach), counted locally;
- `rules+redis`: the same, counted in Redis (with --redis URL, or the Redis on
  127.0.0.1:6379 when one answers), one round trip per request.

wrk drives each with 64 connections: a warm-up run each, then ROUNDS rounds of one run
per edge, alternated so that a noisy neighbour slows each alike. Prints requests/s, p99
and the edge's CPU per request per run, the median over rounds of each round's ratio to
`none`, and a markdown table.

    python bench/security_overhead.py [--rounds 5] [--duration 10] [--warmup 5] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import statistics
import time
from pathlib import Path

from edge_vs_nginx import (
    CONNECTIONS,
    FILE_NAME,
    HOST,
    Proxy,
    Run,
    add_run_arguments,
    benchmark,
    check_run_arguments,
    check_serves_file,
    noise_note,
    start_origin,
)
from harness import (
    STOCKADE,
    Processes,
    free_port,
    machine_description,
    stockade_version,
    temporary_directory,
    wait_for_port,
)

GOAL = 0.8
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"

# Rules of the kinds sites write, none matching GET /bench-2k.txt from 127.0.0.1.
RULE_TEMPLATES = (
    'http.request.uri.path wildcard "/wp-{n}*"',
    'http.user_agent contains "scanner-{n}"',
    "ip.src in {{192.0.2.{n}/32 198.51.100.0/24}}",
    'http.request.method eq "DELETE" and http.request.uri.path contains "/admin{n}"',
    'starts_with(http.request.uri.path, "/private-{n}/")',
    'http.request.uri.query contains "debug={n}"',
    'lower(http.host) eq "old-{n}.example"',
    'any(http.request.headers["x-debug-{n}"][*] eq "1")',
    'http.request.uri.path matches "^/api/v{n}/internal"',
    'http.referer contains "spam-{n}.example"',
)
ACTIONS = ("block", "log", "challenge", "block", "log")


def rate_limit_tables() -> str:
    """2 rate limits that count every request and are never reached."""
    return (
        '[[zones.rate_limits]]\nid = "everything"\nperiod = 60\n'
        "requests_per_period = 1000000000\n\n"
        '[[zones.rate_limits]]\nid = "per-path"\n'
        "expression = 'http.request.method eq \"GET\"'\n"
        'characteristics = ["ip.src", "http.request.uri.path"]\n'
        "period = 10\nrequests_per_period = 1000000000\n"
    )


def security_tables() -> str:
    """50 firewall rules and 2 rate limits, as [[zones.*]] tables."""
    tables = []
    for index in range(50):
        expression = RULE_TEMPLATES[index % len(RULE_TEMPLATES)].format(n=index)
        tables.append(
            "[[zones.firewall_rules]]\n"
            f'id = "rule-{index}"\n'
            f"expression = '{expression}'\n"
            f'action = "{ACTIONS[index % len(ACTIONS)]}"\n'
        )
    tables.append(rate_limit_tables())
    return "\n".join(tables)


def start_edge(
    processes: Processes, work: Path, name: str, origin_port: int, zone_extra: str, edge_extra: str
) -> Proxy:
    directory = work / name
    directory.mkdir()
    port = free_port()
    config = directory / "edge.toml"
    config.write_text(
        f'[edge]\nlisten = ["127.0.0.1:{port}"]\nstate_dir = "{directory / "state"}"\n'
        f"{edge_extra}\n"
        f'[[zones]]\nname = "bench"\nhostnames = ["{HOST}"]\n'
        f'origins = ["http://127.0.0.1:{origin_port}"]\n\n{zone_extra}'
    )
    process = processes.start(
        [STOCKADE, "edge", "--config", str(config)], directory / "edge.log", directory
    )
    wait_for_port(port, timeout=30)
    return Proxy(name, process, port)


def redis_answers(url: str) -> bool:
    host, _, port = url.removeprefix("redis://").split("/")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ratios(runs: list[Run], baseline: str, name: str, metric: str) -> float:
    """The median over rounds of each round's `name` / `baseline` figure."""
    ours = [getattr(run, metric) for run in runs if run.proxy == name]
    theirs = [getattr(run, metric) for run in runs if run.proxy == baseline]
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def markdown_table(runs: list[Run], names: list[str]) -> str:
    lines = [
        "| edge | requests/s | p99 | CPU per request | requests/s vs none | goal | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name in names:
        mine = [run for run in runs if run.proxy == name]
        ratio = ratios(runs, "none", name, "requests_per_second")
        # The goal is the edge with rules and limits against the edge with neither.
        graded = name.startswith("rules")
        goal = f">= {GOAL:.1f}x" if graded else "—"
        met = ("yes" if ratio >= GOAL else "**no**") if graded else "—"
        lines.append(
            f"| {name} | {statistics.median(run.requests_per_second for run in mine):,.0f} "
            f"| {statistics.median(run.p99_ms for run in mine):.2f} ms "
            f"| {statistics.median(run.cpu_us_per_request for run in mine):.1f} µs "
            f"| {ratio:.2f}x | {goal} | {met} |"
        )
    return "\n".join(lines)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser)
    parser.add_argument(
        "--redis",
        default=DEFAULT_REDIS,
        help=f"Redis for the rules+redis edge (default {DEFAULT_REDIS}; left out if it "
        "does not answer).",
    )
    args = parser.parse_args()
    check_run_arguments(parser, args)
    return args


def main() -> None:
    args = parse_arguments()
    started = datetime.datetime.now().astimezone()
    version = stockade_version()
    with temporary_directory("stockade-bench-") as work, Processes() as processes:
        origin_pid, origin_port = start_origin(processes, work)
        tables = security_tables()
        edges = [
            start_edge(processes, work, "none", origin_port, "", ""),
            start_edge(processes, work, "limits", origin_port, rate_limit_tables(), ""),
            start_edge(processes, work, "rules", origin_port, tables, ""),
        ]
        if redis_answers(args.redis):
            prefix = f"stockade-bench:{os.getpid()}:"
            settings = f'redis_url = "{args.redis}"\nredis_key_prefix = "{prefix}"'
            edges.append(start_edge(processes, work, "rules+redis", origin_port, tables, settings))
        else:
            print(f"Redis at {args.redis} does not answer: rules+redis left out.")
        expected = (work / "origin" / "www" / FILE_NAME).read_bytes()
        time.sleep(1)  # the Redis edge connects in the background
        for edge in edges:
            check_serves_file(edge, expected)
        print(
            f"{machine_description()}; wrk 1 thread, {CONNECTIONS} connections, "
            f"{args.rounds} rounds of {args.duration:g} s after a {args.warmup:g} s warm-up",
            flush=True,
        )
        runs = benchmark(edges, origin_pid, args.rounds, args.duration, args.warmup)
        logs = {edge.name: (work / edge.name / "edge.log").read_text() for edge in edges}
    names = [edge.name for edge in edges]
    print()
    print(f"{started:%Y-%m-%d %H:%M %Z}; {machine_description()}; {version}")
    print(markdown_table(runs, names))
    print(noise_note(runs))
    for line in logs.get("rules+redis", "").splitlines():
        if "rate limits count" in line:
            print(f"rules+redis edge: {line}")
    failed = [run for run in runs if run.errors]
    if failed:
        print(f"\n{len(failed)} runs had errors (socket errors or non-2xx answers): see above.")


if __name__ == "__main__":
    main()
