"""CLI commands of the control plane: `stockade control` runs it; `zone`, `block`,
`unblock`, `edges` and `token` talk to its API (STOCKADE_URL, STOCKADE_TOKEN), so they
work the same against a control plane on this machine or a remote one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import typer

from stockade.config import SettingsError, load_settings
from stockade.logs import configure_logging
from stockade.terminal import DatabaseUrlOption, DataOption, fail

if TYPE_CHECKING:
    from stockade.control.client import ApiClient

zone_app = typer.Typer(help="Add, list, show, change and remove zones.", no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke API tokens (admin).", no_args_is_help=True)
alerts_app = typer.Typer(
    help="Alerts the watch worker raised: list them, or show one with its evidence.",
    invoke_without_command=True,
)

# An edge polls at least every 30 s; one not seen for longer than this is flagged.
STALE_SECONDS = 90


def register(app: typer.Typer) -> None:
    """Add the control plane's commands to the `stockade` app."""
    app.command("control")(control)
    app.add_typer(zone_app, name="zone")
    app.command("block")(block)
    app.command("unblock")(unblock)
    app.command("edges")(edges)
    app.add_typer(token_app, name="token")
    app.add_typer(alerts_app, name="alerts")


def _client() -> ApiClient:
    # Imported here so that `stockade edge`, which shares this app, does not load httpx.
    from stockade.control.client import ApiClient

    try:
        return ApiClient.from_settings(load_settings())
    except SettingsError as error:
        fail(str(error), 2)


@contextmanager
def _api() -> Iterator[ApiClient]:
    """A client whose failures end the command with their sentence."""
    from stockade.control.client import ClientError

    with _client() as client:
        try:
            yield client
        except ClientError as error:
            fail(error.message)


def _call(method: str, path: str, body: Any = None) -> Any:
    with _api() as client:
        return client.call(method, path, json=body)


# the service


def control(
    data: DataOption = None,
    listen: Annotated[
        str | None,
        typer.Option("--listen", help="HOST:PORT to serve on (STOCKADE_LISTEN; 127.0.0.1:8000)."),
    ] = None,
    database_url: DatabaseUrlOption = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="Base URL of public notice links (STOCKADE_PUBLIC_URL; http://LISTEN).",
        ),
    ] = None,
) -> None:
    """Run the control plane: REST API, public notices and the snapshot feed for edges."""

    import uvloop
    from sqlalchemy.exc import OperationalError

    from stockade.control.app import bootstrap, create_app, serve
    from stockade.control.errors import ControlError
    from stockade.store import DatabaseError

    flags = {"data": data, "listen": listen, "database_url": database_url, "public_url": public_url}
    configure_logging()
    try:
        settings = load_settings(flags)
        started = bootstrap(settings)
        app = create_app(settings)
    except (SettingsError, ControlError, DatabaseError) as error:
        fail(str(error), 2)
    except OperationalError as error:
        fail(
            f"Cannot use the database {_safe(settings.database)}: {str(error.orig).strip()}. "
            "Check that it runs and that the URL is right.",
            2,
        )
    except OSError as error:
        fail(f"Cannot use the data directory {data or 'data'}: {error}.", 2)
    typer.echo(f"control plane on http://{settings.listen} (database {_safe(settings.database)})")
    typer.echo(f"public key: {started.public_key}")
    if started.created_admin_token:
        typer.echo(
            f"admin token (shown once; also in {settings.data / 'admin-token'}): "
            f"{started.admin_token}"
        )
    try:
        uvloop.run(serve(settings, app))
    except OSError as error:
        fail(f"Cannot serve on {settings.listen}: {error.strerror}.", 2)


def _safe(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


# zones

# The challenge options of `zone add` and `zone update`: unset leaves the choice to the
# control plane (its defaults on add, the zone's current values on update).
SecurityLevelOption = Annotated[
    str | None,
    typer.Option(
        "--security-level",
        help="normal, or under_attack: every visitor must pass the proof-of-work challenge.",
    ),
]
DifficultyOption = Annotated[
    int | None,
    typer.Option("--challenge-difficulty", help="Leading zero bits of the proof of work, 1 to 32."),
]
ClearanceOption = Annotated[
    int | None,
    typer.Option(
        "--clearance-ttl", help="Seconds a passed challenge lets a visitor in, 60 to 2592000."
    ),
]


# The sampling options, the same way: unset leaves the rate and the types as they are.
SampleRateOption = Annotated[
    float | None,
    typer.Option(
        "--sample-rate",
        help="Share of 200 responses edges send to watch, 0 (none) to 1, such as 0.1.",
    ),
]
SampleTypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--sample-type",
        help="A media type to sample, such as text/html (repeatable; replaces the list).",
    ),
]


