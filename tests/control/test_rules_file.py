"""Rules files: what `stockade zone rules` prints reads back to the same rules, and a file
it cannot use is refused with a sentence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from stockade.control.rules_file import RulesFileError, read_rules_file, rules_toml

RULES = {
    "access_rules": [
        {"action": "allow", "ips": ["198.51.100.0/24", "2001:db8::/32"], "asns": [64496]}
    ],
    "firewall_rules": [
        {"id": "wp", "expression": 'http.request.uri.path eq "/wp-login.php"', "action": "block"},
        {
            "id": "odd",
            "expression": 'http.request.uri.path contains "it\'s"\nor false',
            "action": "block",
            "status": 429,
            "body": "Slow down.\x7f",
            "enabled": False,
        },
    ],
    "rate_limits": [],
    "lists": [{"name": "scanners", "items": ["203.0.113.0/24", 64496], "description": "probes"}],
}


def test_printed_rules_read_back_the_same(tmp_path: Path) -> None:
    text = rules_toml(RULES)
    assert text.startswith("[[access_rules]]\naction = 'allow'\n")
    assert "expression = 'http.request.uri.path eq \"/wp-login.php\"'\n" in text
    assert "enabled = false\n" in text and "asns = [64496]\n" in text
    assert "[[lists]]\nname = 'scanners'\nitems = ['203.0.113.0/24', 64496]\n" in text
    assert tomllib.loads(text) == {key: value for key, value in RULES.items() if value}
    path = tmp_path / "rules.toml"
    path.write_text(text)
    assert read_rules_file(path) == RULES
    assert rules_toml({"access_rules": [], "firewall_rules": [], "rate_limits": []}) == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[[firewall_rules]\n", "is not valid TOML: "),
        ("[[zones]]\nname = 'x'\n", "'zones' is not a table of rules: use [[access_rules]]"),
        ("firewall_rules = 'true'\n", "firewall_rules must be tables, each written"),
        ("rate_limits = [1]\n", "rate_limits must be tables"),
    ],
)
def test_a_file_it_cannot_use_is_explained(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(content)
    with pytest.raises(RulesFileError, match=r"rules\.toml") as caught:
        read_rules_file(path)
    assert expected in str(caught.value)
    with pytest.raises(RulesFileError, match=r"Cannot read .*: No such file or directory\."):
        read_rules_file(tmp_path / "missing.toml")
