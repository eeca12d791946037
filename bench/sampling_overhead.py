"""What sampling served content for watch costs the edge: CPU per request and requests/s.

Two edges proxy the same nginx origin serving a 2 KiB HTML page, each following its own
stand-in control plane on loopback, in this script's process: it signs one snapshot and
counts the samples it is sent without decoding them, so that it takes next to no CPU
from the machine the edges, nginx and wrk share (it prints how much it took). One edge's
zone samples nothing, the other's samples at --rate. wrk drives each in turn, round after
round, as in bench/edge_vs_nginx.py.

The edge measured is the `stockade` beside the Python running the script: run it with
.venv-compiled/bin/python (`make compiled`) to measure the build a release ships; the
header line says `compiled` or `source`.

    .venv-compiled/bin/python bench/sampling_overhead.py [--rate 0.1] [--rounds 5] [--duration 10]

Goal (issue 5): sampling at 10% costs <= 5% of the edge. The edge is bound by its own CPU
here, so CPU per request decides: it moves least on a busy machine, and requests/s
follows it. Latest figures are in bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import msgspec
from edge_vs_nginx import (
    FILE_NAME,
    FILE_SIZE,
    HOST,
    Processes,
    Proxy,
    Run,
    benchmark,
    check_serves_file,
    noise_note,
    start_edge,
    start_nginx,
)
from harness import (
    free_port,
    machine_description,
    stockade_version,
    temporary_directory,
)
from tests.support.loopback_server import QuietHandler, loopback_server

from stockade.policy import SigningKey, Snapshot, Zone, sign_snapshot


class CountedBatch(msgspec.Struct):
    """A batch of samples read only as far as counting them: each stays undecoded."""

    samples: list[msgspec.Raw]


_count_batch = msgspec.msgpack.Decoder(CountedBatch)

GOAL_COST = 0.05
# Every file is served as HTML: the page keeps the name edge_vs_nginx.Proxy.url asks for.
HTML_ORIGIN = """\
    server {{
        listen 127.0.0.1:{port} default_server;
        root {prefix}/www;
        default_type text/html;
        open_file_cache max=16;
    }}
