"""Edge settings: listeners, limits, pools, and the zones of a local config file.

The zones of a config file become a policy snapshot, the same structure the control plane
sends, so an edge runs the same way from a file or from a feed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec

from stockade.edge.firewall import compile_rule
from stockade.policy import (
    AccessRule,
    Enforcement,
    FirewallRule,
    NamedList,
    RateLimit,
    Snapshot,
    VerifyKey,
    Zone,
    ZoneError,
    check_known_keys,
    explain,
    list_items,
)
from stockade.rules import NamedLists


class ConfigError(ValueError):
    """A config file or flag that cannot be used; the message says what to fix."""


class Limits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What one visitor connection may send, and how long it may take."""

    max_header_bytes: int = 16 * 1024
    max_headers: int = 100
    max_url_bytes: int = 8 * 1024
    # From the first byte of a request to the end of its headers (slowloris defence).
    header_timeout: float = 10.0
    # A keep-alive connection with no request in flight.
    idle_timeout: float = 75.0
    # Between two pieces of a request body, and while a visitor does not read a response.
    body_timeout: float = 60.0


class UpstreamSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Connection pools and passive health checks toward origins."""

    max_idle: int = 64
    max_connections: int = 1024
    idle_timeout: float = 60.0
    # An origin is taken out of rotation after this many failures in a row ...
    max_failures: int = 3
    # ... and a TCP connect is tried this often to bring it back.
    probe_interval: float = 2.0
    max_attempts: int = 3


class EdgeSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Process-level settings of one edge (the `[edge]` table of a config file)."""

    listen: tuple[str, ...] = ("127.0.0.1:8080",)
    tls_listen: tuple[str, ...] = ()
    admin_listen: str | None = None
    workers: int = 1
    access_log: str | None = None
    # The name this edge gives itself in Via headers.
    via: str = "stockade"
    # In-flight requests get this long to finish on shutdown.
    shutdown_timeout: float = 10.0
    # MaxMind-format country database (.mmdb), needed by geo blocks and country rules.
    geoip_database: str | None = None
    # MaxMind-format ASN database (GeoLite2 ASN), needed by access rules by ASN.
    asn_database: str | None = None
    # With a control plane, zones come from its signed snapshots instead of [[zones]].
    control_url: str | None = None
    control_key: str | None = None
    control_token: str | None = None
    # How this edge names itself to the control plane (default: host name and port).
    name: str | None = None
    # Where the last good snapshot is kept, to serve from when the control plane is down.
    state_dir: str = "data/edge"
    # The secret that signs challenge tokens and clearance cookies; edges that share it
    # honour each other's clearance. Made on first use (default: STATE_DIR/challenge.key).
    challenge_key_file: str | None = None
    # Rate-limit counters shared by every edge given the same Redis (STOCKADE_REDIS_URL).
    redis_url: str | None = None
    # Put before every key, so that several edge fleets can share one Redis.
    redis_key_prefix: str = "stockade:rl:"
    # A request waits this long for Redis before it is counted locally.
    redis_timeout: float = 0.05
    # Keys the local counters of one worker hold at most (each limit and visitor is one).
    rate_limit_keys: int = 100_000
    limits: Limits = msgspec.field(default_factory=Limits)
    upstream: UpstreamSettings = msgspec.field(default_factory=UpstreamSettings)

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ConfigError("edge.workers must be 1 or more.")
        for address in (*self.listen, *self.tls_listen, *filter(None, [self.admin_listen])):
            parse_address(address)
        if self.redis_url is not None and not self.redis_url.startswith("redis://"):
            raise ConfigError(
                f"edge.redis_url '{self.redis_url}' is not a Redis URL: give one such as "
                "redis://127.0.0.1:6379/0."
            )
        if not 0 < self.redis_timeout <= 10:
            raise ConfigError("edge.redis_timeout must be more than 0 and at most 10 seconds.")
        if self.rate_limit_keys < 1000:
            raise ConfigError("edge.rate_limit_keys must be 1000 or more.")
        if not self.listen and not self.tls_listen:
            raise ConfigError("The edge has nothing to listen on: set edge.listen or tls_listen.")
        if self.control_url is not None:
            if not self.control_url.startswith(("http://", "https://")):
                raise ConfigError(
                    f"edge.control_url '{self.control_url}' is not a URL: give one such as "
                    "http://127.0.0.1:8000."
                )
            if not self.control_key:
                raise ConfigError(
                    "edge.control_key is missing: give the control plane's public key "
                    "(ed25519:..., from GET /v1/edge/key or DATA/control-key.pub)."
                )
            try:
                VerifyKey.from_text(self.control_key)
            except ValueError as error:
                raise ConfigError(f"edge.control_key: {error}") from None


class EdgeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A whole edge config file: `[edge]` settings and `[[zones]]`."""

    edge: EdgeSettings = msgspec.field(default_factory=EdgeSettings)
    zones: tuple[Zone, ...] = ()

    def __post_init__(self) -> None:
        if self.edge.control_url and self.zones:
            raise ConfigError(
                "Zones come from the control plane when edge.control_url is set: remove the "
                "[[zones]] tables, or remove control_url to serve them from this file."
            )

    def snapshot(self) -> Snapshot:
        return Snapshot(revision=0, zones=self.zones)


def parse_address(address: str) -> tuple[str, int]:
    """'127.0.0.1:8080', '[::1]:8080' or ':8080' into (host, port)."""
    host, sep, port_text = address.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(
            f"'{address}' is not a listen address: write HOST:PORT, such as 127.0.0.1:8080."
        )
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port_text)


def load_config(path: Path, overrides: dict[str, object] | None = None) -> EdgeConfig:
    """Read and check a TOML config file, with `[edge]` keys given on the command line
    taking precedence; raise ConfigError naming the file and the problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"Cannot read config file {path}: {error.strerror}.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}.") from None
    if overrides:
        edge = raw.setdefault("edge", {})
        if isinstance(edge, dict):
            edge.update(overrides)
    return config_from_dict(raw, source=str(path))


def config_from_dict(raw: object, *, source: str) -> EdgeConfig:
    _check_zone_keys(raw, source)
    try:
        config = msgspec.convert(raw, EdgeConfig, str_keys=True)
    except (ZoneError, ConfigError) as error:
        raise ConfigError(f"{source}: {error}") from None
    except msgspec.ValidationError as error:
        raise ConfigError(f"{source}: {explain(error)}") from None
    try:
        config.snapshot()
        # Compiled here too, so that a rule's error is the file's error, with its caret.
        for zone in config.zones:
            lists = NamedLists(list_items(zone.lists))
            rules: list[FirewallRule | RateLimit] = [*zone.firewall_rules, *zone.rate_limits]
            for rule in rules:
                compile_rule(rule, zone.name, lists)
    except ZoneError as error:
        raise ConfigError(f"{source}: {error}") from None
    return config


def flags_config(routes: list[str], settings: dict[str, object]) -> EdgeConfig:
    """The quick form: `--route forum.example=http://127.0.0.1:9000` makes a zone of each
    route; `settings` holds the `[edge]` keys given as flags."""
    zones = []
    for route in routes:
        hostname, sep, origin = route.partition("=")
        if not sep or not hostname or not origin:
            raise ConfigError(
                f"--route '{route}' is not HOST=ORIGIN: write it like "
                "forum.example=http://127.0.0.1:9000."
            )
        zones.append({"name": hostname, "hostnames": [hostname], "origins": [origin]})
    return config_from_dict({"edge": settings, "zones": zones}, source="command line")


# The tables a zone holds lists of, as `[[zones.KEY]]` in a file.
_ZONE_TABLES: dict[str, type[msgspec.Struct]] = {
    "enforcements": Enforcement,
    "access_rules": AccessRule,
    "firewall_rules": FirewallRule,
    "rate_limits": RateLimit,
    "lists": NamedList,
}


def _check_zone_keys(raw: object, source: str) -> None:
    """Unknown keys of [[zones]] and their tables are refused (policy.check_known_keys)."""
    zones = raw.get("zones", []) if isinstance(raw, dict) else []
    if not isinstance(zones, list):
        return
    try:
        for index, zone in enumerate(zones):
            if not isinstance(zone, dict):
                continue
            check_known_keys(zone, Zone, f"zones[{index}]")
            for key, kind in _ZONE_TABLES.items():
                tables = zone.get(key, [])
                for position, table in enumerate(tables if isinstance(tables, list) else []):
                    if isinstance(table, dict):
                        check_known_keys(table, kind, f"zones[{index}].{key}[{position}]")
    except ZoneError as error:
        raise ConfigError(f"{source}: {error}") from None
