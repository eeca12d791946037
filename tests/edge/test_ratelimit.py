"""Rate limits at the edge, counted locally: the exact boundary of a window, the
mitigation timeout, keys made of characteristics, memory under a flood of keys, the
firewall letting requests skip the limits, and what a limited request gets."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from pathlib import Path

import pytest

from stockade.edge.config import ConfigError, EdgeSettings, config_from_dict
from stockade.edge.ratelimit import CompiledLimit, KeyTable, LocalCounters
from stockade.edge.runtime import Edge
from stockade.policy import FirewallRule, RateLimit, Snapshot, Zone, ZoneError
from tests.edge.test_firewall import ORIGIN, get, reached_origin
from tests.support.contexts import request_context
from tests.support.wire import Wire, header


class Clock:
    """The edge's rate-limit clock in tests: they set the time."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(1_000_020.0)  # the start of a window of 10, 30 and 60 seconds


def limit(**fields: object) -> RateLimit:
    values: dict[str, object] = {"id": "burst", "requests_per_period": 3, "period": 10}
    values.update(fields)
    return RateLimit(**values)  # type: ignore[arg-type]


def make_wire(
    loop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    clock: Clock | None,
    *limits: RateLimit,
    rules: tuple[FirewallRule, ...] = (),
    peer: str = "203.0.113.7",
    edge: Edge | None = None,
) -> Wire:
    if edge is None:
        zone = Zone(
            name="forum",
            hostnames=("forum.example",),
            origins=(ORIGIN,),
            rate_limits=limits,
            firewall_rules=rules,
        )
        settings = EdgeSettings(challenge_key_file=str(tmp_path / "challenge.key"))
        edge = Edge(settings, Snapshot(revision=1, zones=(zone,)), loop)
    if clock is not None:
        edge.rate_counters.clock = clock.time
    wire = Wire(edge, peer=(peer, 40000))
    wire.pool_connection(ORIGIN)
    return wire


def passes(wire: Wire, path: bytes = b"/", extra: bytes = b"") -> bool:
    response = get(wire, path, extra)
    if response:
        assert response.startswith(b"HTTP/1.1 429 ")
        return False
    assert reached_origin(wire)
    return True


