"""The edge's Redis connection for rate limits against redis-py's asyncio client: CPU
time in the client process per counted request, and requests counted per second.

Both run the same rate-limit script (EVALSHA, one limit, a key per request) against the
same Redis, in waves of 64 requests at once, as 64 visitor connections would send them:
the edge's SharedCounters (edge/shared_counters.py, its commands of one loop iteration in
one write) and redis-py's `Redis.evalsha` gathered over its connection pool, the way an
asyncio program would call it. Needs redis-py (`pip install redis`) and a Redis
(default 127.0.0.1:6379); keys go under a prefix of their own and expire within seconds.

    python bench/redis_client.py [--requests 20000] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from stockade.edge.ratelimit import CompiledLimit
from stockade.edge.shared_counters import SCRIPT, SCRIPT_SHA, SharedCounters
from stockade.policy import RateLimit

WAVE = 64
LIMIT = CompiledLimit(RateLimit(id="bench", period=10, requests_per_period=1_000_000_000), "bench")


async def edge_client(url: str, prefix: str, requests: int) -> float:
    """Seconds of CPU for `requests` counted by the edge's own connection."""
    loop = asyncio.get_running_loop()
    counters = SharedCounters(url, prefix, 1.0, loop)
    counters.start()
    while not counters.ready:
        await asyncio.sleep(0.01)
    started = time.process_time()
    replies: list[object] = []

    def answered(result: object) -> None:
        replies.append(result)
        if len(replies) == WAVE:
            wave_done.set_result(None)

    for wave in range(requests // WAVE):
        replies.clear()
        wave_done = loop.create_future()
        now = time.time()
        for index in range(WAVE):
            counters.count([LIMIT], [b"%d-%d" % (wave, index)], now, answered)
        await wave_done
    cpu = time.process_time() - started
    counters.close()
    return cpu


async def redis_py_client(url: str, prefix: str, requests: int) -> float:
    """Seconds of CPU for `requests` counted through redis-py's asyncio client."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(url)
    await client.script_load(SCRIPT)
    started = time.process_time()
    for wave in range(requests // WAVE):
        now = time.time()
        window = int(now // LIMIT.period)
        await asyncio.gather(
            *(
                client.evalsha(
                    SCRIPT_SHA.decode(),
                    2,
                    f"{prefix}c:{window}:{wave}-{index}",
                    f"{prefix}m:{wave}-{index}",
                    LIMIT.requests,
                    11_000,
                    LIMIT.mitigation_timeout * 1000,
                )
                for index in range(WAVE)
            )
        )
    cpu = time.process_time() - started
    await client.aclose()
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        uvloop = None
    figures: dict[str, list[float]] = {"edge": [], "redis-py": []}
    for round_index in range(args.rounds):
        for name, client in (("edge", edge_client), ("redis-py", redis_py_client)):
            prefix = f"stockade-bench:{os.getpid()}:{round_index}:{name}:"
            wall = time.perf_counter()
            runner = uvloop.run if uvloop is not None else asyncio.run
            cpu = runner(client(args.redis, prefix, args.requests))
            wall = time.perf_counter() - wall
            figures[name].append(cpu * 1e6 / args.requests)
            print(
                f"round {round_index + 1} {name:<8} {cpu * 1e6 / args.requests:6.1f} µs CPU "
                f"per request, {args.requests / wall:8,.0f} requests/s",
                flush=True,
            )
    edge, redis_py = (statistics.median(figures[name]) for name in ("edge", "redis-py"))
    print(
        f"\nmedian CPU per counted request: edge {edge:.1f} µs, redis-py {redis_py:.1f} µs "
        f"({redis_py / edge:.1f}x)"
    )


if __name__ == "__main__":
    main()
