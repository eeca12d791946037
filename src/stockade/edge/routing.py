"""Find the zone of a request by its Host: exact name first, then the longest wildcard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from stockade.edge.access import ZoneAccess
from stockade.edge.challenge import ChallengeKey, ZoneChallenge
from stockade.edge.enforce import ZoneEnforcement
from stockade.edge.firewall import ZoneFirewall
from stockade.edge.origins import Origin, OriginRegistry
from stockade.edge.pages import Pages
from stockade.edge.ratelimit import RateCounters, ZoneRateLimits
from stockade.edge.sampler import sample_gap
from stockade.policy import Snapshot, Zone, list_items
from stockade.rules import NamedLists
from stockade.rules.standard import Locate

if TYPE_CHECKING:
    from stockade.edge.geo import AsnLookup, CountryLookup

# Hosts looked up recently; cleared when full so random Host headers cannot grow it.
_CACHE_LIMIT: Final = 8192
_NO_TYPES: Final[frozenset[bytes]] = frozenset()


class ZoneRoute:
    """What the hot path needs of one zone, computed once per snapshot."""

    __slots__ = (
        "_next",
        "_origins",
        "_registry",
        "access",
        "challenge",
        "connect_timeout",
        "enforcement",
        "firewall",
        "max_body_bytes",
        "name",
        "origin_host",
        "rate_limits",
        "read_timeout",
        "sample_countdown",
        "sample_rate",
        "sample_types",
        "zone",
    )

    def __init__(
        self,
        zone: Zone,
        registry: OriginRegistry,
        enforcement: ZoneEnforcement | None,
        challenge: ZoneChallenge | None = None,
        firewall: ZoneFirewall | None = None,
        access: ZoneAccess | None = None,
        rate_limits: ZoneRateLimits | None = None,
    ) -> None:
        self.zone = zone
        self.rate_limits = rate_limits
        self.enforcement = enforcement
        self.challenge = challenge
        self.firewall = firewall
        self.access = access
        self.name = zone.name
        self._registry = registry
        self._origins: tuple[Origin, ...] = ()
        self.origin_host = zone.origin_host.encode() if zone.origin_host else None
        self.connect_timeout = zone.connect_timeout
        self.read_timeout = zone.read_timeout
        self.max_body_bytes = zone.max_body_bytes
        self.sample_rate = zone.sample_rate
        self.sample_types = (
            frozenset([media_type.encode() for media_type in zone.sample_types])
            if zone.sample_rate
            else _NO_TYPES
        )
        # 200 responses to go by before the next one sampled, the one sampled included.
        self.sample_countdown = sample_gap(self.sample_rate) if self.sample_rate else 0
        self._next = 0

    @property
    def origins(self) -> tuple[Origin, ...]:
        """The zone's origins, looked up at the first request: most zones of a large
        snapshot get none between two snapshots, and a load should not pay for them."""
        origins = self._origins
        if not origins:
            verify = self.zone.verify_origin_tls
            origins = self._origins = tuple(
                [self._registry.get(url, verify) for url in self.zone.origins]
            )
        return origins

    def sample_picked(self) -> bool:
        """A 200 response of this zone is on its way: whether sampling picks it. One count
        per response; the dice are rolled once per response picked."""
        self.sample_countdown -= 1
        if self.sample_countdown > 0:
            return False
        self.sample_countdown = sample_gap(self.sample_rate)
        return True

    def pick_origin(self) -> Origin | None:
        """Round robin over the origins in rotation; None when every one is down."""
        origins = self._origins or self.origins
        count = len(origins)
        for _ in range(count):
            origin = origins[self._next % count]
            self._next += 1
            if not origin.down:
                return origin
        return None


class RoutingTable:
    def __init__(
        self,
        snapshot: Snapshot,
        registry: OriginRegistry,
        pages: Pages,
        countries: CountryLookup | None = None,
        challenge_key: ChallengeKey | None = None,
        asns: AsnLookup | None = None,
        rate_counters: RateCounters | None = None,
        previous: RoutingTable | None = None,
    ) -> None:
        self.revision = snapshot.revision
        self._inputs = (registry, pages, countries, challenge_key, asns, rate_counters)
        # Zones with access rules of a kind this edge has no database for, by kind.
        self.unmatched_access: dict[str, list[str]] = {}
        self.exact: dict[str, ZoneRoute] = {}
        self.wildcard: dict[str, ZoneRoute] = {}
        self.routes: list[ZoneRoute] = []
        locate = _locator(countries, asns)
        # Plain loops and locals: this runs for every zone of every snapshot (100,000s).
        used: set[tuple[str, bool]] = set()
        exact, wildcard, routes = self.exact, self.wildcard, self.routes
        # A zone equal to one of the previous table, built from the same parts, keeps its
        # route: a change to one zone of 100,000 then builds one route, not 100,000.
        earlier: dict[str, ZoneRoute] = {}
        if previous is not None and all(
            mine is theirs for mine, theirs in zip(self._inputs, previous._inputs, strict=True)
        ):
            earlier = {route.name: route for route in previous.routes}
        for zone in snapshot.zones:
            verify = zone.verify_origin_tls
            for url in zone.origins:
                used.add((url, verify))
            route = earlier.get(zone.name) if earlier else None
            if route is None or route.zone != zone:
                route = _route(
                    zone, registry, pages, countries, challenge_key, asns, rate_counters, locate
                )
            if route.access is not None:
                for kind in route.access.unmatched:
                    self.unmatched_access.setdefault(kind, []).append(zone.name)
            routes.append(route)
            for hostname in zone.hostnames:
                if hostname.startswith("*."):
                    wildcard[hostname[2:]] = route
                else:
                    exact[hostname] = route
        registry.keep_only(used)
        # Whether any enforcement starts or ends by the clock, for the sweeper to watch.
        self.scheduled = any(
            rule.enforcement.starts_at > 0 or rule.enforcement.ends_at is not None
            for route in routes
            if route.enforcement is not None
            for rule in route.enforcement.rules
        )
        self._cache: dict[bytes, ZoneRoute | None] = {}

    def blocked_zones(self, now: float) -> set[str]:
        return {
            route.name
            for route in self.routes
            if route.enforcement is not None and route.enforcement.blocks_everything(now)
        }

    def lookup(self, host: bytes) -> ZoneRoute | None:
        """The zone for a Host header value (any case, with or without a port)."""
        try:
            return self._cache[host]
        except KeyError:
            pass
        route = self.find(normalize_host(host))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[host] = route
        return route

    def find(self, hostname: str) -> ZoneRoute | None:
        route = self.exact.get(hostname)
        if route is not None:
            return route
        # "*.example.org" covers every name below example.org; the most specific one wins.
        labels = hostname.split(".")
        for start in range(1, len(labels)):
            route = self.wildcard.get(".".join(labels[start:]))
            if route is not None:
                return route
        return None


def _route(
    zone: Zone,
    registry: OriginRegistry,
    pages: Pages,
    countries: CountryLookup | None,
    challenge_key: ChallengeKey | None,
    asns: AsnLookup | None,
    rate_counters: RateCounters | None,
    locate: Locate | None,
) -> ZoneRoute:
    enforcement = ZoneEnforcement(zone, pages, countries) if zone.enforcements else None
    challenge = (
        ZoneChallenge(zone, pages, challenge_key)
        if challenge_key is not None and _challenges(zone)
        else None
    )
    access = ZoneAccess(zone, pages, countries, asns, challenge) if zone.access_rules else None
    # One for the zone's rules and limits: each list is converted once.
    lists = NamedLists(list_items(zone.lists)) if zone.lists else None
    firewall = ZoneFirewall(zone, pages, challenge, locate, lists) if zone.firewall_rules else None
    rate_limits = (
        ZoneRateLimits(zone, pages, challenge, locate, rate_counters, lists)
        if zone.rate_limits and rate_counters is not None
        else None
    )
    return ZoneRoute(zone, registry, enforcement, challenge, firewall, access, rate_limits)


def _challenges(zone: Zone) -> bool:
    """Whether the zone may send a visitor to the challenge."""
    return (
        zone.security_level == "under_attack"
        or any(rule.action == "challenge" and rule.enabled for rule in zone.firewall_rules)
        or any(rule.action == "challenge" for rule in zone.access_rules)
        or any(limit.action == "challenge" and limit.enabled for limit in zone.rate_limits)
    )


def _locator(countries: CountryLookup | None, asns: AsnLookup | None) -> Locate | None:
    """Where rules find a visitor's country and network; None without either database."""
    if countries is None and asns is None:
        return None

    def locate(ip: str) -> tuple[str, int]:
        country = countries.country(ip) if countries is not None else None
        network = asns.asn(ip) if asns is not None else None
        return country or "", network or 0

    return locate


def normalize_host(host: bytes) -> str:
    """'Forum.Example.:8080' -> 'forum.example'; '[::1]:80' -> '::1'."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else text
    name, _, port = text.rpartition(":")
    if name and port.isdigit():
        text = name
    return text.rstrip(".")
