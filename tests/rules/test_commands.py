"""`stockade rules check` and `stockade rules test`: exit 0 with the answer, or 2 with a
sentence that says what is wrong."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from stockade.cli import app

runner = CliRunner()


def test_check_accepts_a_valid_rule() -> None:
    result = runner.invoke(app, ["rules", "check", 'http.request.uri.path contains "/wp-login"'])
    assert result.exit_code == 0
    assert result.output == "OK: a valid rule of 42 characters.\n"


def test_check_prints_the_python_the_rule_compiles_to() -> None:
    result = runner.invoke(app, ["rules", "check", "--python", 'http.host eq "a.example"'])
    assert result.exit_code == 0
    assert result.output == (
        "OK: a valid rule of 24 characters.\n"
        "def matches(values):\n"
        "    return (values.host == _c1)\n"
    )


def test_check_shows_where_the_rule_is_wrong() -> None:
    result = runner.invoke(app, ["rules", "check", 'ip.src eq "x"'])
    assert result.exit_code == 2
    assert result.output == (
        'ip.src eq "x"\n'
        "          ^\n"
        "error: ip.src is an IP address; compare it with an IP or a CIDR range, not a string.\n"
    )


def test_check_of_a_too_long_rule_has_no_caret() -> None:
    result = runner.invoke(app, ["rules", "check", "ssl or " * 600 + "ssl"])
    assert result.exit_code == 2
    assert result.output.startswith("error: The expression is 4,203 characters long")


REQUEST = {
    "method": "POST",
    "host": "forum.example",
    "path": "/wp-login.php",
    "query": "a=1",
    "version": "HTTP/2",
    "headers": {"User-Agent": "curl/8.5.0", "Accept": ["text/html", "application/json"]},
    "ip": "2001:db8::7",
    "country": "FR",
    "asn": 64500,
    "tls": True,
    "body_size": 12,
}


@pytest.mark.parametrize(
    ("expression", "printed"),
    [
        ('http.request.method eq "POST" and http.host eq "forum.example"', "true"),
        ('http.request.uri eq "/wp-login.php?a=1" and http.request.version eq "HTTP/2"', "true"),
        ('http.user_agent contains "curl" and ip.src in {2001:db8::/32}', "true"),
        ('any(http.request.headers["accept"][*] eq "application/json")', "true"),
        ('ip.src.country eq "FR" and ip.src.asnum eq 64500 and ssl', "true"),
        ("http.request.body.size gt 12", "false"),
    ],
)
def test_test_prints_whether_the_rule_matches(expression: str, printed: str) -> None:
    result = runner.invoke(app, ["rules", "test", expression, "--request", json.dumps(REQUEST)])
    assert result.exit_code == 0, result.output
    assert result.output == printed + "\n"


def test_test_without_a_request_uses_an_empty_get() -> None:
    result = runner.invoke(app, ["rules", "test", 'http.request.method eq "GET" and not ssl'])
    assert (result.exit_code, result.output) == (0, "true\n")


def test_lists_are_given_by_name() -> None:
    arguments = ["rules", "test", "ip.src in $bad", "--list", "bad=10.0.0.0/8, 192.0.2.7"]
    result = runner.invoke(app, [*arguments, "--request", '{"ip": "192.0.2.7"}'])
    assert (result.exit_code, result.output) == (0, "true\n")
    result = runner.invoke(app, ["rules", "check", "ip.src in $bad", "--list", "$bad=x"])
    assert result.exit_code == 2
    assert "Item 1 of the list $bad is 'x', not an IP address" in result.output
    result = runner.invoke(app, ["rules", "check", "ssl", "--list", "nothing"])
    assert result.exit_code == 2
    assert "--list 'nothing' is not NAME=ITEM,ITEM" in result.output


@pytest.mark.parametrize(
    ("request_json", "message"),
    [
        ('{"ip": ', "--request is not valid JSON (Expecting value at character 8)"),
        ("[1]", "--request must be a JSON object"),
        ('{"port": 1}', "--request has the key 'port', which is not one of: method, host,"),
        ('{"asn": "13335"}', "In --request, 'asn' must be a number, such as 13335, not \"13335\"."),
        ('{"body_size": true}', "'body_size' must be a number"),
        ('{"tls": "yes"}', "'tls' must be true or false"),
        ('{"headers": ["a"]}', "'headers' must be an object of header names"),
        ('{"headers": {"a": 1}}', "the header 'a' must be a string or a list of strings, not 1."),
        ('{"ip": "nowhere"}', "'ip' is 'nowhere', which is not an IP address"),
    ],
)
def test_a_bad_request_gets_a_sentence_and_status_2(request_json: str, message: str) -> None:
    result = runner.invoke(app, ["rules", "test", "ssl", "--request", request_json])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert message in result.output


def test_the_installed_command_prints_errors_on_standard_error() -> None:
    command = [
        sys.executable,
        "-m",
        "stockade.cli",
        "rules",
        "test",
        "ip.src eq 1",
        "--request",
        "{}",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert (
        "ip.src is an IP address; compare it with an IP or a CIDR range, not a number."
        in finished.stderr
    )
    assert "^" in finished.stderr
