"""`stockade zone rules` against a real control process: rules printed as TOML or JSON,
replaced from a file, and a file the control plane refuses is the file's error (exit 2)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockade.cli import app
from tests.support.control_process import ControlProcess

runner = CliRunner()

RULES_FILE = """\
[[access_rules]]
action = "block"
ips = ["192.0.2.0/24"]
note = "scanner"

[[firewall_rules]]
id = "wp-login"
expression = 'http.request.uri.path eq "/wp-login.php"'
action = "block"

[[rate_limits]]
id = "burst"
expression = "http.request.uri.path in $login_paths"
requests_per_period = 5
period = 10

[[lists]]
name = "login_paths"
items = ["/login", "/wp-login.php"]
"""


@pytest.fixture
def control(control_process: type[ControlProcess]) -> Iterator[ControlProcess]:
    control = control_process.start()
    code, output = _run(
        control, "zone", "add", "forum", "--host", "forum.example", "--origin", "http://x"
    )
    assert code == 0, output
    yield control


def _run(control: ControlProcess, *args: str) -> tuple[int, str]:
    env = {"STOCKADE_URL": control.url, "STOCKADE_TOKEN": control.admin_token}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_rules_are_replaced_from_a_file_and_printed(
    control: ControlProcess, tmp_path: Path
) -> None:
    code, output = _run(control, "zone", "rules", "forum")
    assert (code, output) == (
        0,
        "# zone forum: access rules: 0, firewall rules: 0, rate limits: 0, lists: 0\n",
    )

    path = tmp_path / "rules.toml"
    path.write_text(RULES_FILE)
    code, output = _run(control, "zone", "rules", "forum", "--file", str(path))
    assert code == 0, output
    assert output == (
        "zone forum rules replaced (revision 2): access rules: 1, firewall rules: 1, "
        "rate limits: 1, lists: 1\n"
    )

    code, output = _run(control, "zone", "rules", "forum")
    assert code == 0, output
    assert output.startswith(
        "# zone forum: access rules: 1, firewall rules: 1, rate limits: 1, lists: 1\n"
    )
    assert tomllib.loads(output) == tomllib.loads(RULES_FILE)
    # What it prints is a rules file: given back, it changes nothing but the revision.
    path.write_text(output)
    code, output = _run(control, "zone", "rules", "forum", "--file", str(path), "--json")
    assert code == 0, output
    assert json.loads(output) == {**tomllib.loads(RULES_FILE), "revision": 3}

    code, output = _run(control, "zone", "rules", "forum", "--json")
    assert json.loads(output) == tomllib.loads(RULES_FILE)

    path.write_text("")
    code, output = _run(control, "zone", "rules", "forum", "--file", str(path))
    assert code == 0 and "(revision 4): access rules: 0, firewall rules: 0" in output


def test_a_bad_file_is_a_sentence_with_exit_code_2(control: ControlProcess, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    cases = [
        ("[[firewall_rules]\n", "rules.toml is not valid TOML"),
        ("[[zones]]\n", "'zones' is not a table of rules"),
        (
            "[[firewall_rules]]\nid = 'typo'\nexpression = 'http.request.uri.pth eq \"/\"'\n"
            "action = 'block'\n",
            "rules.toml: Zone 'forum', firewall rule 'typo':\n",
        ),
        (
            "[[access_rules]]\naction = 'block'\nip = ['10.0.0.1']\n",
            "rules.toml: Zone 'forum': access_rules[0] has an unknown key 'ip'",
        ),
    ]
    for content, expected in cases:
        path.write_text(content)
        code, output = _run(control, "zone", "rules", "forum", "--file", str(path))
        assert code == 2, (content, output)
        assert "error: " in output and expected in output, (content, output)
    code, output = _run(control, "zone", "rules", "forum", "--file", str(tmp_path / "none.toml"))
    assert code == 2 and "Cannot read" in output
    code, output = _run(control, "zone", "rules", "ghost")
    assert code == 1 and "There is no zone named 'ghost'" in output
    code, output = _run(control, "zone", "rules", "forum")
    assert output == "# zone forum: access rules: 0, firewall rules: 0, rate limits: 0, lists: 0\n"
