"""Snapshot types: pure data, no I/O. Every field has a default that is safe to serve."""

from __future__ import annotations

import re
import socket
from typing import Literal

import msgspec

# Dot-separated RFC 1123 labels, optionally led by "*." for a wildcard. One regex, as
# snapshots with 100,000 zones are checked on every load.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"(?:\*\.)?(?:{_LABEL}\.)*{_LABEL}")
# scheme, host (name, IPv4 or [IPv6]), optional port, optional "/".
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?P<host>(?:{_LABEL}\.)*{_LABEL}|\[[0-9a-fA-F:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?/?"
)


class ZoneError(ValueError):
    """A zone definition that cannot be served; the message says what to fix."""


Action = Literal["block", "path_block", "geo_block", "interstitial"]
Basis = Literal["legal", "policy", "emergency"]
Service = Literal["proxied", "hosted"]
# normal: challenge only when a rule asks; under_attack: every visitor without clearance.
SecurityLevel = Literal["normal", "under_attack"]
FirewallAction = Literal["block", "challenge", "log", "skip", "allow"]
# What a `skip` rule passes over: the zone's remaining firewall rules, its rate limits,
# its challenge.
SkippedPhase = Literal["rules", "rate_limits", "challenge"]
BlockContentType = Literal["text/plain", "text/html", "application/json"]
RateLimitAction = Literal["block", "challenge"]
_RULE_ID = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?")
# As rules write it after `$` (docs/rules.md, "Named lists").
_LIST_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_BLOCK_BODY = 2048
AccessAction = Literal["allow", "block", "challenge"]
SECURITY_LEVELS: tuple[SecurityLevel, ...] = ("normal", "under_attack")
CHALLENGE_DIFFICULTY = 16
CLEARANCE_TTL = 3600
# What an edge samples for watch unless a zone says otherwise.
SAMPLE_TYPES = ("text/html", "application/json")

# What a rate limit counts by, besides ip.src: a header, a cookie, a query parameter (each
# named in quotes, as in the rules language) or the path.
_CHARACTERISTIC = re.compile(
    r'(?:http\.request\.(?:headers|cookies|uri\.args)\["[^"\\]{1,256}"\]|http\.request\.uri\.path|ip\.src)'
)
MAX_RATE_LIMIT_PERIOD = 86400

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
# A notice URL goes into a Link header and an href: no spaces, controls, quotes or brackets.
_UNSAFE_URL = re.compile(r'[\x00-\x20\x7f<>"]')


class Enforcement(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A decision to stop serving (part of) a zone, and where the public can read why."""

    id: str
    action: Action
    basis: Basis
    # One sentence for visitors, shown on the block page.
    reason: str
    notice_url: str
    status: int = 451
    # path_block: URL path prefixes ("/threads/") or globs ("/u/*/posts").
    paths: tuple[str, ...] = ()
    # geo_block: ISO 3166-1 alpha-2 country codes.
    countries: tuple[str, ...] = ()
    # Unix seconds; the enforcement applies from starts_at until ends_at (if given).
    starts_at: float = 0.0
    ends_at: float | None = None

    def __post_init__(self) -> None:
        if self.status not in (451, 403):
            raise ZoneError(f"Enforcement status {self.status} is not allowed: use 451 or 403.")
        if not self.reason.strip():
            raise ZoneError("An enforcement needs a reason: one sentence for visitors.")
        if not self.notice_url.startswith(("https://", "http://", "/")) or _UNSAFE_URL.search(
            self.notice_url
        ):
            raise ZoneError(
                f"Notice URL '{self.notice_url}' is not a link: give an http(s) URL or a path."
            )
        if self.action == "path_block" and not self.paths:
            raise ZoneError("A path_block needs at least one path, such as /threads/123.")
        if any(not path.startswith("/") for path in self.paths):
            raise ZoneError("Blocked paths must start with '/', such as /threads/123.")
        if self.action == "geo_block" and not self.countries:
            raise ZoneError("A geo_block needs at least one country code, such as DE.")
        for country in self.countries:
            validate_country(country)
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ZoneError("An enforcement must end after it starts.")


class FirewallRule(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One firewall rule of a zone: when `expression` (the rules language, docs/rules.md)
    matches a request, `action` applies. The edge compiles the expression; here only the
    other fields are checked, as a snapshot stays plain data."""

    id: str
    expression: str
    action: FirewallAction
    description: str = ""
    enabled: bool = True
    # block: the status (400-499) and, optionally, a body of at most 2 KiB and its type.
    status: int = 403
    body: str = ""
    content_type: BlockContentType = "text/plain"
    # skip: the phases passed over.
    skip: tuple[SkippedPhase, ...] = ()

    def __post_init__(self) -> None:
        if not _RULE_ID.fullmatch(self.id):
            raise ZoneError(
                f"Firewall rule id '{self.id}' is not usable: use 1 to 63 lower-case letters, "
                "digits, hyphens or underscores, such as block-wp-login."
            )
        if not self.expression.strip():
            raise ZoneError(
                f"Firewall rule '{self.id}' has no expression: give one such as "
                'http.request.uri.path eq "/wp-login.php", or true for every request.'
            )
        if not 400 <= self.status <= 499:
            raise ZoneError(
                f"Firewall rule '{self.id}': status {self.status} is not allowed: a block "
                "answers with a 4xx status (400 to 499), such as 403 or 429."
            )
        if len(self.body.encode()) > MAX_BLOCK_BODY:
            raise ZoneError(
                f"Firewall rule '{self.id}': the body is {len(self.body.encode())} bytes; "
                f"{MAX_BLOCK_BODY} at most."
            )
        if (self.body or self.status != 403) and self.action != "block":
            raise ZoneError(
                f"Firewall rule '{self.id}': status and body apply to action block only; "
                f"remove them from this {self.action} rule."
            )
        if self.action == "skip" and not self.skip:
            raise ZoneError(
                f"Firewall rule '{self.id}' skips nothing: list the phases it passes over in "
                'skip, such as ["rules", "rate_limits", "challenge"].'
            )
        if self.skip and self.action != "skip":
            raise ZoneError(
                f"Firewall rule '{self.id}': skip applies to action skip only; remove it from "
                f"this {self.action} rule."
            )


class AccessRule(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What a zone does with visitors from some networks: let them past the later security
    phases, block them, or challenge them. Which rule wins is explained in docs/edge.md."""

    action: AccessAction
    # IPv4 and IPv6 addresses and CIDR blocks, such as 203.0.113.7 or 2001:db8::/32.
    ips: tuple[str, ...] = ()
    # ISO 3166-1 alpha-2 country codes.
    countries: tuple[str, ...] = ()
    # Autonomous system numbers, such as 64496.
    asns: tuple[int, ...] = ()
    # Why the rule exists, for the people who keep it; never shown to visitors.
    note: str = ""

    def __post_init__(self) -> None:
        if not (self.ips or self.countries or self.asns):
            raise ZoneError(
                f"An access rule ({self.action}) matches nobody: give it ips, countries or asns."
            )
        for network in self.ips:
            parse_network(network)
        for country in self.countries:
            validate_country(country)
        for asn in self.asns:
            if not 0 < asn < 1 << 32:
                raise ZoneError(
                    f"Access rule ASN {asn} is out of range: give an autonomous system number "
                    "from 1 to 4294967295, such as 64496."
                )


class RateLimit(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One rate limit of a zone: requests that `expression` matches are counted per
    visitor (ip.src and the other `characteristics`) in fixed windows of `period`
    seconds; beyond `requests_per_period` in a window, `action` applies to that visitor
    for `mitigation_timeout` seconds. The edge compiles the expression."""

    id: str
    expression: str = "true"
    characteristics: tuple[str, ...] = ("ip.src",)
    period: int = 60
    requests_per_period: int
    action: RateLimitAction = "block"
    # 0: the action lasts until the window ends.
    mitigation_timeout: int = 60
    description: str = ""
    enabled: bool = True

    def __post_init__(self) -> None:
        if not _RULE_ID.fullmatch(self.id):
            raise ZoneError(
                f"Rate limit id '{self.id}' is not usable: use 1 to 63 lower-case letters, "
                "digits, hyphens or underscores, such as login-burst."
            )
        if not self.expression.strip():
            raise ZoneError(
                f"Rate limit '{self.id}' has no expression: give one such as "
                'http.request.uri.path eq "/login", or true for every request.'
            )
        for characteristic in self.characteristics:
            if not _CHARACTERISTIC.fullmatch(characteristic):
                raise ZoneError(
                    f"Rate limit '{self.id}': '{characteristic}' is not a characteristic: use "
                    'ip.src, http.request.headers["name"], http.request.cookies["name"], '
                    'http.request.uri.args["name"] or http.request.uri.path.'
                )
        if not 1 <= self.period <= MAX_RATE_LIMIT_PERIOD:
            raise ZoneError(
                f"Rate limit '{self.id}': period {self.period} is out of range: give 1 to "
                f"{MAX_RATE_LIMIT_PERIOD} seconds."
            )
        if self.requests_per_period < 1:
            raise ZoneError(
                f"Rate limit '{self.id}': requests_per_period must be 1 or more (the requests "
                "a visitor may make in one period)."
            )
        if not 0 <= self.mitigation_timeout <= MAX_RATE_LIMIT_PERIOD:
            raise ZoneError(
                f"Rate limit '{self.id}': mitigation_timeout {self.mitigation_timeout} is out "
                f"of range: give 0 (until the period ends) to {MAX_RATE_LIMIT_PERIOD} seconds."
            )


class NamedList(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Values a zone's firewall rules and rate limits look up with `in $name`: IP
    addresses and CIDR ranges, numbers (such as ASNs) or strings. The edge converts the
    items to the type of the field a rule compares with them, when it compiles the rule."""

    name: str
    items: tuple[str | int, ...] = ()
    # Why the list exists and where its items come from; never shown to visitors.
    description: str = ""

    def __post_init__(self) -> None:
        if not _LIST_NAME.fullmatch(self.name):
            raise ZoneError(
                f"List name '{self.name}' is not usable: use 1 to 64 letters, digits or "
                "underscores, not starting with a digit, such as blocked_networks."
            )


class Zone(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A customer site: the hostnames it answers to and the origins that serve it."""

    name: str
    hostnames: tuple[str, ...]
    origins: tuple[str, ...]
    # proxied: security only, the content is hosted elsewhere; hosted: the provider hosts it.
    service: Service = "proxied"
    enforcements: tuple[Enforcement, ...] = ()
    access_rules: tuple[AccessRule, ...] = ()
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_body_bytes: int = 100 * 1024 * 1024
    # None keeps the visitor's Host header; a value replaces it on the way to the origin.
    origin_host: str | None = None
    verify_origin_tls: bool = True
    # PEM files on the edge host, served to visitors whose SNI names one of `hostnames`.
    tls_certificate: str | None = None
    tls_key: str | None = None
    security_level: SecurityLevel = "normal"
    # Leading zero bits the proof-of-work challenge asks for (each one doubles the work).
    challenge_difficulty: int = CHALLENGE_DIFFICULTY
    # Seconds a passed challenge lets a visitor in for.
    clearance_ttl: int = CLEARANCE_TTL
    # In order; the first rule whose action ends the evaluation decides (docs/edge.md).
    firewall_rules: tuple[FirewallRule, ...] = ()
    # Each counted on its own; the first one a request exceeds acts (docs/edge.md).
    rate_limits: tuple[RateLimit, ...] = ()
    # What `in $name` looks up in the zone's firewall rules and rate limits.
    lists: tuple[NamedList, ...] = ()
    # Share (0 to 1) of 200 responses of `sample_types` an edge sends to watch.
    sample_rate: float = 0.0
    sample_types: tuple[str, ...] = SAMPLE_TYPES

    def __post_init__(self) -> None:
        if not self.name:
            raise ZoneError("A zone needs a name: give it one, such as 'forum'.")
        if not self.hostnames:
            raise ZoneError(f"Zone '{self.name}' has no hostname: add at least one.")
        for hostname in self.hostnames:
            validate_hostname(hostname, zone=self.name)
        if not self.origins:
            raise ZoneError(
                f"Zone '{self.name}' has no origin: add one such as http://10.0.0.5:8080."
            )
        for origin in self.origins:
            validate_origin(origin, zone=self.name)
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ZoneError(f"Zone '{self.name}': timeouts must be more than 0 seconds.")
        if self.max_body_bytes < 0:
            raise ZoneError(f"Zone '{self.name}': max_body_bytes cannot be negative.")
        if (self.tls_certificate is None) != (self.tls_key is None):
            raise ZoneError(
                f"Zone '{self.name}': give both tls_certificate and tls_key, or neither."
            )
        validate_challenge(
            self.security_level, self.challenge_difficulty, self.clearance_ttl, zone=self.name
        )
        # Most zones of a large snapshot have no rules and sample nothing: an edge decoding
        # 100,000 zones skips what cannot be wrong.
        if self.firewall_rules or self.rate_limits or self.lists:
            _check_unique_ids(self)
        if self.sample_rate or self.sample_types is not SAMPLE_TYPES:
            validate_sampling(self.sample_rate, self.sample_types, zone=self.name)


def _check_unique_ids(zone: Zone) -> None:
    for kind, ids in (
        ("firewall rules", [rule.id for rule in zone.firewall_rules]),
        ("rate limits", [limit.id for limit in zone.rate_limits]),
        ("lists", [named.name for named in zone.lists]),
    ):
        if len(set(ids)) != len(ids):
            repeated = next(id for id in ids if ids.count(id) > 1)
            key = "name" if kind == "lists" else "id"
            raise ZoneError(
                f"Zone '{zone.name}' has two {kind} with the {key} '{repeated}': "
                f"{key}s must be unique in a zone."
            )


def list_items(lists: tuple[NamedList, ...]) -> dict[str, tuple[str | int, ...]]:
    """The items of each named list, by name, as rules are compiled with them."""
    return {named.name: named.items for named in lists}


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Everything an edge enforces, as of one policy revision."""

    revision: int = 0
    zones: tuple[Zone, ...] = ()

    def __post_init__(self) -> None:
        # Counted with sets first: 100,000 zones are checked at C speed when nothing is
        # repeated, which is always but for a broken control plane or config file.
        names = [zone.name for zone in self.zones]
        hostnames = [hostname for zone in self.zones for hostname in zone.hostnames]
        if len(set(names)) == len(names) and len(set(hostnames)) == len(hostnames):
            return
        self._find_repeated()

    def _find_repeated(self) -> None:
        seen: dict[str, str] = {}
        names: set[str] = set()
        for zone in self.zones:
            if zone.name in names:
                raise ZoneError(f"Two zones are named '{zone.name}': zone names must be unique.")
            names.add(zone.name)
            for hostname in zone.hostnames:
                other = seen.setdefault(hostname, zone.name)
                if other != zone.name:
                    raise ZoneError(
                        f"Hostname '{hostname}' is in both zone '{other}' and zone "
                        f"'{zone.name}': a hostname belongs to one zone only."
                    )


def validate_country(country: str) -> None:
    """Raise ZoneError unless `country` is an ISO 3166-1 alpha-2 code in capitals."""
    if not _COUNTRY.match(country):
        raise ZoneError(f"'{country}' is not a country code: use two capital letters, such as FR.")


def address_number(address: str) -> tuple[int, int] | None:
    """(32, n) for an IPv4 address, (128, n) for an IPv6 one, n its value as an integer;
    None if it is neither. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is its IPv4
    address: one visitor must match the same rules however its socket saw it."""
    try:
        if ":" not in address:
            return 32, int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
        value = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
    except (OSError, ValueError):
        return None
    # ::ffff:a.b.c.d, as a dual-stack socket shows an IPv4 peer.
    if value >> 32 == 0xFFFF:
        return 32, value & 0xFFFFFFFF
    return 128, value


def parse_network(network: str) -> tuple[int, int, int]:
    """(bits, first address, prefix length) of an address or CIDR block, bits being 32 for
    IPv4 and 128 for IPv6; an IPv4-mapped block (::ffff:a.b.c.d/n, n of 96 or more) is
    its IPv4 block. Raise ZoneError saying what is wrong."""
    address, slash, length = network.partition("/")
    parsed = address_number(address)
    if parsed is None:
        raise ZoneError(
            f"'{network}' is not an IP address or CIDR block: write one such as 203.0.113.7, "
            "198.51.100.0/24 or 2001:db8::/32."
        )
    bits, first = parsed
    mapped = bits == 32 and ":" in address
    if not slash:
        return bits, first, bits
    widest = 128 if mapped else bits
    if not (length.isascii() and length.isdigit()) or int(length) > widest:
        raise ZoneError(
            f"'{network}' has a prefix length that is not 0 to {widest}: write the block as "
            "ADDRESS/LENGTH, such as 198.51.100.0/24 or 2001:db8::/32."
        )
    prefix = int(length)
    if mapped:
        if prefix < 96:
            raise ZoneError(
                f"'{network}' reaches beyond the IPv4-mapped range ::ffff:0:0/96: give the IPv4 "
                "block itself, such as 198.51.100.0/24."
            )
        prefix -= 96
    host_bits = (1 << (bits - prefix)) - 1
    if first & host_bits:
        base = _network_text(bits, first & ~host_bits)
        raise ZoneError(
            f"'{network}' has host bits set after the /{length}: write {base}/{prefix} for "
            "the whole block, or the address alone for one host."
        )
    return bits, first, prefix


def _network_text(bits: int, value: int) -> str:
    family = socket.AF_INET if bits == 32 else socket.AF_INET6
    return socket.inet_ntop(family, value.to_bytes(bits // 8, "big"))


def validate_hostname(hostname: str, *, zone: str = "") -> None:
    """Raise ZoneError unless `hostname` is a lower-case DNS name or `*.` wildcard."""
    if len(hostname) > 253 or not _HOSTNAME.fullmatch(hostname):
        where = f"Zone '{zone}': " if zone else ""
        raise ZoneError(
            f"{where}'{hostname}' is not a valid hostname: use lower-case letters, digits, "
            "hyphens and dots, optionally starting with '*.' (for example forum.example.org)."
        )


def validate_challenge(
    security_level: str, challenge_difficulty: int, clearance_ttl: int, *, zone: str = ""
) -> None:
    """Raise ZoneError unless the three challenge settings are ones an edge can serve."""
    where = f"Zone '{zone}': " if zone else ""
    if security_level not in SECURITY_LEVELS:
        raise ZoneError(
            f"{where}security_level '{security_level}' is not known: use 'normal' (no "
            "challenge) or 'under_attack' (every visitor without clearance is challenged)."
        )
    if not 1 <= challenge_difficulty <= 32:
        raise ZoneError(
            f"{where}challenge_difficulty {challenge_difficulty} is out of range: give 1 to 32 "
            f"leading zero bits (each one doubles the work; {CHALLENGE_DIFFICULTY} is the "
            "default)."
        )
    if not 60 <= clearance_ttl <= 30 * 86400:
        raise ZoneError(
            f"{where}clearance_ttl {clearance_ttl} is out of range: give 60 seconds to 30 days "
            f"(2592000; {CLEARANCE_TTL} is the default)."
        )


def validate_sampling(sample_rate: float, sample_types: tuple[str, ...], *, zone: str = "") -> None:
    """Raise ZoneError unless the sampling settings are ones an edge can apply."""
    where = f"Zone '{zone}': " if zone else ""
    if not 0.0 <= sample_rate <= 1.0:
        raise ZoneError(
            f"{where}sample_rate {sample_rate} is out of range: give 0 (no sampling) to 1 "
            "(every response), such as 0.1 for one in ten."
        )
    for content_type in sample_types:
        if not _MEDIA_TYPE.fullmatch(content_type):
            raise ZoneError(
                f"{where}sample type '{content_type}' is not a media type: give one in lower "
                "case without parameters, such as text/html."
            )


def parse_origin(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin URL, or None if it is not one."""
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        return None
    scheme = match["scheme"]
    port = int(match["port"]) if match["port"] else (443 if scheme == "https" else 80)
    if not 0 < port < 65536:
        return None
    return scheme, match["host"].strip("[]"), port


def validate_origin(origin: str, *, zone: str = "") -> None:
    """Raise ZoneError unless `origin` is an http(s) URL naming a host (and maybe a port)."""
    if parse_origin(origin) is None:
        where = f"Zone '{zone}': " if zone else ""
        raise ZoneError(
            f"{where}origin '{origin}' is not usable: give a URL such as "
            "http://10.0.0.5:8080 or https://origin.example.org (scheme, host, optional port, "
            "no path)."
        )
