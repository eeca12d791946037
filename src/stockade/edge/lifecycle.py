"""The life of one proxied request: one method per phase, in the order they run.

A phase that answers the request itself returns the `Answer` to send and the chain
stops; `None` lets the request go on. `logging` always runs, with the error if there was
one. Phases run on the hot path: they are plain methods, never coroutines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from mypy_extensions import mypyc_attr

from stockade.edge.sampler import sample_response

if TYPE_CHECKING:
    from collections.abc import Callable

    from stockade.edge.origins import Origin
    from stockade.edge.pages import Answer
    from stockade.edge.routing import ZoneRoute
    from stockade.edge.runtime import Edge
    from stockade.edge.sampler import Sample
    from stockade.rules import RequestValues

ErrorSource = Literal["downstream", "upstream", "edge"]

# Bits of RequestContext.skips: later phases an access or firewall rule let a request pass.
SKIP_FIREWALL: Final = 1
SKIP_RATE_LIMITS: Final = 2
SKIP_CHALLENGE: Final = 4
SKIP_ALL: Final = SKIP_FIREWALL | SKIP_RATE_LIMITS | SKIP_CHALLENGE


@dataclass(slots=True)
class ProxyError:
    """What went wrong, where (the visitor, the origin, or the edge), and if a retry may help."""

    source: ErrorSource
    message: str
    retryable: bool = False


class RequestContext:
    """Everything known about one request, passed to every phase.

    A plain class rather than a dataclass: in the compiled build a dataclass's generated
    `__init__` stays interpreted, and one of these is made for every request."""

    __slots__ = (
        "access",
        "body_size",
        "challenge",
        "client_ip",
        "error",
        "firewall_matches",
        "headers",
        "host",
        "http_version",
        "method",
        "origin",
        "rate_limit",
        "request_bytes",
        "request_id",
        "response_bytes",
        "resume",
        "route",
        "rule_values",
        "scheme",
        "skips",
        "sni",
        "started",
        "status",
        "upstream_latency",
        "upstream_started",
        "url",
    )

    def __init__(
        self,
        request_id: bytes,
        method: bytes,
        url: bytes,
        http_version: str,
        host: bytes,
        headers: list[tuple[bytes, bytes]],
        client_ip: str,
        scheme: bytes,
        started: float,
        sni: str | None = None,
    ) -> None:
        self.request_id = request_id
        self.method = method
        self.url = url
        self.http_version = http_version
        self.host = host
        self.headers = headers
        self.client_ip = client_ip
        self.scheme = scheme
        self.started = started  # time.perf_counter() when the request head was read
        self.sni = sni
        self.route: ZoneRoute | None = None
        self.origin: Origin | None = None
        self.status = 0
        self.request_bytes = 0
        self.response_bytes = 0
        self.upstream_started = 0.0
        self.upstream_latency = -1.0
        self.error: ProxyError | None = None
        # What the access rules did: allow, block, challenge, or "" (no rule matched).
        self.access = ""
        # What the challenge phase did: issued, failed, passed, cleared, or "" (nothing).
        self.challenge = ""
        self.body_size = 0  # as Content-Length announces it
        # (zone, rule id, action) of each firewall rule that matched, if any did.
        self.firewall_matches: list[tuple[str, str, str]] | None = None
        # Later phases to pass over (SKIP_* bits), as an access or firewall rule decided.
        self.skips = 0
        # The request as rules read it, made by the first phase that runs a rule.
        self.rule_values: RequestValues | None = None
        # (zone, rate limit id, action) of the rate limit this request exceeded, if any.
        self.rate_limit: tuple[str, str, str] | None = None
        # Set while `request_filter` waits (it returned WAIT): called with its answer.
        self.resume: Callable[[Answer | None], None] | None = None

    def header(self, name: bytes) -> bytes | None:
        """The first value of a request header; `name` in lower case."""
        for header, value in self.headers:
            if header.lower() == name:
                return value
        return None


# Compiled builds (docs/performance.md) keep this class open to subclasses in Python.
@mypyc_attr(allow_interpreted_subclasses=True)
class Lifecycle:
    """Stockade's phases, in the order they run; `request_filter` holds the security
    phases of a zone: enforcement, access rules, firewall rules, rate limits, challenge."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge

    def route(self, ctx: RequestContext) -> Answer | None:
        """Fires once the request headers are read: find the zone by Host (404 if none).

        On TLS, a Host served by another zone than the SNI name chose answers 421."""
        table = self.edge.table
        route = table.lookup(ctx.host)
        if route is None:
            return self.edge.pages.error(404)
        if ctx.sni is not None and table.find(ctx.sni) is not route:
            return self.edge.pages.error(421)
        ctx.route = route
        return None

    def request_filter(self, ctx: RequestContext) -> Answer | None:
        """Fires after `route`, before any origin is chosen; may answer the request itself.

        Enforcement (zone, geo and path blocks, warnings) comes first, then the access
        rules (edge/access.py), the firewall rules (edge/firewall.py), the rate limits
        (edge/ratelimit.py) and the challenge of a zone under attack (edge/challenge.py),
        each unless an earlier rule let the request pass it.

        May return WAIT: the rate limits' counters are in Redis and the answer is on its
        way; `ctx.resume` is then called with what `rate_limited` makes of it."""
        route = ctx.route
        assert route is not None
        enforcement = route.enforcement
        if enforcement is not None:
            answer = enforcement.check(ctx)
            if answer is not None:
                return answer
        access = route.access
        if access is not None:
            answer = access.check(ctx)
            if answer is not None:
                return answer
        firewall = route.firewall
        if firewall is not None and not ctx.skips & SKIP_FIREWALL:
            answer = firewall.check(ctx)
            if answer is not None:
                return answer
        rate_limits = route.rate_limits
        if rate_limits is not None and not ctx.skips & SKIP_RATE_LIMITS:
            answer = rate_limits.check(ctx)
            if answer is not None:
                return answer
        return self.challenge(ctx)

    def rate_limited(self, ctx: RequestContext, answer: Answer | None) -> Answer | None:
        """Fires when the rate limits' answer to a request that waited for it arrives
        (None: within the limits); the rest of `request_filter` runs from there."""
        if answer is not None:
            return answer
        return self.challenge(ctx)

    def challenge(self, ctx: RequestContext) -> Answer | None:
        """The last part of `request_filter`: the zone's challenge, if it has one."""
        assert ctx.route is not None
        challenge = ctx.route.challenge
        if challenge is not None and not ctx.skips & SKIP_CHALLENGE:
            return challenge.check(ctx)
        return None

    def upstream_peer(self, ctx: RequestContext) -> Origin | None:
        """Fires before each attempt to reach an origin: pick one (None: all are down)."""
        assert ctx.route is not None
        return ctx.route.pick_origin()

    def response_filter(self, ctx: RequestContext, status: int, headers: list[bytes]) -> None:
        """Fires when the origin's response head arrives, before it is sent on; `headers`
        holds encoded header lines and may be added to."""

    def sample(self, ctx: RequestContext, headers: list[tuple[bytes, bytes]]) -> Sample | None:
        """Fires with the head of an origin's 200 response that the zone's sample_rate
        picked: a Sample to keep the body in (edge/sampler.py), or None. An edge without a
        control plane has nowhere to send samples and keeps none."""
        route = ctx.route
        if self.edge.samples is None or route is None:
            return None
        return sample_response(ctx, route.sample_types, headers)

    def logging(self, ctx: RequestContext) -> None:
        """Fires when the exchange ends, whatever happened, with `ctx.error` if any."""
        self.edge.metrics.observe(ctx)
        if self.edge.access_log is not None:
            self.edge.access_log.record(ctx)