"""


@contextmanager
def stand_in_control_plane(key: SigningKey, zone: Zone, received: list[int]) -> Iterator[str]:
    """A feed that serves one signed snapshot, and a sink that counts the samples."""
    signed = sign_snapshot(Snapshot(revision=1, zones=(zone,)), key)

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            after = int(parse_qs(urlparse(self.path).query).get("after", ["0"])[0])
            if after >= 1:
                time.sleep(5)  # a long poll with nothing new
                self.answer(204, b"")
            else:
                self.answer(200, signed)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received.append(len(_count_batch.decode(body).samples))
            self.answer(200, b'{"stored": 0, "duplicates": 0, "empty": 0}')

    with loopback_server(Handler) as url:
        yield url


def follow(processes: Processes, work: Path, name: str, control_url: str, key: SigningKey) -> Proxy:
    """An edge following the stand-in control plane at `control_url`."""
    flags = ["--control", control_url, "--control-key", key.verify_key().to_text()]
    return start_edge(processes, work / name, name, [*flags, "--state-dir", str(work / name)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()
    started = datetime.datetime.now().astimezone()
    # Taken before the edges start: src/ may change while the benchmark runs.
    version = stockade_version()
    print(f"{machine_description()}; {version}", flush=True)
    key = SigningKey.generate()
    with temporary_directory("sampling-") as work, Processes() as processes:
        www = work / "origin" / "www"
        www.mkdir(parents=True)
        paragraph = "<p>" + os.urandom(FILE_SIZE // 4).hex()[: FILE_SIZE // 2] + "</p>"
        page = f"<html><body>{paragraph * 2}</body></html>".encode()
        (www / FILE_NAME).write_bytes(page)
        origin_port = free_port()
        origin = start_nginx(
            processes,
            work / "origin",
            HTML_ORIGIN.format(port=origin_port, prefix=work / "origin"),
            origin_port,
        )
        zone = Zone(name="bench", hostnames=(HOST,), origins=(f"http://127.0.0.1:{origin_port}",))
        sampled_zone = msgspec.structs.replace(zone, sample_rate=args.rate)
        plain_samples: list[int] = []
        samples: list[int] = []
        with (
            stand_in_control_plane(key, zone, plain_samples) as plain_url,
            stand_in_control_plane(key, sampled_zone, samples) as sampled_url,
        ):
            plain = follow(processes, work, "off", plain_url, key)
            sampled = follow(processes, work, f"at {args.rate:g}", sampled_url, key)
            for proxy in (plain, sampled):
                deadline = time.monotonic() + 30
                while True:  # until the edge has applied its snapshot
                    try:
                        check_serves_file(proxy, page)
                        break
                    except SystemExit:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
            # This process: the stand-ins' threads, and waiting for wrk.
            script_cpu, script_wall = time.process_time(), time.monotonic()
            warmups: list[Run] = []
            runs = benchmark(
                [plain, sampled], origin.pid, args.rounds, args.duration, args.warmup, warmups
            )
            time.sleep(2)  # the last batch
            script_cpu = time.process_time() - script_cpu
            script_wall = time.monotonic() - script_wall
    # Samples of the warm-up are received too: count its requests with them.
    served = sum(run.requests for run in [*runs, *warmups] if run.proxy == sampled.name)
    report(args.rate, runs, sum(samples) / max(served, 1), sum(plain_samples), started, version)
    print(
        f"the stand-in control planes and this script used {script_cpu:.2f} s of CPU in "
        f"{script_wall:.0f} s ({100 * script_cpu / script_wall:.1f}% of a CPU)"
    )


def report(
    rate: float,
    runs: list[Run],
    share: float,
    plain_samples: int,
    started: datetime.datetime,
    version: str,
) -> None:
    """`share`: samples received per request the sampling edge served."""
    off, sampling = runs[0::2], runs[1::2]
    label = f"at {rate:g}"
    print()
    print(f"{started:%Y-%m-%d %H:%M %Z}; {machine_description()}; {version}")
    cpu = {}
    for name, chosen in (("off", off), (label, sampling)):
        median = statistics.median(run.requests_per_second for run in chosen)
        cpu[name] = statistics.median(run.cpu_us_per_request for run in chosen)
        kernel = statistics.median(run.system_us_per_request for run in chosen)
        print(
            f"sampling {name:>7}: median {median:,.0f} req/s, edge CPU {cpu[name]:.1f} µs per "
            f"request (kernel {kernel:.1f}), over {len(chosen)} rounds"
        )
    print(
        f"samples received: {share:.1%} of the requests the sampling edge served; none from "
        f"the edge that does not sample: {plain_samples == 0}"
    )
    cpu_ratios = [
        on.cpu_us_per_request / plain.cpu_us_per_request
        for plain, on in zip(off, sampling, strict=True)
    ]
    rate_ratios = [
        on.requests_per_second / plain.requests_per_second
        for plain, on in zip(off, sampling, strict=True)
    ]
    extra = statistics.median(cpu_ratios) - 1
    per_sample = (cpu[label] - cpu["off"]) / share if share else 0.0
    print(
        f"edge CPU per request with sampling: {extra:+.1%} (median of per-round ratios "
        f"{', '.join(f'{ratio:.3f}' for ratio in cpu_ratios)}), about {per_sample:.1f} µs "
        f"per sample; goal <= {GOAL_COST:.0%} at 0.1 ({'met' if extra <= GOAL_COST else 'MISSED'})"
    )
    cost = 1 - statistics.median(rate_ratios)
    print(
        f"requests/s with sampling: {-cost:+.1%} (median of per-round ratios "
        f"{', '.join(f'{ratio:.3f}' for ratio in rate_ratios)})"
    )
    print(noise_note(runs))


if __name__ == "__main__":
    main()
