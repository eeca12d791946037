"""Snapshot types: pure data, no I/O. Every field has a default that is safe to serve."""

from __future__ import annotations

import re
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
SECURITY_LEVELS: tuple[SecurityLevel, ...] = ("normal", "under_attack")
CHALLENGE_DIFFICULTY = 16
CLEARANCE_TTL = 3600

_COUNTRY = re.compile(r"^[A-Z]{2}$")
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
            if not _COUNTRY.match(country):
                raise ZoneError(
                    f"'{country}' is not a country code: use two capital letters, such as FR."
                )
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ZoneError("An enforcement must end after it starts.")


class Zone(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A customer site: the hostnames it answers to and the origins that serve it."""

    name: str
    hostnames: tuple[str, ...]
    origins: tuple[str, ...]
    # proxied: security only, the content is hosted elsewhere; hosted: the provider hosts it.
    service: Service = "proxied"
    enforcements: tuple[Enforcement, ...] = ()
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


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Everything an edge enforces, as of one policy revision."""

    revision: int = 0
    zones: tuple[Zone, ...] = ()

    def __post_init__(self) -> None:
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