def test_n_requests_pass_the_next_is_limited_and_the_next_window_passes(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    wire = make_wire(loop, tmp_path, clock, limit(mitigation_timeout=0))
    clock.now += 9.999  # the last moment of the window
    assert [passes(wire) for _ in range(4)] == [True, True, True, False]
    clock.now += 0.001  # the first moment of the next
    assert [passes(wire) for _ in range(4)] == [True, True, True, False]
    assert wire.edge.metrics.rate_limits == {("forum", "burst", "block"): 2}
    assert wire.edge.rate_counters.checks == {"local": 8}


def test_the_mitigation_timeout_holds_across_windows(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    wire = make_wire(loop, tmp_path, clock, limit(mitigation_timeout=25))
    clock.now += 5
    assert [passes(wire) for _ in range(4)] == [True, True, True, False]
    clock.now += 24.5  # two windows later, 0.5 s of the mitigation left
    response = get(wire, b"/")
    assert header(response, b"retry-after") == b"1"
    clock.now += 0.5
    assert passes(wire)


def test_a_limited_request_gets_429_with_retry_after_in_the_visitors_format(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    wire = make_wire(loop, tmp_path, clock, limit(requests_per_period=1, mitigation_timeout=90))
    assert passes(wire)
    response = get(wire, b"/", b"Accept: application/json\r\n")
    assert response.startswith(b"HTTP/1.1 429 Too Many Requests\r\n")
    assert header(response, b"retry-after") == b"90"
    assert header(response, b"cache-control") == b"no-store"
    document = json.loads(response.partition(b"\r\n\r\n")[2])
    assert document["error_source"] == "rate_limit"
    assert not reached_origin(wire)


def test_local_counters_are_exact_at_the_boundary() -> None:
    counters = LocalCounters(1000)
    compiled = CompiledLimit(limit(requests_per_period=2, mitigation_timeout=0), "forum")
    start = 1_000_020.0
    assert [counters.hit(b"k", compiled, start + 9.5) for _ in range(3)] == [0.0, 0.0, 0.5]
    assert counters.hit(b"k", compiled, start + 10) == 0.0
    assert counters.hit(b"other", compiled, start + 10) == 0.0


def test_only_requests_the_expression_matches_count(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    wire = make_wire(
        loop,
        tmp_path,
        clock,
        limit(requests_per_period=1, expression='http.request.uri.path eq "/login"'),
    )
    assert [passes(wire, b"/login"), passes(wire, b"/login")] == [True, False]
    assert passes(wire, b"/")


def test_characteristics_make_distinct_keys() -> None:
    compiled = CompiledLimit(
        limit(
            characteristics=(
                "ip.src",
                'http.request.headers["X-Api-Key"]',
                'http.request.cookies["session"]',
                'http.request.uri.args["page"]',
                "http.request.uri.path",
            )
        ),
        "forum",
    )

    def key(url: bytes = b"/a?page=1", ip: str = "192.0.2.1", **headers: bytes) -> bytes:
        ctx = request_context(url=url)
        ctx.client_ip = ip
        ctx.headers = [(name.replace("_", "-").encode(), value) for name, value in headers.items()]
        return compiled.key(ctx)

    base = key(x_api_key=b"k1", cookie=b"theme=dark; session=s1")
    assert base == key(X_API_KEY=b"k1", Cookie=b"session=s1")
    assert base.startswith(b"forum\x00burst\x00")
    others = [
        key(x_api_key=b"k2", cookie=b"session=s1"),
        key(x_api_key=b"k1", cookie=b"session=s2"),
        key(b"/a?page=2", x_api_key=b"k1", cookie=b"session=s1"),
        key(b"/b?page=1", x_api_key=b"k1", cookie=b"session=s1"),
        key(ip="192.0.2.2", x_api_key=b"k1", cookie=b"session=s1"),
    ]
    assert len({base, *others}) == 6
    # A long value is counted by its hash: keys stay small.
    assert len(key(x_api_key=b"k" * 5000)) == len(b"forum\x00burst\x00") + 16


def test_limits_count_per_visitor_address(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    first = make_wire(loop, tmp_path, clock, limit(requests_per_period=1))
    assert [passes(first), passes(first)] == [True, False]
    assert passes(make_wire(loop, tmp_path, None, peer="198.51.100.9", edge=first.edge))


def test_local_memory_stays_bounded_under_100000_distinct_keys() -> None:
    counters = LocalCounters(100_000)
    compiled = CompiledLimit(limit(requests_per_period=5, period=60), "forum")
    now = 1_000_020.0
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(300_000):
            counters.hit(b"forum\x00burst\x00%d" % index, compiled, now)
            if index % 10_000 == 0:  # a visitor who keeps coming through the flood
                counters.hit(b"forum\x00burst\x00steady", compiled, now)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(counters.counts) <= 100_000
    assert used < 25_000_000, f"{used / 1e6:.1f} MB for 100,000 keys"
    # 31 counted: the steady visitor kept its count, so it is limited.
    assert counters.hit(b"forum\x00burst\x00steady", compiled, now) > 0


def test_a_key_table_drops_the_oldest_half_when_full() -> None:
    table = KeyTable(4)
    for index in range(4):
        table.set(b"%d" % index, index)
    assert table.get(b"0") == 0
    table.set(b"0", 10)  # read back: it moves to the newer half
    table.set(b"4", 4)
    table.set(b"5", 5)
    assert table.get(b"1") is None
    assert table.get(b"0") == 10


def test_a_firewall_skip_or_allow_passes_over_the_limits(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    rules = (
        FirewallRule(
            id="monitor",
            expression='http.user_agent eq "monitor"',
            action="skip",
            skip=("rate_limits",),
        ),
        FirewallRule(id="office", expression='http.request.uri.path eq "/office"', action="allow"),
    )
    wire = make_wire(loop, tmp_path, clock, limit(requests_per_period=1), rules=rules)
    assert all(passes(wire, b"/", b"User-Agent: monitor\r\n") for _ in range(3))
    assert all(passes(wire, b"/office") for _ in range(3))
    assert [passes(wire), passes(wire)] == [True, False]
    assert wire.edge.rate_counters.checks == {"local": 2}


def test_a_challenge_limit_challenges_a_visitor_without_clearance(
    loop: asyncio.AbstractEventLoop, tmp_path: Path, clock: Clock
) -> None:
    wire = make_wire(loop, tmp_path, clock, limit(requests_per_period=1, action="challenge"))
    assert passes(wire)
    assert b"Checking your browser" in get(wire, b"/", b"Accept: text/html\r\n")
    assert wire.edge.metrics.challenges == {("forum", "issued"): 1}
    assert wire.edge.metrics.rate_limits == {("forum", "burst", "challenge"): 1}


def test_the_access_log_names_the_limit() -> None:
    from stockade.edge.access_log import _record

    ctx = request_context()
    ctx.rate_limit = ("forum", "burst", "block")
    assert _record(0.0, ctx, 0.0).rate_limit == "burst"
    assert _record(0.0, request_context(), 0.0).rate_limit == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": "Bad Id"}, "is not usable: use 1 to 63 lower-case letters"),
        ({"expression": " "}, "has no expression"),
        ({"characteristics": ("http.request.headers[x]",)}, "is not a characteristic"),
        ({"characteristics": ("ip.src.country",)}, "is not a characteristic"),
        ({"period": 0}, "period 0 is out of range"),
        ({"requests_per_period": 0}, "requests_per_period must be 1 or more"),
        ({"mitigation_timeout": -1}, "mitigation_timeout -1 is out of range"),
    ],
)
def test_limits_that_cannot_be_served_are_refused_with_a_sentence(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ZoneError, match=message):
        limit(**fields)


def test_a_config_file_checks_rate_limit_keys_and_expressions() -> None:
    def config(**fields: object) -> None:
        table: dict[str, object] = {"id": "burst", "requests_per_period": 5}
        table.update(fields)
        config_from_dict(
            {
                "zones": [
                    {
                        "name": "forum",
                        "hostnames": ["forum.example"],
                        "origins": [ORIGIN],
                        "rate_limits": [table],
                    }
                ]
            },
            source="edge.toml",
        )

    config(characteristics=["ip.src", 'http.request.cookies["session"]'])
    with pytest.raises(ConfigError, match=r"zones\[0\].rate_limits\[0\] has an unknown key 'per'"):
        config(per=5)
    with pytest.raises(ConfigError, match="Zone 'forum', rate limit 'burst':\n") as error:
        config(expression="http.request.uri.path eq")
    assert "^" in str(error.value)
    with pytest.raises(ConfigError, match="two rate limits with the id 'burst'"):
        config_from_dict(
            {
                "zones": [
                    {
                        "name": "forum",
                        "hostnames": ["forum.example"],
                        "origins": [ORIGIN],
                        "rate_limits": [{"id": "burst", "requests_per_period": 1}] * 2,
                    }
                ]
            },
            source="edge.toml",
        )