def _security_fields(
    security_level: str | None,
    challenge_difficulty: int | None,
    clearance_ttl: int | None,
    sample_rate: float | None,
    sample_type: list[str] | None,
) -> dict[str, Any]:
    """The challenge and sampling options given, as API fields."""
    fields = {
        "security_level": security_level,
        "challenge_difficulty": challenge_difficulty,
        "clearance_ttl": clearance_ttl,
        "sample_rate": sample_rate,
        "sample_types": sample_type or None,
    }
    return {name: value for name, value in fields.items() if value is not None}


@zone_app.command("add")
def zone_add(
    name: Annotated[str, typer.Argument(help="The zone's name, such as forum-example.")],
    host: Annotated[list[str], typer.Option("--host", help="A hostname of the zone (repeatable).")],
    origin: Annotated[
        list[str],
        typer.Option("--origin", help="An origin URL, http(s)://HOST[:PORT] (repeatable)."),
    ],
    service: Annotated[
        str, typer.Option("--service", help="proxied (security only) or hosted.")
    ] = "proxied",
    customer_contact: Annotated[
        str | None, typer.Option("--customer-contact", help="The customer's e-mail or URL.")
    ] = None,
    abuse_contact: Annotated[
        str | None,
        typer.Option("--abuse-contact", help="The hosting provider's abuse e-mail or URL."),
    ] = None,
    security_level: SecurityLevelOption = None,
    challenge_difficulty: DifficultyOption = None,
    clearance_ttl: ClearanceOption = None,
    sample_rate: SampleRateOption = None,
    sample_type: SampleTypeOption = None,
) -> None:
    """Add a zone: a customer site, its hostnames and origins."""
    body = {
        "name": name,
        "hostnames": host,
        "origins": origin,
        "service": service,
        "customer_contact": customer_contact,
        "abuse_contact": abuse_contact,
        **_security_fields(
            security_level, challenge_difficulty, clearance_ttl, sample_rate, sample_type
        ),
    }
    result = _call("POST", "/v1/zones", body)
    zone = result["zone"]
    typer.echo(
        f"zone {zone['name']} added (revision {result['revision']}): "
        f"{', '.join(zone['hostnames'])} -> {', '.join(zone['origins'])}, "
        f"security level {zone['security_level']}"
    )


@zone_app.command("list")
def zone_list() -> None:
    """List every zone, with the enforcements in force."""
    with _api() as client:
        zones = client.get_all("/v1/zones")
    if not zones:
        typer.echo("no zones yet: add one with `stockade zone add`")
        return
    rows = [("NAME", "SERVICE", "SECURITY", "HOSTNAMES", "ORIGINS", "ENFORCEMENT")]
    for zone in zones:
        rows.append(
            (
                zone["name"],
                zone["service"],
                zone["security_level"],
                ", ".join(zone["hostnames"]),
                ", ".join(zone["origins"]),
                _enforcement_summary(zone["enforcements"]),
            )
        )
    _table(rows)


@zone_app.command("show")
def zone_show(name: Annotated[str, typer.Argument(help="The zone's name.")]) -> None:
    """Show one zone: hostnames, origins, contacts, challenge and sampling settings and
    enforcements in force."""
    zone = _call("GET", f"/v1/zones/{_quote(name)}")
    lines = [
        f"zone {zone['name']} ({zone['service']})",
        f"  hostnames: {', '.join(zone['hostnames'])}",
        f"  origins: {', '.join(zone['origins'])}",
        f"  customer contact: {zone['customer_contact'] or '-'}",
        f"  abuse contact: {zone['abuse_contact'] or '-'}",
        f"  security level: {zone['security_level']} (challenge difficulty "
        f"{zone['challenge_difficulty']} bits, clearance {zone['clearance_ttl']} s)",
        f"  sampling for watch: {zone['sample_rate']:g} of "
        f"{', '.join(zone['sample_types']) or 'no media type'}",
    ]
    for enforcement in zone["enforcements"]:
        lines.append(
            f"  enforcement {enforcement['id']}: {enforcement['action']} "
            f"({enforcement['basis']}, {enforcement['status']}) since "
            f"{enforcement['starts_at']}: {enforcement['reason']} "
            f"notice {enforcement['notice_url']}"
        )
    if not zone["enforcements"]:
        lines.append("  no enforcement in force")
    typer.echo("\n".join(lines))


