"""A zone's firewall rules at the edge: compiled once per snapshot, run in order against
each request of the zone.

Each rule is an expression of the rules language (stockade.rules) and an action:
`block` answers the request, `challenge` sends a visitor without clearance to the
proof of work, `log` only counts, `skip` passes over later phases, `allow` ends the rules
and lets the request past the challenge. Every match is counted per rule in the metrics
and named in the request's access-log line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from stockade.edge.lifecycle import SKIP_CHALLENGE, SKIP_RATE_LIMITS
from stockade.edge.pages import Answer, FixedPage, Pages
from stockade.policy import FirewallRule, RateLimit, Zone, ZoneError
from stockade.rules import Filter, FilterList, NamedLists, RequestValues, RuleError, compile
from stockade.rules.standard import Locate, decode_text

if TYPE_CHECKING:
    from stockade.edge.challenge import ZoneChallenge
    from stockade.edge.lifecycle import RequestContext

_SKIPS: Final = {"rate_limits": SKIP_RATE_LIMITS, "challenge": SKIP_CHALLENGE}
# http.request.version of the versions requests come in, made once.
_VERSIONS: Final = {version: f"HTTP/{version}" for version in ("1.0", "1.1", "2", "2.0", "3")}


def compile_rule(
    rule: FirewallRule | RateLimit, zone: str, lists: NamedLists | None = None
) -> Filter:
    """The expression of a firewall rule or a rate limit compiled with the zone's named
    lists; ZoneError names the zone and the rule."""
    try:
        return compile(rule.expression, lists=lists)
    except RuleError as error:
        kind = "rate limit" if isinstance(rule, RateLimit) else "firewall rule"
        raise ZoneError(f"Zone '{zone}', {kind} '{rule.id}':\n{error}") from None


class CompiledRule:
    __slots__ = ("action", "answer", "ends", "filter", "label", "skips")

    def __init__(
        self, rule: FirewallRule, zone: str, pages: Pages, lists: NamedLists | None
    ) -> None:
        self.filter = compile_rule(rule, zone, lists)
        self.action = rule.action
        # (zone, rule id, action): the metric's labels, made once.
        self.label = (zone, rule.id, rule.action)
        self.ends = rule.action in ("block", "allow") or "rules" in rule.skip
        self.skips = sum(_SKIPS.get(phase, 0) for phase in rule.skip)
        if rule.action == "allow":
            self.skips = SKIP_RATE_LIMITS | SKIP_CHALLENGE
        self.answer = _block_answer(rule, pages) if rule.action == "block" else None


class ZoneFirewall:
    """Every enabled firewall rule of one zone, in order, compiled into one function
    (stockade.rules.FilterList) that gives the rules a request matches, in order."""

    def __init__(
        self,
        zone: Zone,
        pages: Pages,
        challenge: ZoneChallenge | None,
        locate: Locate | None,
        lists: NamedLists | None = None,
    ) -> None:
        self.rules = [
            CompiledRule(rule, zone.name, pages, lists)
            for rule in zone.firewall_rules
            if rule.enabled
        ]
        self.matching = FilterList([rule.filter for rule in self.rules]).matching
        self.challenge = challenge
        self.locate = locate

    def check(self, ctx: RequestContext) -> Answer | None:
        """Run the rules; the answer of a block or of a challenge, or None to go on."""
        rules = self.rules
        for index in self.matching(request_values(ctx, self.locate)):
            rule = rules[index]
            matched = ctx.firewall_matches
            if matched is None:
                matched = ctx.firewall_matches = []
            matched.append(rule.label)
            ctx.skips |= rule.skips
            if rule.answer is not None:
                return rule.answer
            if rule.action == "challenge" and self.challenge is not None:
                answer = self.challenge.demand(ctx)
                if answer is not None:
                    return answer
            if rule.ends:
                return None
        return None


def request_values(ctx: RequestContext, locate: Locate | None) -> RequestValues:
    """The request as rules read it, made once and kept for the phases after."""
    values = ctx.rule_values
    if values is None:
        url = ctx.url
        mark = query_mark(url)
        values = ctx.rule_values = RequestValues(
            method=ctx.method.decode("latin-1"),
            host=decode_text(ctx.host),
            path=decode_text(url if mark < 0 else url[:mark]),
            query="" if mark < 0 else decode_text(url[mark + 1 :]),
            version=_VERSIONS.get(ctx.http_version) or "HTTP/" + ctx.http_version,
            raw_headers=ctx.headers,
            ip=ctx.client_ip,
            tls=ctx.scheme == b"https",
            body_size=ctx.body_size,
            locate=locate,
        )
    return values


def query_mark(url: bytes) -> int:
    """Where the "?" of `url` is, or -1. A loop, which compiles to a few instructions a
    byte: bytes.find parses its arguments as a tuple, and `in` first tries its argument
    as an int and formats an error message, each costing more than all the rest of
    making a request's values."""
    for index in range(len(url)):
        if url[index] == 0x3F:
            return index
    return -1


def _block_answer(rule: FirewallRule, pages: Pages) -> Answer:
    """The rule's own body as given, or else the edge's page in the visitor's format."""
    if not rule.body:
        return pages.firewall_block(rule.status)
    # A body the site's owner wrote is served as written, whatever the visitor accepts.
    page = FixedPage(f"{rule.content_type}; charset=utf-8".encode(), rule.body.encode(), b"")
    return Answer(rule.status, b"", (page, page, page))
