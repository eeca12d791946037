"""The CLI against a real control process, through STOCKADE_URL and STOCKADE_TOKEN."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from stockade.cli import app
from tests.support.control_process import ControlProcess
from tests.support.ports import free_port

runner = CliRunner()


@pytest.fixture
def control(control_process: type[ControlProcess]) -> Iterator[ControlProcess]:
    yield control_process.start()


def _env(control: ControlProcess, token: str | None = None) -> dict[str, str]:
    return {"STOCKADE_URL": control.url, "STOCKADE_TOKEN": token or control.admin_token}


def _run(control: ControlProcess, *args: str, token: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=_env(control, token))
    return result.exit_code, result.output


def test_zone_block_edges_unblock(control: ControlProcess, tmp_path: Path) -> None:
    code, output = _run(
        control,
        "zone", "add", "forum",
        "--host", "forum.example", "--host", "www.forum.example",
        "--origin", "http://10.0.0.5:8080",
        "--service", "hosted",
        "--customer-contact", "owner@forum.example",
        "--abuse-contact", "abuse@host.example",
        "--challenge-difficulty", "12",
        "--sample-rate", "0.1",
    )  # fmt: skip
    assert code == 0, output
    assert "zone forum added (revision 1)" in output and "security level normal" in output

    code, output = _run(control, "zone", "list")
    assert code == 0
    assert "forum" in output and "forum.example, www.forum.example" in output and "hosted" in output
    assert "SECURITY" in output.splitlines()[0] and "normal" in output.splitlines()[1]

    body = tmp_path / "notice.md"
    body.write_text("# Why\n\nThreats against a person.\n")
    code, output = _run(
        control,
        "block", "forum",
        "--basis", "emergency",
        "--reason", "This forum hosts threats against a person.",
        "--notice-title", "Forum suspended",
        "--notice-body-file", str(body),
        "--status", "403",
    )  # fmt: skip
    assert code == 0, output
    assert "in force as enforcement 1 (403, basis emergency), revision 2" in output
    notice_url = output.split("notice: ")[1].strip()
    page = httpx.get(notice_url)
    assert page.status_code == 200 and "Threats against a person." in page.text

    code, output = _run(control, "zone", "show", "forum")
    assert "enforcement 1: block (emergency, 403)" in output
    assert "abuse contact: abuse@host.example" in output
    assert "security level: normal (challenge difficulty 12 bits, clearance 3600 s)" in output
    assert "sampling for watch: 0.1 of text/html, application/json" in output

    httpx.get(
        f"{control.url}/v1/edge/snapshot",
        params={"after": 2, "edge": "paris-1", "wait": 0},
        headers={"authorization": f"Bearer {control.admin_token}"},
    )
    code, output = _run(control, "edges")
    assert code == 0
    assert "current revision: 2" in output
    assert "paris-1" in output and "current" in output

    code, output = _run(control, "unblock", "forum")
    assert code == 0 and "lifted enforcement 1, revision 3" in output
    code, output = _run(control, "unblock", "forum")
    assert code == 0 and "nothing changed (revision 3)" in output
    code, output = _run(control, "zone", "update", "forum", "--origin", "https://o.example")
    assert code == 0 and "revision 4" in output
    code, output = _run(
        control,
        "zone",
        "update",
        "forum",
        "--security-level",
        "under_attack",
        "--clearance-ttl",
        "600",
    )
    assert code == 0 and "updated (revision 5), security level under_attack" in output
    code, output = _run(control, "zone", "show", "forum")
    assert "security level: under_attack (challenge difficulty 12 bits, clearance 600 s)" in output
    code, output = _run(
        control,
        "zone", "update", "forum",
        "--sample-rate", "0.25", "--sample-type", "text/html", "--sample-type", "text/plain",
    )  # fmt: skip
    assert code == 0 and "updated (revision 6)" in output, output
    code, output = _run(control, "zone", "show", "forum")
    assert "sampling for watch: 0.25 of text/html, text/plain" in output
    code, output = _run(control, "zone", "update", "forum")
    assert code == 2 and "--security-level" in output and "--sample-rate" in output
    code, output = _run(control, "zone", "remove", "forum")
    assert code == 0 and "zone forum removed (revision 7)" in output


def test_path_and_geo_blocks_and_lifting_one(control: ControlProcess) -> None:
    _run(control, "zone", "add", "forum", "--host", "forum.example", "--origin", "http://x")
    code, output = _run(
        control,
        "block", "forum",
        "--action", "path_block", "--path", "/threads/12", "--path", "/u/*/posts",
        "--basis", "legal", "--reason", "A court ordered it.",
        "--notice-url", "https://provider.example/notices/7",
    )  # fmt: skip
    assert code == 0, output
    assert "notice: https://provider.example/notices/7" in output
    code, output = _run(
        control,
        "block", "forum",
        "--action", "geo_block", "--country", "de", "--country", "FR",
        "--basis", "legal", "--reason", "A court ordered it.",
        "--notice-title", "Geo", "--notice-body", "Ordered.",
        "--until", "2999-01-01T00:00:00",
    )  # fmt: skip
    assert code == 0, output
    zone = httpx.get(
        f"{control.url}/v1/zones/forum", headers={"authorization": f"Bearer {control.admin_token}"}
    ).json()
    blocks = {e["action"]: e for e in zone["enforcements"]}
    assert blocks["path_block"]["paths"] == ["/threads/12", "/u/*/posts"]
    assert blocks["geo_block"]["countries"] == ["DE", "FR"]
    assert blocks["geo_block"]["ends_at"] == "2999-01-01T00:00:00Z"
    code, output = _run(control, "unblock", "forum", "--id", str(blocks["path_block"]["id"]))
    assert code == 0 and f"lifted enforcement {blocks['path_block']['id']}" in output


def test_errors_are_sentences_with_exit_code_1(control: ControlProcess) -> None:
    _run(control, "zone", "add", "forum", "--host", "forum.example", "--origin", "http://x")
    cases = [
        (("zone", "add", "copy", "--host", "forum.example", "--origin", "http://x"),
         "already belongs to zone 'forum'"),
        (("zone", "add", "bad", "--host", "bad host", "--origin", "http://x"),
         "is not a valid hostname"),
        (("zone", "add", "bad", "--host", "ok.example", "--origin", "10.0.0.5"),
         "is not usable"),
        (("zone", "show", "ghost"), "There is no zone named 'ghost'"),
        (("block", "ghost", "--basis", "policy", "--reason", "R.", "--notice-url", "https://n"),
         "There is no zone named 'ghost'"),
        (("block", "forum", "--basis", "whim", "--reason", "R.", "--notice-url", "https://n"),
         "'basis'"),
        (("zone", "update", "forum", "--challenge-difficulty", "33"),
         "challenge_difficulty 33 is out of range: give 1 to 32"),
        (("zone", "update", "forum", "--clearance-ttl", "5"),
         "clearance_ttl 5 is out of range: give 60 seconds"),
        (("zone", "update", "forum", "--security-level", "panic"),
         "'security_level': Input should be 'normal' or"),
        (("zone", "update", "forum", "--sample-rate", "2"),
         "sample_rate 2.0 is out of range: give 0 (no sampling) to 1"),
        (("zone", "update", "forum", "--sample-type", "text/html;q=1"),
         "sample type 'text/html;q=1' is not a media type"),
    ]  # fmt: skip
    for args, expected in cases:
        code, output = _run(control, *args)
        assert code == 1, (args, output)
        assert "error: " in output and expected in output, (args, output)
    code, output = _run(control, "zone", "show", "forum")
    assert "security level: normal (challenge difficulty 16 bits, clearance 3600 s)" in output
    assert "sampling for watch: 0 of text/html, application/json" in output


def test_a_block_needs_a_well_formed_notice(control: ControlProcess) -> None:
    base = ("block", "forum", "--basis", "policy", "--reason", "R.")
    cases = [
        ((), "A block needs a public notice"),
        (("--notice-body", "B"), "needs a title"),
        (("--notice-body", "B", "--notice-body-file", "x.md"), "not both"),
        (("--notice-title", "T", "--notice-body", "B", "--notice-url", "https://n"), "not both"),
        (("--notice-title", "T", "--notice-body-file", "/nonexistent.md"), "Cannot read"),
    ]
    for extra, expected in cases:
        code, output = _run(control, *base, *extra)
        assert code == 2, (extra, output)
        assert expected in output, (extra, output)


def test_roles_are_enforced_for_the_cli_too(control: ControlProcess) -> None:
    code, output = _run(control, "token", "create", "--role", "viewer", "--name", "bob")
    assert code == 0 and "shown once" in output
    viewer = output.strip().splitlines()[-1]
    code, output = _run(control, "zone", "list", token=viewer)
    assert code == 0
    code, output = _run(
        control, "zone", "add", "x", "--host", "x.example", "--origin", "http://x", token=viewer
    )
    assert code == 1 and "role viewer, which cannot change zones" in output
    code, output = _run(control, "token", "list")
    assert "bob" in output and "viewer" in output
    code, output = _run(control, "token", "revoke", "2")
    assert code == 0 and "token 2 (bob) revoked" in output
    code, output = _run(control, "zone", "list", token=viewer)
    assert code == 1 and "not valid" in output


def test_an_unreachable_control_plane(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(app, ["zone", "list"], env={"STOCKADE_URL": url, "STOCKADE_TOKEN": "x"})
    assert result.exit_code == 1
    assert f"Cannot connect to the control plane at {url}" in result.output


def test_the_installed_command_in_a_subprocess(control: ControlProcess) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stockade.cli", "zone", "list"],
        env={**os.environ, **_env(control)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no zones yet" in result.stdout


def test_control_refuses_a_bad_listen_address(tmp_path: Path) -> None:
    result = runner.invoke(app, ["control", "--data", str(tmp_path), "--listen", "nowhere"])
    assert result.exit_code == 2
    assert "is not HOST:PORT" in result.output


def test_control_refuses_a_bad_database_url(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["control", "--data", str(tmp_path), "--database-url", "mysql://x/y"]
    )
    assert result.exit_code == 2
    assert "is not supported" in result.output


def test_control_explains_an_unreachable_database(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    result = runner.invoke(app, ["control", "--data", str(tmp_path), "--database-url", url])
    assert result.exit_code == 2
    assert "Cannot use the database postgresql+psycopg://nobody@127.0.0.1" in result.output


def test_control_prints_the_key_and_first_token(control: ControlProcess) -> None:
    log = control.log()
    assert "public key: ed25519:" in log
    assert f"admin token (shown once; also in {control.data / 'admin-token'})" in log
