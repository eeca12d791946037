"""Zones: the customer sites edges serve, with their hostnames, origins and contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from stockade.control.api.enforcements import EnforcementOut, enforcement_out
from stockade.control.auth import Caller, require
from stockade.control.state import ControlState, control_state
from stockade.desk import zone_rules
from stockade.desk import zones as desk
from stockade.policy import CHALLENGE_DIFFICULTY, CLEARANCE_TTL, SAMPLE_TYPES, SecurityLevel
from stockade.store.models import ZoneRecord, utcnow

router = APIRouter(prefix="/v1/zones", tags=["zones"])

Service = Literal["proxied", "hosted"]
DEFAULT_PAGE = 500
MAX_PAGE = 1000


def link_next_page(response: Response, path: str, after: object, limit: int) -> None:
    """Point to the page after `after` with a `Link: <...>; rel="next"` header (RFC 8288)."""
    query = urlencode({"after": after, "limit": limit})
    response.headers["Link"] = f'<{path}?{query}>; rel="next"'


# The ranges are checked by the desk, whose sentence the 422 answer carries; strict, so
# that true or "16" is not taken for a number.
_SECURITY_LEVEL = "normal: no challenge; under_attack: every visitor without clearance."
_DIFFICULTY = "Leading zero bits the proof of work needs, 1 to 32; each doubles the work."
_CLEARANCE_TTL = "Seconds a passed challenge lets a visitor in, 60 to 2592000 (30 days)."
_SAMPLE_RATE = "Share of 200 responses of sample_types edges send to watch, 0 (none) to 1."
_SAMPLE_TYPES = "Media types sampled, lower case without parameters, such as text/html."


class ZoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Lower-case letters, digits, . _ -; such as forum-example.")
    hostnames: list[str] = Field(description="DNS names, unique across zones; *.x for all.")
    origins: list[str] = Field(description="http(s)://HOST[:PORT] of the customer's servers.")
    service: Service = Field("proxied", description="proxied: security only; hosted: you host.")
    customer_contact: str | None = Field(None, description="E-mail or URL of the customer.")
    abuse_contact: str | None = Field(
        None, description="E-mail or URL of the hosting provider's abuse desk."
    )
    security_level: SecurityLevel = Field("normal", description=_SECURITY_LEVEL)
    challenge_difficulty: int = Field(CHALLENGE_DIFFICULTY, strict=True, description=_DIFFICULTY)
    clearance_ttl: int = Field(CLEARANCE_TTL, strict=True, description=_CLEARANCE_TTL)
    sample_rate: float = Field(0.0, strict=True, description=_SAMPLE_RATE)
    sample_types: list[str] = Field(list(SAMPLE_TYPES), description=_SAMPLE_TYPES)


class ZonePatch(BaseModel):
    """Only the fields given change; a contact set to null is cleared."""

    model_config = ConfigDict(extra="forbid")

    hostnames: list[str] | None = None
    origins: list[str] | None = None
    service: Service | None = None
    customer_contact: str | None = None
    abuse_contact: str | None = None
    security_level: SecurityLevel | None = Field(None, description=_SECURITY_LEVEL)
    challenge_difficulty: int | None = Field(None, strict=True, description=_DIFFICULTY)
    clearance_ttl: int | None = Field(None, strict=True, description=_CLEARANCE_TTL)
    sample_rate: float | None = Field(None, strict=True, description=_SAMPLE_RATE)
    sample_types: list[str] | None = Field(None, description=_SAMPLE_TYPES)


class ZoneOut(BaseModel):
    name: str
    hostnames: list[str]
    origins: list[str]
    service: str
    customer_contact: str | None
    abuse_contact: str | None
    security_level: str = Field(description=_SECURITY_LEVEL)
    challenge_difficulty: int = Field(description=_DIFFICULTY)
    clearance_ttl: int = Field(description=_CLEARANCE_TTL)
    sample_rate: float = Field(description=_SAMPLE_RATE)
    sample_types: list[str] = Field(description=_SAMPLE_TYPES)
    created_at: datetime
    updated_at: datetime
    enforcements: list[EnforcementOut] = Field(description="Those in force or due.")


class ZoneChange(BaseModel):
    zone: ZoneOut
    revision: int


class Deleted(BaseModel):
    deleted: str
    revision: int


# Each rule is checked by the desk as an edge loads it, with the keys of a config file's
# [[zones.access_rules]], [[zones.firewall_rules]], [[zones.rate_limits]] and [[zones.lists]]
# (docs/edge.md).
_ACCESS_RULES = "Allow, block or challenge by address, CIDR block, country or ASN."
_FIREWALL_RULES = "In order: an expression of the rules language and an action."
_RATE_LIMITS = "Requests an expression matches, counted per visitor in fixed windows."
_LISTS = "Named lists of addresses, numbers or strings that rules look up with `in $name`."
Rules = list[dict[str, Any]]


class ZoneRulesIn(BaseModel):
    """The zone's rules and lists, each replaced whole; one left out becomes empty."""

    model_config = ConfigDict(extra="forbid")

    access_rules: Rules = Field(default_factory=list, description=_ACCESS_RULES)
    firewall_rules: Rules = Field(default_factory=list, description=_FIREWALL_RULES)
    rate_limits: Rules = Field(default_factory=list, description=_RATE_LIMITS)
    lists: Rules = Field(default_factory=list, description=_LISTS)


