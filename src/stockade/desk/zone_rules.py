"""A zone's access rules, firewall rules, rate limits and the named lists its rules look
up: checked as an edge will load them, every expression compiled, and replaced all at once
in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.orm import Session

from stockade.desk.errors import Invalid
from stockade.desk.zones import get_zone
from stockade.policy import (
    AccessRule,
    FirewallRule,
    NamedList,
    RateLimit,
    Zone,
    ZoneError,
    check_known_keys,
    explain,
    list_items,
)
from stockade.rules import NamedLists, RuleError, compile
from stockade.store import bump_revision
from stockade.store.models import ZoneRecord, utcnow

# What one zone may hold: enough for any site, little enough that a snapshot of many
# zones stays quick to build, send and load.
MAX_ACCESS_RULES = 1_000
MAX_FIREWALL_RULES = 1_000
MAX_RATE_LIMITS = 100
MAX_NETWORKS = 100_000
MAX_LISTS = 100
MAX_LIST_ITEMS = 100_000


class ZoneRules(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The rules and lists as a zone holds them (stockade.policy.Zone), and as the store
    keeps them: encoded with the fields at their defaults left out, {} for no rules."""

    access_rules: tuple[AccessRule, ...] = ()
    firewall_rules: tuple[FirewallRule, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()
    lists: tuple[NamedList, ...] = ()


# Each list, its type and how many a zone may have.
_LISTS: dict[str, tuple[type[msgspec.Struct], int]] = {
    "access_rules": (AccessRule, MAX_ACCESS_RULES),
    "firewall_rules": (FirewallRule, MAX_FIREWALL_RULES),
    "rate_limits": (RateLimit, MAX_RATE_LIMITS),
    "lists": (NamedList, MAX_LISTS),
}


def zone_rules(zone: ZoneRecord) -> ZoneRules:
    """The rules stored for `zone`."""
    return msgspec.convert(zone.security_rules, ZoneRules)


def rules_document(rules: ZoneRules) -> dict[str, Any]:
    """The four lists as JSON values, each present even when empty."""
    stored = _plain(rules)
    return {key: stored.get(key, []) for key in _LISTS}


def _plain(rules: ZoneRules) -> dict[str, Any]:
    """JSON values (lists, not tuples), the fields at their defaults left out."""
    plain: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(rules))
    return plain


def get_zone_rules(session: Session, name: str) -> ZoneRules:
    return zone_rules(get_zone(session, name))


def set_zone_rules(
    session: Session,
    name: str,
    *,
    access_rules: Sequence[object] = (),
    firewall_rules: Sequence[object] = (),
    rate_limits: Sequence[object] = (),
    lists: Sequence[object] = (),
) -> tuple[ZoneRules, int]:
    """Replace the zone's four lists (an empty one removes them all); return the rules
    and the new revision. Invalid, with a sentence, when an edge could not load them."""
    zone = get_zone(session, name, for_update=True)
    rules = check_rules(
        name,
        access_rules=access_rules,
        firewall_rules=firewall_rules,
        rate_limits=rate_limits,
        lists=lists,
    )
    try:
        # The zone as an edge will have it: ids must be unique among its rules.
        Zone(
            name=zone.name,
            hostnames=tuple(record.hostname for record in zone.hostnames),
            origins=tuple(zone.origins),
            access_rules=rules.access_rules,
            firewall_rules=rules.firewall_rules,
            rate_limits=rules.rate_limits,
            lists=rules.lists,
        )
    except ZoneError as error:
        raise Invalid(str(error), zone=name) from None
    zone.security_rules = _plain(rules)
    zone.updated_at = utcnow()
    session.flush()
    return rules, bump_revision(session)


def check_rules(
    zone: str,
    *,
    access_rules: Sequence[object],
    firewall_rules: Sequence[object],
    rate_limits: Sequence[object],
    lists: Sequence[object] = (),
) -> ZoneRules:
    """The rules as policy structs, each expression compiled with the zone's lists;
    Invalid says what is wrong."""
    given = {
        "access_rules": access_rules,
        "firewall_rules": firewall_rules,
        "rate_limits": rate_limits,
        "lists": lists,
    }
    for key, (kind, most) in _LISTS.items():
        tables = given[key]
        if not isinstance(tables, Sequence) or isinstance(tables, str):
            raise Invalid(f"Zone '{zone}': {key} must be a list of tables, one for each rule.")
        if len(tables) > most:
            raise Invalid(
                f"Zone '{zone}' would have {len(tables)} {key.replace('_', ' ')}; {most:,} at "
                "most: merge rules that share an action, or spread them over zones."
            )
        for position, table in enumerate(tables):
            if isinstance(table, dict):
                try:
                    check_known_keys(table, kind, f"Zone '{zone}': {key}[{position}]")
                except ZoneError as error:
                    raise Invalid(str(error), zone=zone) from None
    try:
        rules = msgspec.convert(given, ZoneRules)
    except msgspec.ValidationError as error:
        raise Invalid(f"Zone '{zone}': {explain(error)}", zone=zone) from None
    networks = sum(len(rule.ips) for rule in rules.access_rules)
    if networks > MAX_NETWORKS:
        raise Invalid(
            f"Zone '{zone}': its access rules list {networks:,} addresses and CIDR blocks; "
            f"{MAX_NETWORKS:,} at most: join neighbouring addresses into wider blocks."
        )
    items = sum(len(named.items) for named in rules.lists)
    if items > MAX_LIST_ITEMS:
        raise Invalid(
            f"Zone '{zone}': its lists hold {items:,} items; {MAX_LIST_ITEMS:,} at most: join "
            "neighbouring addresses into wider CIDR blocks, or drop items no rule needs."
        )
    # One NamedLists for all the rules, as an edge compiles them: each list converted once.
    known = NamedLists(list_items(rules.lists))
    checked: list[FirewallRule | RateLimit] = [*rules.firewall_rules, *rules.rate_limits]
    for rule in checked:
        try:
            compile(rule.expression, lists=known)
        except RuleError as error:
            what = "rate limit" if isinstance(rule, RateLimit) else "firewall rule"
            raise Invalid(
                f"Zone '{zone}', {what} '{rule.id}':\n{error}", zone=zone, rule=rule.id
            ) from None
    return rules
