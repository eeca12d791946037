"""A zone's rate limits at the edge: compiled once per snapshot, counted per visitor in
fixed windows, locally or in Redis (edge/shared_counters.py).

A limit counts the requests its expression matches, per key: the visitor's address and
the limit's other characteristics (a header, a cookie, a query parameter, the path). The
window of a request is floor(now / period), so a limit is exact at its boundary: the N-th
request of a window passes, the N+1-th gets the action, and the key then stays limited
for `mitigation_timeout` seconds (or until the window ends, if that is 0).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from stockade.edge.firewall import compile_rule, query_mark, request_values
from stockade.edge.pages import WAIT, Answer, Pages
from stockade.policy import RateLimit, Zone

if TYPE_CHECKING:
    from stockade.edge.challenge import ZoneChallenge
    from stockade.edge.lifecycle import RequestContext
    from stockade.edge.shared_counters import SharedCounters
    from stockade.rules import NamedLists
    from stockade.rules.standard import Locate

# Keys longer than this (long header values) are counted by their hash.
_LONG_KEY: Final = 64
# A key of the local table: its window in the high bits of the value, its count in the low.
_COUNT_BITS: Final = 32
_COUNT_MASK: Final = (1 << _COUNT_BITS) - 1

KeyPart = Callable[["RequestContext"], bytes]


class KeyTable:
    """A dict of at most `limit` keys: when the newer half is full it becomes the older
    half and the oldest keys go. A key read from the older half moves back to the newer
    one when it is written, so the keys in use stay and a flood of new ones cannot grow
    the table or push out a visitor who is still counting."""

    __slots__ = ("half", "older", "recent")

    def __init__(self, limit: int) -> None:
        self.half = max(1, limit // 2)
        self.recent: dict[bytes, int] = {}
        self.older: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.recent) + len(self.older)

    def get(self, key: bytes) -> int | None:
        value = self.recent.get(key)
        if value is None and self.older:
            value = self.older.pop(key, None)
        return value

    def set(self, key: bytes, value: int) -> None:
        recent = self.recent
        if len(recent) >= self.half and key not in recent:
            self.older = recent
            self.recent = recent = {}
        recent[key] = value


class LocalCounters:
    """Counters of one worker process, for limits without Redis or while it is away."""

    def __init__(self, max_keys: int) -> None:
        # key -> window << 32 | count
        self.counts = KeyTable(max_keys)
        # key -> end of its mitigation, in milliseconds since the epoch
        self.mitigated = KeyTable(max_keys)

    def hit(self, key: bytes, limit: CompiledLimit, now: float) -> float:
        """Count one request of `key` against `limit`: 0.0 if it passes, otherwise the
        seconds the key stays limited."""
        mitigated = self.mitigated
        if mitigated.recent or mitigated.older:
            until = mitigated.get(key)
            if until is not None and until > now * 1000:
                mitigated.set(key, until)
                return (until - now * 1000) / 1000
        # In ints: the same floor for a whole period, cheaper than float division.
        window = int(now) // limit.period
        counts = self.counts
        packed = counts.recent.get(key)
        if packed is not None and packed >> _COUNT_BITS == window:
            # The usual case, a key counting in its window: one lookup, one store.
            count = min((packed & _COUNT_MASK) + 1, _COUNT_MASK)
            counts.recent[key] = window << _COUNT_BITS | count
        else:
            if packed is None and counts.older:
                packed = counts.older.pop(key, None)
            count = 1
            if packed is not None and packed >> _COUNT_BITS == window:
                count = min((packed & _COUNT_MASK) + 1, _COUNT_MASK)
            counts.set(key, window << _COUNT_BITS | count)
        if count <= limit.requests:
            return 0.0
        held = limit.mitigation_timeout or (window + 1) * limit.period - now
        mitigated.set(key, math.ceil((now + held) * 1000))
        return held


class CompiledLimit:
    __slots__ = (
        "action",
        "always",
        "id",
        "label",
        "matches",
        "mitigation_timeout",
        "parts",
        "period",
        "prefix",
        "requests",
    )

    def __init__(self, limit: RateLimit, zone: str, lists: NamedLists | None = None) -> None:
        self.matches = compile_rule(limit, zone, lists).matches
        # Most limits count every request: no need to make the request's values for them.
        self.always = limit.expression.strip() == "true"
        self.id = limit.id
        self.action = limit.action
        self.label = (zone, limit.id, limit.action)
        self.period = limit.period
        self.requests = limit.requests_per_period
        self.mitigation_timeout = limit.mitigation_timeout
        # Zone and limit first: two limits never share a counter.
        self.prefix = f"{zone}\x00{limit.id}\x00".encode()
        self.parts = [
            key_part(characteristic)
            for characteristic in limit.characteristics
            if characteristic != "ip.src"
        ]

    def key(self, ctx: RequestContext, address: bytes | None = None) -> bytes:
        """The counter key of this request: zone, limit, address (`address`, if the
        caller has it encoded already), other characteristics."""
        if address is None:
            address = ctx.client_ip.encode()
        parts = self.parts
        if not parts:
            return self.prefix + address
        if len(parts) == 1:
            key = address + b"\x00" + parts[0](ctx)
        else:
            pieces = [address]
            for part in parts:
                pieces.append(part(ctx))
            key = b"\x00".join(pieces)
        if len(key) > _LONG_KEY:
            key = hashlib.blake2b(key, digest_size=16).digest()
        return self.prefix + key


def key_part(characteristic: str) -> KeyPart:
    """What a characteristic reads of a request (RateLimit checked its form)."""
    if characteristic == "http.request.uri.path":
        return _path
    kind, _, quoted = characteristic.partition("[")
    name = quoted[1:-2].encode()
    if kind == "http.request.headers":
        lowered = name.lower()
        return lambda ctx: ctx.header(lowered) or b""
    if kind == "http.request.cookies":
        return lambda ctx: _cookie(ctx.headers, name)
    return lambda ctx: _argument(ctx.url, name)


def _path(ctx: RequestContext) -> bytes:
    url = ctx.url
    mark = query_mark(url)
    return url if mark < 0 else url[:mark]


def _cookie(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    """The value of cookie `name` in the request's Cookie headers; empty when absent."""
    for header, value in headers:
        if header.lower() != b"cookie":
            continue
        for pair in value.split(b";"):
            key, sep, found = pair.strip().partition(b"=")
            if sep and key == name:
                return found
    return b""