class ZoneRulesOut(BaseModel):
    """Each rule with its fields at their defaults left out."""

    access_rules: Rules = Field(description=_ACCESS_RULES)
    firewall_rules: Rules = Field(description=_FIREWALL_RULES)
    rate_limits: Rules = Field(description=_RATE_LIMITS)
    lists: Rules = Field(description=_LISTS)


class ZoneRulesChange(ZoneRulesOut):
    revision: int


def zone_out(zone: ZoneRecord, public_base: str) -> ZoneOut:
    now = utcnow()
    return ZoneOut(
        name=zone.name,
        hostnames=[record.hostname for record in zone.hostnames],
        origins=list(zone.origins),
        service=zone.service,
        customer_contact=zone.customer_contact,
        abuse_contact=zone.abuse_contact,
        security_level=zone.security_level,
        challenge_difficulty=zone.challenge_difficulty,
        clearance_ttl=zone.clearance_ttl,
        sample_rate=zone.sample_rate,
        sample_types=list(zone.sample_types),
        created_at=zone.created_at,
        updated_at=zone.updated_at,
        enforcements=[
            enforcement_out(record, public_base)
            for record in zone.enforcements
            if record.is_active(now)
        ],
    )


@router.get("", response_model=list[ZoneOut])
def list_zones(
    response: Response,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Zones per page, 1 to 1000.")
    ] = DEFAULT_PAGE,
    after: Annotated[
        str | None, Query(description="Only zones whose name sorts after this one.")
    ] = None,
) -> list[ZoneOut]:
    """A page of zones by name; a `Link` header with `rel="next"` leads to the next one."""
    with state.database.read() as session:
        # One more than the page tells whether another page follows, without counting.
        zones = desk.list_zones(session, after=after, limit=limit + 1)
        page = [zone_out(zone, state.public_base) for zone in zones[:limit]]
    if len(zones) > limit:
        link_next_page(response, "/v1/zones", page[-1].name, limit)
    return page


@router.post("", status_code=201, response_model=ZoneChange)
def create_zone(
    body: ZoneIn,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("write"))],
) -> ZoneChange:
    with state.database.write() as session:
        zone, revision = desk.create_zone(
            session,
            name=body.name,
            hostnames=body.hostnames,
            origins=body.origins,
            service=body.service,
            customer_contact=body.customer_contact,
            abuse_contact=body.abuse_contact,
            security_level=body.security_level,
            challenge_difficulty=body.challenge_difficulty,
            clearance_ttl=body.clearance_ttl,
            sample_rate=body.sample_rate,
            sample_types=body.sample_types,
        )
        out = zone_out(zone, state.public_base)
    return ZoneChange(zone=out, revision=revision)


@router.get("/{name}", response_model=ZoneOut)
def read_zone(
    name: str,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
) -> ZoneOut:
    with state.database.read() as session:
        return zone_out(desk.get_zone(session, name), state.public_base)


@router.patch("/{name}", response_model=ZoneChange)
def update_zone(
    name: str,
    body: ZonePatch,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("write"))],
) -> ZoneChange:
    given = body.model_fields_set
    with state.database.write() as session:
        zone, revision = desk.update_zone(
            session,
            name,
            hostnames=body.hostnames,
            origins=body.origins,
            service=body.service,
            customer_contact=body.customer_contact if "customer_contact" in given else desk.KEEP,
            abuse_contact=body.abuse_contact if "abuse_contact" in given else desk.KEEP,
            security_level=body.security_level,
            challenge_difficulty=body.challenge_difficulty,
            clearance_ttl=body.clearance_ttl,
            sample_rate=body.sample_rate,
            sample_types=body.sample_types,
        )
        out = zone_out(zone, state.public_base)
    return ZoneChange(zone=out, revision=revision)


@router.delete("/{name}", response_model=Deleted)
def delete_zone(
    name: str,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("write"))],
) -> Deleted:
    """Remove a zone; refused (409) while an enforcement is in force on it."""
    with state.database.write() as session:
        revision = desk.delete_zone(session, name)
    return Deleted(deleted=name, revision=revision)


@router.get("/{name}/rules", response_model=ZoneRulesOut)
def read_zone_rules(
    name: str,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("read"))],
) -> ZoneRulesOut:
    """The zone's access rules, firewall rules, rate limits and named lists."""
    with state.database.read() as session:
        rules = zone_rules.get_zone_rules(session, name)
    return ZoneRulesOut(**zone_rules.rules_document(rules))


@router.put("/{name}/rules", response_model=ZoneRulesChange)
def replace_zone_rules(
    name: str,
    body: ZoneRulesIn,
    state: Annotated[ControlState, Depends(control_state)],
    _caller: Annotated[Caller, Depends(require("write"))],
) -> ZoneRulesChange:
    """Replace the rules and lists at once; a rule an edge could not load is 422 with its
    sentence, and nothing changes."""
    with state.database.write() as session:
        rules, revision = zone_rules.set_zone_rules(
            session,
            name,
            access_rules=body.access_rules,
            firewall_rules=body.firewall_rules,
            rate_limits=body.rate_limits,
            lists=body.lists,
        )
    return ZoneRulesChange(**zone_rules.rules_document(rules), revision=revision)
