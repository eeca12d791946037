"""How fast a block reaches every edge.

Starts a control plane (SQLite), a demo origin and N edge processes following it; makes
CHANGES alternating block/unblock calls through the API, and for each one measures the
time from the API's answer to each edge answering with the new behaviour (451 after a
block, 200 after an unblock). Prints p50/p99/max over all (change, edge) pairs.

    python bench/propagation.py [--edges 8] [--changes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from pathlib import Path

import httpx
from harness import (
    STOCKADE,
    Processes,
    free_port,
    machine_description,
    stockade_version,
    temporary_directory,
    wait_for_port,
)

from stockade.demo import serve_demo_origin

HOST = "forum.example"
# An edge that has not changed behaviour after this long counts as a miss.
GIVE_UP = 10.0


def start_origin() -> int:
    """The demo origin, on its own event loop in a thread of this process."""
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        loop.run_until_complete(serve_demo_origin("127.0.0.1", port))
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return port


async def until_status(client: httpx.AsyncClient, edge: str, status: int, deadline: float) -> float:
    """Poll one edge until it answers `status`: the moment it did, or +inf."""
    while time.perf_counter() < deadline:
        try:
            response = await client.get(edge, headers={"host": HOST})
            if response.status_code == status:
                return time.perf_counter()
        except httpx.HTTPError:
            pass  # a block closes the zone's connections: reconnect and ask again
        await asyncio.sleep(0.001)
    return float("inf")


async def measure(control: str, token: str, edges: list[str], changes: int) -> list[float]:
    headers = {"authorization": f"Bearer {token}"}
    delays: list[float] = []
    async with (
        httpx.AsyncClient(base_url=control, headers=headers) as api,
        httpx.AsyncClient() as client,
    ):
        moments = await asyncio.gather(
            *(until_status(client, edge, 200, time.perf_counter() + 30) for edge in edges)
        )
        if float("inf") in moments:
            raise SystemExit("an edge never served the zone: rerun with KEEP_BENCH_DIR=1")
        for index in range(changes):
            block = index % 2 == 0
            if block:
                response = await api.post(
                    "/v1/zones/forum/enforcements",
                    json={
                        "action": "block",
                        "basis": "emergency",
                        "reason": "Blocked for the propagation benchmark.",
                        "notice_url": "https://provider.example/notices/bench",
                    },
                )
            else:
                response = await api.post("/v1/zones/forum/unblock")
            answered = time.perf_counter()
            response.raise_for_status()
            expected = 451 if block else 200
            moments = await asyncio.gather(
                *(until_status(client, edge, expected, answered + GIVE_UP) for edge in edges)
            )
            delays.extend(moment - answered for moment in moments)
    return delays


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(work: Path, edges: int, changes: int) -> list[float]:
    with Processes() as processes:
        control_port = free_port()
        processes.start(
            [
                STOCKADE,
                "control",
                "--data",
                str(work / "data"),
                "--listen",
                f"127.0.0.1:{control_port}",
            ],
            work / "control.log",
            cwd=work,
        )
        wait_for_port(control_port, timeout=30)
        control = f"http://127.0.0.1:{control_port}"
        token = (work / "data" / "admin-token").read_text().strip()
        key = httpx.get(f"{control}/v1/edge/key").json()["key"]
        origin_port = start_origin()
        httpx.post(
            f"{control}/v1/zones",
            headers={"authorization": f"Bearer {token}"},
            json={
                "name": "forum",
                "hostnames": [HOST],
                "origins": [f"http://127.0.0.1:{origin_port}"],
            },
        ).raise_for_status()
        urls = []
        for index in range(edges):
            port = free_port()
            command = [STOCKADE, "edge", "--listen", f"127.0.0.1:{port}", "--control", control]
            command += ["--control-key", key, "--control-token", token, "--name", f"bench-{index}"]
            command += ["--state-dir", str(work / f"edge-{index}")]
            processes.start(command, work / f"edge-{index}.log", cwd=work)
            urls.append(f"http://127.0.0.1:{port}/")
        for url in urls:
            wait_for_port(int(url.rsplit(":", 1)[1].rstrip("/")))
        return asyncio.run(measure(control, token, urls, changes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=8)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    with temporary_directory("stockade-propagation-") as work:
        delays = run(work, args.edges, args.changes)
    missed = sum(1 for delay in delays if delay == float("inf"))
    finite = [delay * 1000 for delay in delays if delay != float("inf")]
    print(f"{machine_description()}; {stockade_version()}")
    print(f"{args.changes} changes x {args.edges} edges = {len(delays)} observations")
    print(
        f"API answer -> edge enforces: p50 {statistics.median(finite):.1f} ms, "
        f"p99 {percentile(finite, 0.99):.1f} ms, max {max(finite):.1f} ms"
        + (f"; {missed} not within {GIVE_UP:.0f} s" if missed else "")
    )
    print("goal: p99 <= 250 ms on loopback")


if __name__ == "__main__":
    main()
