"""A zone's rules as a TOML file, the way an edge config file holds them under a zone:
`[[access_rules]]`, `[[firewall_rules]]`, `[[rate_limits]]` and `[[lists]]` tables with the
same keys.
`stockade zone rules` prints them so and reads them back."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

RULE_LISTS = ("access_rules", "firewall_rules", "rate_limits", "lists")

# A literal string ('...') takes anything but a quote and control characters.
_LITERAL = re.compile(r"[^'\x00-\x08\x0a-\x1f\x7f]*")


class RulesFileError(ValueError):
    """A rules file that cannot be used; the message says what to fix."""


def read_rules_file(path: Path) -> dict[str, list[Any]]:
    """The four lists of a rules file (an empty list for each table it does not have)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RulesFileError(f"Cannot read {path}: {error.strerror}.") from None
    except UnicodeDecodeError:
        raise RulesFileError(f"{path} is not UTF-8 text: save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesFileError(f"{path} is not valid TOML: {error}.") from None
    for key, value in document.items():
        if key not in RULE_LISTS:
            raise RulesFileError(
                f"{path}: '{key}' is not a table of rules: use [[access_rules]], "
                "[[firewall_rules]], [[rate_limits]] and [[lists]], as under a zone of an edge "
                "config file (docs/edge.md)."
            )
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise RulesFileError(
                f"{path}: {key} must be tables, each written [[{key}]] followed by its keys."
            )
    return {key: document.get(key, []) for key in RULE_LISTS}


def rules_toml(rules: dict[str, list[dict[str, Any]]]) -> str:
    """The rules as a TOML document that read_rules_file reads back to the same lists."""
    blocks = []
    for key in RULE_LISTS:
        for table in rules.get(key, []):
            lines = [f"[[{key}]]"]
            lines.extend(f"{name} = {_value(value)}" for name, value in table.items())
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if _LITERAL.fullmatch(value):
            return f"'{value}'"
        # A JSON string is a TOML basic string, once DEL is escaped too.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")