def _argument(url: bytes, name: bytes) -> bytes:
    """The first value of query parameter `name`, as sent; empty when absent."""
    query = url.partition(b"?")[2]
    for pair in query.split(b"&"):
        key, _, found = pair.partition(b"=")
        if key == name:
            return found
    return b""


class RateCounters:
    """Where an edge worker counts: in Redis when it has one and it answers, else here."""

    def __init__(self, max_keys: int, shared: SharedCounters | None = None) -> None:
        self.local = LocalCounters(max_keys)
        self.shared = shared
        # Unix time; tests give their own clock.
        self.clock: Callable[[], float] = time.time
        # Requests counted, by where: redis, local (no Redis configured), fallback.
        self.checks: dict[str, int] = {}

    def counted(self, where: str) -> None:
        self.checks[where] = self.checks.get(where, 0) + 1


class ZoneRateLimits:
    """Every enabled rate limit of one zone, in order."""

    def __init__(
        self,
        zone: Zone,
        pages: Pages,
        challenge: ZoneChallenge | None,
        locate: Locate | None,
        counters: RateCounters,
        lists: NamedLists | None = None,
    ) -> None:
        self.limits = [
            CompiledLimit(limit, zone.name, lists) for limit in zone.rate_limits if limit.enabled
        ]
        self.every_request = all(limit.always for limit in self.limits)
        self.pages = pages
        self.challenge = challenge
        self.locate = locate
        self.counters = counters

    def check(self, ctx: RequestContext) -> Answer | None:
        """Count the request against each limit it matches: the answer of the first one
        it exceeds, None if it exceeds none, or WAIT while Redis counts."""
        if self.every_request:
            matched = self.limits
        else:
            values = request_values(ctx, self.locate)
            matched = [limit for limit in self.limits if limit.always or limit.matches(values)]
            if not matched:
                return None
        counters = self.counters
        shared = counters.shared
        now = counters.clock()
        if shared is not None and shared.ready:

            def answered(result: tuple[int, float] | None) -> None:
                if result is None:  # Redis failed or was late: count here instead
                    counters.counted("fallback")
                    answer = self.count_locally(ctx, matched, counters.clock())
                else:
                    counters.counted("redis")
                    index, held = result
                    answer = None
                    if index >= 0:
                        limit = matched[index]
                        if held < 0:  # until the window ends
                            held = (now // limit.period + 1) * limit.period - now
                        answer = self.act(ctx, limit, held)
                resume = ctx.resume
                if resume is not None:
                    resume(answer)

            shared.count(matched, [limit.key(ctx) for limit in matched], now, answered)
            return WAIT
        counters.counted("local" if shared is None else "fallback")
        return self.count_locally(ctx, matched, now)

    def count_locally(
        self, ctx: RequestContext, matched: list[CompiledLimit], now: float
    ) -> Answer | None:
        local = self.counters.local
        address = ctx.client_ip.encode()
        for limit in matched:
            held = local.hit(limit.key(ctx, address), limit, now)
            if held:
                return self.act(ctx, limit, held)
        return None

    def act(self, ctx: RequestContext, limit: CompiledLimit, held: float) -> Answer | None:
        """What a request over `limit` gets, the key being limited `held` seconds more."""
        ctx.rate_limit = limit.label
        if limit.action == "challenge" and self.challenge is not None:
            return self.challenge.demand(ctx)
        too_many = self.pages.error(429)
        retry_after = b"retry-after: %d\r\n" % max(1, math.ceil(held))
        return Answer(429, retry_after, too_many.pages)