@zone_app.command("update")
def zone_update(
    name: Annotated[str, typer.Argument(help="The zone's name.")],
    host: Annotated[
        list[str] | None,
        typer.Option("--host", help="Replace the hostnames with these (repeatable)."),
    ] = None,
    origin: Annotated[
        list[str] | None,
        typer.Option("--origin", help="Replace the origins with these (repeatable)."),
    ] = None,
    service: Annotated[str | None, typer.Option("--service", help="proxied or hosted.")] = None,
    customer_contact: Annotated[
        str | None,
        typer.Option("--customer-contact", help="The customer's e-mail or URL ('' clears it)."),
    ] = None,
    abuse_contact: Annotated[
        str | None,
        typer.Option("--abuse-contact", help="The abuse e-mail or URL ('' clears it)."),
    ] = None,
    security_level: SecurityLevelOption = None,
    challenge_difficulty: DifficultyOption = None,
    clearance_ttl: ClearanceOption = None,
    sample_rate: SampleRateOption = None,
    sample_type: SampleTypeOption = None,
) -> None:
    """Change a zone: only the options given change."""
    body = _security_fields(
        security_level, challenge_difficulty, clearance_ttl, sample_rate, sample_type
    )
    if host:
        body["hostnames"] = host
    if origin:
        body["origins"] = origin
    if service is not None:
        body["service"] = service
    if customer_contact is not None:
        body["customer_contact"] = customer_contact or None
    if abuse_contact is not None:
        body["abuse_contact"] = abuse_contact or None
    if not body:
        fail(
            "Nothing to change: give --host, --origin, --service, a contact option, a "
            "challenge option (--security-level, --challenge-difficulty, --clearance-ttl) or "
            "a sampling option (--sample-rate, --sample-type).",
            2,
        )
    result = _call("PATCH", f"/v1/zones/{_quote(name)}", body)
    typer.echo(
        f"zone {name} updated (revision {result['revision']}), "
        f"security level {result['zone']['security_level']}"
    )


@zone_app.command("rules")
def zone_rules(
    name: Annotated[str, typer.Argument(help="The zone's name.")],
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Replace the zone's rules and lists with the [[access_rules]], "
            "[[firewall_rules]], [[rate_limits]] and [[lists]] tables of this TOML file.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
) -> None:
    """Print a zone's access rules, firewall rules, rate limits and named lists as TOML, or
    replace them all with those of a file."""
    from stockade.control.client import ClientError
    from stockade.control.rules_file import (
        RULE_LISTS,
        RulesFileError,
        read_rules_file,
        rules_toml,
    )

    path = f"/v1/zones/{_quote(name)}/rules"
    if file is None:
        rules = _call("GET", path)
    else:
        try:
            body = read_rules_file(file)
        except RulesFileError as error:
            fail(str(error), 2)
        with _client() as client:
            try:
                rules = client.call("PUT", path, json=body)
            except ClientError as error:
                # A rule the control plane refuses is the file's to fix.
                if error.status == 422:
                    fail(f"{file}: {error.message}", 2)
                fail(error.message)
    if as_json:
        typer.echo(json.dumps(rules, indent=2))
        return
    counts = ", ".join(f"{key.replace('_', ' ')}: {len(rules[key])}" for key in RULE_LISTS)
    if file is not None:
        typer.echo(f"zone {name} rules replaced (revision {rules['revision']}): {counts}")
        return
    typer.echo(f"# zone {name}: {counts}")
    text = rules_toml(rules)
    if text:
        typer.echo("\n" + text, nl=False)


@zone_app.command("remove")
def zone_remove(name: Annotated[str, typer.Argument(help="The zone's name.")]) -> None:
    """Remove a zone (refused while an enforcement is in force: unblock it first)."""
    result = _call("DELETE", f"/v1/zones/{_quote(name)}")
    typer.echo(f"zone {name} removed (revision {result['revision']})")


