"""Access rules at the edge: allow, block or challenge visitors by IP address or CIDR
block, autonomous system (ASN) and country. Compiled once per snapshot into one
structure per zone; zones without access rules skip the phase.

Which rule wins (docs/edge.md, "Access rules"): the most specific match, as Cloudflare's
IP Access Rules do: an IP or CIDR match (the longest prefix among them) over an ASN match
over a country match. When one value is in rules of different actions, the strictest
wins (block, then challenge, then allow): rules merged from several lists must not open
a hole that one of them closed.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING, Any, Final

from stockade.edge.lifecycle import SKIP_ALL
from stockade.edge.pages import Answer, Pages
from stockade.policy import Zone, address_number, parse_network

if TYPE_CHECKING:
    from stockade.edge.challenge import ZoneChallenge
    from stockade.edge.geo import AsnLookup, CountryLookup
    from stockade.edge.lifecycle import RequestContext

# Actions as numbers ordered by strictness, so that a tie is settled by `max`.
NO_MATCH: Final = -1
ALLOW: Final = 0
CHALLENGE: Final = 1
BLOCK: Final = 2
ACTIONS: Final = ("allow", "challenge", "block")
_ACTION_NUMBERS: Final = {"allow": ALLOW, "challenge": CHALLENGE, "block": BLOCK}


class NetworkSet:
    """CIDR blocks of one IP version, each with an action, as disjoint intervals sorted by
    their first address: an address's action is one bisection away (O(log n)), the most
    specific block having already won where blocks nest."""

    __slots__ = ("actions", "starts")

    def __init__(self, bits: int, networks: dict[int, int]) -> None:
        """`networks` maps network keys (`network_key`) to actions."""
        # starts[i] is where the interval of actions[i] begins; it ends where the next begins.
        self.starts: list[int] = [0]
        self.actions: list[int] = [NO_MATCH]
        # Blocks containing the current address, the innermost last: (last address, action).
        enclosing: list[tuple[int, int]] = []
        # CIDR blocks nest or are apart, never overlap partly: sorted by first address, then
        # widest first, each one either lies inside the innermost open block or after it.
        for key, action in sorted(networks.items()):
            first, prefix = key >> 8, key & 0xFF
            while enclosing and enclosing[-1][0] < first:
                self._close(enclosing)
            self._mark(first, action)
            enclosing.append((first + (1 << (bits - prefix)) - 1, action))
        while enclosing:
            self._close(enclosing)

    def _close(self, enclosing: list[tuple[int, int]]) -> None:
        last = enclosing.pop()[0]
        self._mark(last + 1, enclosing[-1][1] if enclosing else NO_MATCH)

    def _mark(self, start: int, action: int) -> None:
        """From `start` on, addresses take `action`; neighbours with one action merge."""
        starts, actions = self.starts, self.actions
        if starts[-1] == start:
            actions[-1] = action
            if len(actions) > 1 and actions[-2] == action:
                starts.pop()
                actions.pop()
        elif actions[-1] != action:
            starts.append(start)
            actions.append(action)

    def action(self, address: int) -> int:
        return self.actions[bisect_right(self.starts, address) - 1]


def network_key(first: int, prefix: int) -> int:
    """One integer that sorts blocks by first address, then widest first: sorting 100,000
    integers takes a fraction of the time tuples of two would."""
    return first << 8 | prefix


class ZoneAccess:
    """Every access rule of one zone, compiled."""

    __slots__ = (
        "_asn_lookup",
        "_challenge",
        "_country_lookup",
        "_pages",
        "asns",
        "countries",
        "ipv4",
        "ipv6",
        "unmatched",
    )

    def __init__(
        self,
        zone: Zone,
        pages: Pages,
        countries: CountryLookup | None,
        asns: AsnLookup | None,
        challenge: ZoneChallenge | None = None,
    ) -> None:
        ipv4: dict[int, int] = {}
        ipv6: dict[int, int] = {}
        self.countries: dict[str, int] = {}
        self.asns: dict[int, int] = {}
        for rule in zone.access_rules:
            action = _ACTION_NUMBERS[rule.action]
            for network in rule.ips:
                bits, first, prefix = parse_network(network)
                table = ipv4 if bits == 32 else ipv6
                _keep_strictest(table, network_key(first, prefix), action)
            for country in rule.countries:
                _keep_strictest(self.countries, country, action)
            for asn in rule.asns:
                _keep_strictest(self.asns, asn, action)
        self.ipv4 = NetworkSet(32, ipv4) if ipv4 else None
        self.ipv6 = NetworkSet(128, ipv6) if ipv6 else None
        # A database is consulted only by zones with rules of its kind.
        self._country_lookup = countries if self.countries else None
        self._asn_lookup = asns if self.asns else None
        # Kinds of rules this zone has but the edge cannot match, having no database for them.
        self.unmatched = [
            kind
            for kind, rules, lookup in (
                ("country", self.countries, countries),
                ("ASN", self.asns, asns),
            )
            if rules and lookup is None
        ]
        self._challenge = challenge
        self._pages = pages

    # the phase

    def check(self, ctx: RequestContext) -> Answer | None:
        """The page for a blocked visitor, the challenge for one to challenge without
        clearance; otherwise None, an allowed visitor passing the later security phases."""
        action = self.action(ctx.client_ip)
        if action == NO_MATCH:
            return None
        ctx.access = ACTIONS[action]
        if action == BLOCK:
            return self._pages.access_denied
        if action == ALLOW:
            ctx.skips |= SKIP_ALL
            return None
        return self._challenge.demand(ctx) if self._challenge is not None else None

    def action(self, client_ip: str) -> int:
        """The action of the most specific rule for this address: IP or CIDR (longest
        prefix), then ASN, then country; NO_MATCH when none applies."""
        if self.ipv4 is not None or self.ipv6 is not None:
            address = address_number(client_ip)
            if address is not None:
                networks = self.ipv4 if address[0] == 32 else self.ipv6
                if networks is not None:
                    action = networks.action(address[1])
                    if action != NO_MATCH:
                        return action
        if self._asn_lookup is None and self._country_lookup is None:
            return NO_MATCH
        # Databases index IPv4 under IPv4 addresses, not their IPv6-mapped form.
        ip = client_ip[7:] if client_ip.startswith("::ffff:") and "." in client_ip else client_ip
        if self._asn_lookup is not None:
            asn = self._asn_lookup.asn(ip)
            if asn is not None:
                action = self.asns.get(asn, NO_MATCH)
                if action != NO_MATCH:
                    return action
        if self._country_lookup is not None:
            country = self._country_lookup.country(ip)
            if country is not None:
                return self.countries.get(country, NO_MATCH)
        return NO_MATCH


def _keep_strictest(actions: dict[Any, int], key: object, action: int) -> None:
    if actions.get(key, NO_MATCH) < action:
        actions[key] = action
