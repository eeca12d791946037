"""Rate-limit counters in Redis: the RESP wire format, the script against a real Redis,
two edge processes sharing one limit, and counting locally while Redis is away."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stockade.edge.ratelimit import CompiledLimit
from stockade.edge.shared_counters import (
    RedisError,
    Result,
    SharedCounters,
    command,
    parse_reply,
)
from stockade.policy import RateLimit
from tests.conftest import require_redis
from tests.support.origin import Origin
from tests.support.redis_server import RedisServer
from tests.support.zones import zone

PERIOD = 3600


def test_commands_are_arrays_of_bulk_strings() -> None:
    assert command(b"GET", b"a\r\nb") == b"*2\r\n$3\r\nGET\r\n$4\r\na\r\nb\r\n"


def test_replies_are_read_whole_or_not_at_all() -> None:
    data = b"*2\r\n:3\r\n*2\r\n$2\r\nok\r\n$-1\r\n+OK\r\n-ERR no\r\n"
    first = parse_reply(data, 0)
    assert first is not None
    assert first[0] == [3, [b"ok", None]]
    second = parse_reply(data, first[1])
    assert second is not None and second[0] == b"OK"
    third = parse_reply(data, second[1])
    assert third is not None and isinstance(third[0], RedisError)
    for end in range(1, first[1]):
        assert parse_reply(data[:end], 0) is None


def prefix() -> str:
    return f"stockade-test:{secrets.token_hex(6)}:"


@pytest.fixture
def origin() -> Iterator[Origin]:
    origin = Origin()
    yield origin
    origin.close()


def wait_out_window_end(period: int) -> None:
    """Start a test well inside a window, so that its counts share one."""
    left = period - time.time() % period
    if left < 20:
        time.sleep(left + 0.1)


def test_the_script_counts_exactly_and_holds_the_mitigation() -> None:
    url = require_redis()
    compiled = CompiledLimit(
        RateLimit(id="burst", requests_per_period=3, period=10, mitigation_timeout=30), "forum"
    )
    until_window_end = CompiledLimit(
        RateLimit(id="window", requests_per_period=1, period=10, mitigation_timeout=0), "forum"
    )
    results: list[Result] = []

    async def run() -> None:
        loop = asyncio.get_running_loop()
        counters = SharedCounters(url, prefix(), 1.0, loop)
        counters.start()
        while not counters.ready:
            await asyncio.sleep(0.01)
        now = time.time()
        window_start = now - now % 10
        for offset in (0.0, 0.1, 9.9, 9.95, 10.0, 39.0, 40.1):
            counters.count([compiled], [b"k"], window_start + offset, results.append)
        for offset in (0.0, 5.0, 10.0):
            counters.count([until_window_end], [b"w"], window_start + offset, results.append)
        while len(results) < 10:
            await asyncio.sleep(0.01)
        counters.close()

    asyncio.run(run())
    passed = [result is not None and result[0] == -1 for result in results]
    assert passed == [True, True, True, False, False, False, False, True, False, True]
    assert results[8] == (0, -1.0)  # limited until the window ends
    held = [result[1] for result in results[3:7] if result is not None]
    assert 29 < held[0] <= 30 and held[0] >= held[1] >= held[2]


def test_a_redis_with_a_password_and_a_database_number_is_logged_into() -> None:
    redis = RedisServer(password="s3cret")
    redis.start()
    compiled = CompiledLimit(RateLimit(id="burst", requests_per_period=1, period=60), "forum")
    results: list[Result] = []

    async def run() -> None:
        loop = asyncio.get_running_loop()
        counters = SharedCounters(redis.url.replace("/0", "/3"), prefix(), 1.0, loop)
        counters.start()
        deadline = loop.time() + 5
        while not counters.ready and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for _ in range(2):
            counters.count([compiled], [b"k"], time.time(), results.append)
        while len(results) < 2 and loop.time() < deadline:
            await asyncio.sleep(0.01)
        counters.close()

    try:
        asyncio.run(run())
    finally:
        redis.stop()
    assert [result[0] if result else None for result in results] == [-1, 0]


def edge_config(origin: Origin, requests: int) -> str:
    return zone("forum", ["forum.example"], [origin.url]) + (
        "\n[[zones.rate_limits]]\n"
        'id = "burst"\n'
        f"period = {PERIOD}\n"
        f"requests_per_period = {requests}\n"
        "mitigation_timeout = 120\n"
    )


def redis_settings(url: str, key_prefix: str) -> str:
    return f'redis_url = "{url}"\nredis_key_prefix = "{key_prefix}"\nredis_timeout = 0.2'


def wait_for_log(edge: object, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in edge.log():  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise AssertionError(f"'{text}' not logged:\n{edge.log()}")  # type: ignore[attr-defined]
        time.sleep(0.05)


def backend_counts(admin_port: int | None) -> dict[str, float]:
    text = httpx.get(f"http://127.0.0.1:{admin_port}/metrics").text
    return {
        state: float(value)
        for state, value in re.findall(
            r'stockade_edge_ratelimit_backend_total\{state="(\w+)"\} ([0-9.]+)', text
        )
    }


def statuses(base_url: str, count: int) -> list[int]:
    with httpx.Client(base_url=base_url, headers={"host": "forum.example"}) as client:
        return [client.get("/").status_code for _ in range(count)]


def test_two_edge_processes_share_one_limit_through_redis(edge_process, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    url = require_redis()
    settings = redis_settings(url, prefix())
    wait_out_window_end(PERIOD)
    first = edge_process.start(edge_config(origin, 5), admin=True, edge_settings=settings)
    second = edge_process.start(edge_config(origin, 5), admin=True, edge_settings=settings)
    for edge in (first, second):
        wait_for_log(edge, "rate limits count in Redis")
    assert statuses(first.url, 3) == [200, 200, 200]
    assert statuses(second.url, 2) == [200, 200]
    # The sixth request of the window, wherever it goes, is over the limit.
    with httpx.Client(base_url=first.url, headers={"host": "forum.example"}) as client:
        limited = client.get("/")
    assert limited.status_code == 429
    assert 119 <= int(limited.headers["retry-after"]) <= 120
    assert statuses(second.url, 1) == [429]
    assert len(origin.requests) == 5
    assert backend_counts(first.admin_port) == {"redis": 4.0}
    assert backend_counts(second.admin_port) == {"redis": 3.0}


def test_an_edge_counts_locally_while_redis_is_away_and_in_redis_again_after(
    edge_process, origin: Origin, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    redis = RedisServer()
    redis.start()
    try:
        wait_out_window_end(PERIOD)
        edge = edge_process.start(
            edge_config(origin, 3), admin=True, edge_settings=redis_settings(redis.url, prefix())
        )
        wait_for_log(edge, "rate limits count in Redis")
        assert statuses(edge.url, 2) == [200, 200]
        redis.stop()
        started = time.monotonic()
        # Counted locally from zero: three more pass, the fourth is limited.
        assert statuses(edge.url, 4) == [200, 200, 200, 429]
        assert time.monotonic() - started < 2.0
        wait_for_log(edge, "rate limits count locally: Redis at")
        counts = backend_counts(edge.admin_port)
        assert counts["redis"] == 2.0 and counts["fallback"] >= 4.0
        redis.start()
        wait_for_log(edge, "rate limits count in Redis at redis://127.0.0.1")
        wait_for_log(edge, "again")
        # A fresh Redis: the count starts again there, shared once more.
        assert statuses(edge.url, 4) == [200, 200, 200, 429]
        assert backend_counts(edge.admin_port)["redis"] == 6.0
        assert edge.log().count("rate limits count locally") == 1
    finally:
        redis.stop()


def test_logs_name_redis_without_its_password() -> None:
    loop = asyncio.new_event_loop()
    try:
        counters = SharedCounters("redis://:secret@10.0.0.7:6380/2", "p:", 0.05, loop)
    finally:
        loop.close()
    assert (counters.url, counters.password, counters.database) == (
        "redis://10.0.0.7:6380/2",
        "secret",
        "2",
    )