# enforcement


def block(
    name: Annotated[str, typer.Argument(help="The zone to enforce on.")],
    basis: Annotated[
        str, typer.Option("--basis", help="emergency, policy or legal: why you may act.")
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="One sentence for visitors, on the block page.")
    ],
    notice_title: Annotated[
        str | None, typer.Option("--notice-title", help="Title of the public notice.")
    ] = None,
    notice_body: Annotated[
        str | None, typer.Option("--notice-body", help="The notice's body, in Markdown.")
    ] = None,
    notice_body_file: Annotated[
        Path | None,
        typer.Option("--notice-body-file", help="Read the notice's Markdown body from a file."),
    ] = None,
    notice_url: Annotated[
        str | None,
        typer.Option("--notice-url", help="Link to a notice published elsewhere instead."),
    ] = None,
    status: Annotated[int, typer.Option("--status", help="451 (default) or 403.")] = 451,
    action: Annotated[
        str,
        typer.Option("--action", help="block (default), path_block, geo_block or interstitial."),
    ] = "block",
    path: Annotated[
        list[str] | None,
        typer.Option("--path", help="A path to block, for path_block (repeatable)."),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", help="A country code, for geo_block (repeatable)."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            "--until", help="End time (ISO 8601, UTC unless it says); default: until lifted."
        ),
    ] = None,
) -> None:
    """Block a zone (or part of it) at every edge, with a public notice."""
    if notice_body is not None and notice_body_file is not None:
        fail("Give --notice-body or --notice-body-file, not both.", 2)
    if notice_body_file is not None:
        try:
            notice_body = notice_body_file.read_text(encoding="utf-8")
        except OSError as error:
            fail(f"Cannot read {notice_body_file}: {error.strerror}.", 2)
    body: dict[str, Any] = {
        "action": action,
        "basis": basis,
        "reason": reason,
        "status": status,
        "paths": path or [],
        "countries": country or [],
    }
    if until is not None:
        body["ends_at"] = (until if until.tzinfo else until.replace(tzinfo=UTC)).isoformat()
    if notice_url is not None:
        if notice_body is not None:
            fail("Give either a notice body (published here) or --notice-url, not both.", 2)
        body["notice_url"] = notice_url
    elif notice_body is not None:
        if not notice_title:
            fail("The notice needs a title: add --notice-title.", 2)
        body["notice"] = {"title": notice_title, "body_markdown": notice_body}
    else:
        fail(
            "A block needs a public notice: give --notice-title with --notice-body or "
            "--notice-body-file, or --notice-url for a notice published elsewhere.",
            2,
        )
    result = _call("POST", f"/v1/zones/{_quote(name)}/enforcements", body)
    enforcement = result["enforcement"]
    typer.echo(
        f"zone {name}: {enforcement['action']} in force as enforcement {enforcement['id']} "
        f"({enforcement['status']}, basis {enforcement['basis']}), revision {result['revision']}"
    )
    typer.echo(f"notice: {enforcement['notice_url']}")


def unblock(
    name: Annotated[str, typer.Argument(help="The zone to unblock.")],
    enforcement_id: Annotated[
        int | None, typer.Option("--id", help="Lift only this enforcement.")
    ] = None,
) -> None:
    """Lift the enforcements of a zone (or only one with --id) at every edge."""
    if enforcement_id is not None:
        result = _call("DELETE", f"/v1/zones/{_quote(name)}/enforcements/{enforcement_id}")
        lifted = [result["enforcement"]]
    else:
        result = _call("POST", f"/v1/zones/{_quote(name)}/unblock")
        lifted = result["lifted"]
    if not lifted:
        typer.echo(
            f"zone {name} had no enforcement in force: nothing changed "
            f"(revision {result['revision']})"
        )
        return
    ids = ", ".join(str(enforcement["id"]) for enforcement in lifted)
    typer.echo(f"zone {name}: lifted enforcement {ids}, revision {result['revision']}")


# edges


