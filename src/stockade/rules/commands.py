"""`stockade rules check` and `stockade rules test`: try a rule before it goes into a
zone, with the same compiler the edge uses."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from stockade.rules.addresses import ip_key
from stockade.rules.compiler import Filter, compile
from stockade.rules.errors import RuleError
from stockade.rules.standard import RequestValues
from stockade.terminal import fail

rules_app = typer.Typer(
    help="Check firewall rule expressions and try them on a request.", no_args_is_help=True
)

ExpressionArgument = Annotated[
    str,
    typer.Argument(metavar="EXPRESSION", help="The rule, such as 'http.host eq \"a.example\"'."),
]
ListOption = Annotated[
    list[str] | None,
    typer.Option(
        "--list",
        metavar="NAME=ITEM,ITEM",
        help="Values of the list $NAME, comma-separated (repeatable).",
    ),
]

# The request keys `stockade rules test` reads: key -> (JSON type, how the error names it,
# an example).
REQUEST_KEYS: dict[str, tuple[type, str, str]] = {
    "method": (str, "a string", '"POST"'),
    "host": (str, "a string", '"forum.example"'),
    "path": (str, "a string", '"/login"'),
    "query": (str, "a string", '"q=1"'),
    "version": (str, "a string", '"HTTP/1.1"'),
    "headers": (
        dict,
        "an object of header names to strings or lists of strings",
        '{"user-agent": "curl/8.5.0"}',
    ),
    "ip": (str, "a string", '"192.0.2.7"'),
    "country": (str, "a string", '"FR"'),
    "asn": (int, "a number", "13335"),
    "tls": (bool, "true or false", "true"),
    "body_size": (int, "a number", "1024"),
}


def register(app: typer.Typer) -> None:
    """Add `stockade rules` and its commands to the `stockade` app."""
    app.add_typer(rules_app, name="rules")


@rules_app.command("check")
def check(
    expression: ExpressionArgument,
    lists: ListOption = None,
    python: Annotated[
        bool, typer.Option("--python", help="Print the Python function the rule compiles to.")
    ] = False,
) -> None:
    """Check that EXPRESSION is a valid rule: exit 0, or 2 with what is wrong and where."""
    rule = _compiled(expression, lists)
    typer.echo(f"OK: a valid rule of {len(expression):,} characters.")
    if python:
        typer.echo(rule.source, nl=False)


@rules_app.command("test")
def test(
    expression: ExpressionArgument,
    request: Annotated[
        str,
        typer.Option(
            "--request",
            metavar="JSON",
            help="The request, as a JSON object with any of the keys method, host, path, "
            "query, version, headers, ip, country, asn, tls, body_size.",
        ),
    ] = "{}",
    lists: ListOption = None,
) -> None:
    """Print true when EXPRESSION matches the request, false when it does not."""
    rule = _compiled(expression, lists)
    values = request_values(request)
    typer.echo("true" if rule.matches(values) else "false")


def _compiled(expression: str, lists: list[str] | None) -> Filter:
    named: dict[str, list[str]] = {}
    for given in lists or []:
        name, equals, items = given.partition("=")
        if not equals or not name.strip():
            fail(
                f"--list {given!r} is not NAME=ITEM,ITEM: write such as "
                "--list bad_ips=10.0.0.0/8,192.0.2.1.",
                2,
            )
        named[name.strip().lstrip("$")] = [
            item.strip() for item in items.split(",") if item.strip()
        ]
    try:
        return compile(expression, lists=named)
    except RuleError as error:
        pointer = error.pointer()
        if pointer:
            typer.echo(pointer, err=True)
        fail(error.message, 2)


def request_values(text: str) -> RequestValues:
    """The values of the request described by the JSON object `text`; a sentence and
    exit status 2 when it is not valid JSON or a key has the wrong type."""
    try:
        given = json.loads(text)
    except json.JSONDecodeError as error:
        fail(
            f"--request is not valid JSON ({error.msg} at character {error.pos + 1}); give an "
            'object such as {"path": "/login", "ip": "192.0.2.7"}.',
            2,
        )
    if not isinstance(given, dict):
        fail('--request must be a JSON object, such as {"path": "/login"}.', 2)
    arguments: dict[str, Any] = {}
    for key, value in given.items():
        if key not in REQUEST_KEYS:
            fail(
                f"--request has the key {key!r}, which is not one of: {', '.join(REQUEST_KEYS)}.", 2
            )
        kind, described, example = REQUEST_KEYS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            fail(
                f"In --request, {key!r} must be {described}, such as {example}, "
                f"not {json.dumps(value)}.",
                2,
            )
        arguments[key] = value
    if "ip" in arguments and ip_key(arguments["ip"]) is None:
        fail(
            f"In --request, 'ip' is {arguments['ip']!r}, which is not an IP address; "
            'give one such as "192.0.2.7".',
            2,
        )
    arguments["raw_headers"] = _headers(arguments.pop("headers", {}))
    return RequestValues(**arguments)


def _headers(headers: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    pairs: list[tuple[bytes, bytes]] = []
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in values):
            fail(
                f"In --request, the header {name!r} must be a string or a list of strings, "
                f"not {json.dumps(value)}.",
                2,
            )
        pairs.extend((name.encode(), item.encode()) for item in values)
    return pairs