def edges() -> None:
    """Show each edge following the feed, its revision and when it was last seen."""
    result = _call("GET", "/v1/edges")
    current = result["revision"]
    typer.echo(f"current revision: {current}")
    if not result["edges"]:
        typer.echo("no edge has polled the feed yet")
        return
    now = time.time()
    rows = [("NAME", "REVISION", "ADDRESS", "LAST SEEN", "STATE")]
    for edge in result["edges"]:
        age = now - datetime.fromisoformat(edge["last_seen"]).timestamp()
        behind = current - edge["revision"]
        state = "current" if behind <= 0 else f"behind by {behind}"
        if age > STALE_SECONDS:
            state += ", not polling"
        rows.append(
            (edge["name"], str(edge["revision"]), edge["address"], f"{age:.0f} s ago", state)
        )
    _table(rows)


# tokens


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="admin, operator, viewer or edge.")],
    name: Annotated[str, typer.Option("--name", help="Who or what uses it, such as edge-1.")],
) -> None:
    """Create an API token; it is printed once and cannot be shown again."""
    result = _call("POST", "/v1/tokens", {"name": name, "role": role})
    typer.echo(f"token {result['id']} ({result['name']}, {result['role']}), shown once:")
    typer.echo(result["token"])


@token_app.command("list")
def token_list() -> None:
    """List API tokens (never their text)."""
    tokens = _call("GET", "/v1/tokens")
    rows = [("ID", "NAME", "ROLE", "CREATED", "REVOKED")]
    for token in tokens:
        rows.append(
            (
                str(token["id"]),
                token["name"],
                token["role"],
                token["created_at"][:19],
                (token["revoked_at"] or "-")[:19],
            )
        )
    _table(rows)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id.")]) -> None:
    """Revoke an API token: it stops working at once."""
    result = _call("DELETE", f"/v1/tokens/{token_id}")
    typer.echo(f"token {result['id']} ({result['name']}) revoked")


# alerts

JsonOption = Annotated[bool, typer.Option("--json", help="Print the API's JSON.")]


@alerts_app.callback()
def alerts(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List alerts, newest first: when, zone, severity and what happened."""
    if ctx.invoked_subcommand is not None:
        return
    with _api() as client:
        found = client.get_all("/v1/alerts")
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    if not found:
        typer.echo("no alerts yet")
        return
    rows = [("ID", "HOUR", "ZONE", "SEVERITY", "DELIVERY", "WHAT")]
    for alert in found:
        rows.append(
            (
                str(alert["id"]),
                alert["hour"][:16],
                alert["zone"],
                alert["severity"],
                alert["delivery"]["status"],
                alert["sentence"],
            )
        )
    _table(rows)


@alerts_app.command("show")
def alerts_show(
    alert_id: Annotated[int, typer.Argument(help="The alert's id.")], as_json: JsonOption = False
) -> None:
    """Show one alert with its evidence: the items, their spans and the hourly series."""
    alert = _call("GET", f"/v1/alerts/{alert_id}")
    if as_json:
        typer.echo(json.dumps(alert, indent=2))
        return
    evidence = alert["evidence"]
    delivery = alert["delivery"]
    lines = [
        f"alert {alert['id']} on {alert['zone']} ({alert['severity']}): {alert['sentence']}",
        f"  window: {alert['window_hours']} h to {alert['hour']}, {alert['observed']} seen, "
        f"{alert['expected']:g} expected, p = {alert['p_value']:.2g}",
        f"  webhook: {delivery['status']}"
        + (f" ({delivery['error']})" if delivery["error"] else ""),
        f"  items: {evidence['item_count']}"
        + (
            f", {len(evidence['items'])} shown"
            if len(evidence["items"]) < evidence["item_count"]
            else ""
        ),
    ]
    for item in evidence["items"]:
        cues = ", ".join(
            f"{span['label']}/{span['kind']} '{span['text']}'" for span in item["spans"]
        )
        lines.append(
            f"    {item['time'][:16]} {item['id']} by {item['author'] or '-'} "
            f"{item['url'] or ''}".rstrip()
        )
        lines.append(f"      {item['text'][:200]!r}")
        if cues:
            lines.append(f"      cues: {cues}")
    counts = " ".join(str(bucket["count"]) for bucket in evidence["series"])
    lines.append(f"  hourly series from {evidence['series'][0]['hour'][:16]}: {counts}")
    typer.echo("\n".join(lines))


def _quote(name: str) -> str:
    return quote(name, safe="")


def _enforcement_summary(enforcements: list[dict[str, Any]]) -> str:
    if not enforcements:
        return "-"
    return ", ".join(
        f"{item['action']} ({item['basis']}, {item['status']})" for item in enforcements
    )


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
