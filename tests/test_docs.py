"""The documentation keeps up with the code: every setting, command, option, metric,
access-log field and error page is described, the README opens with its two commands,
and links between documents lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import typer.main

from stockade.cli import app
from stockade.edge.access_log import AccessLogRecord
from stockade.edge.admin import EdgeCollector
from stockade.edge.config import EdgeSettings, Limits, UpstreamSettings
from stockade.edge.pages import ERRORS
from stockade.policy import AccessRule, Enforcement, FirewallRule, RateLimit, Zone

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
EDGE_DOC = DOCS / "edge.md"

# Each config table, as its heading in docs/edge.md names it, and the struct behind it.
CONFIG_TABLES: dict[str, type[msgspec.Struct]] = {
    "[edge]": EdgeSettings,
    "[edge.limits]": Limits,
    "[edge.upstream]": UpstreamSettings,
    "[[zones]]": Zone,
    "[[zones.enforcements]]": Enforcement,
    "[[zones.firewall_rules]]": FirewallRule,
    "[[zones.access_rules]]": AccessRule,
    "[[zones.rate_limits]]": RateLimit,
}

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


# reading markdown


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line index, level, title) of every heading outside fenced code blocks."""
    found = []
    in_fence = False
    for index, line in enumerate(text.splitlines()):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            found.append((index, len(match.group(1)), match.group(2)))
    return found


def section(text: str, title: str) -> str | None:
    """The text under the first heading whose title is exactly `title`, up to the next
    heading of the same or a higher level; None when there is no such heading."""
    lines = text.splitlines()
    all_headings = headings(text)
    for position, (index, level, heading) in enumerate(all_headings):
        if heading == title:
            end = len(lines)
            for next_index, next_level, _ in all_headings[position + 1 :]:
                if next_level <= level:
                    end = next_index
                    break
            return "\n".join(lines[index + 1 : end])
    return None


def cells_of(row: str) -> list[str]:
    """The cells of a table row, stripped ("|" inside code spans is not expected)."""
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def table_rows(text: str) -> dict[str, str]:
    """Table rows by the code spans in their first cell: "| `max_headers` | ..." -> row."""
    rows: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            for key in re.findall(r"`([^`]+)`", cells_of(line)[0]):
                rows.setdefault(key, line)
    return rows


def slug(title: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", title.lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for _, _, title in headings(text):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def doc_files() -> list[Path]:
    return sorted(DOCS.glob("**/*.md"))


# config keys


def documented_default(field: msgspec.structs.FieldInfo) -> str | None:
    """How a field's default is written in the docs' tables; None when it is a sub-table."""
    if field.required:
        return "required"
    if field.default_factory is not msgspec.NODEFAULT:
        value = field.default_factory()
    else:
        value = field.default
    if isinstance(value, msgspec.Struct):
        return None
    return _toml(value)


def _toml(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return repr(value)


def test_every_config_key_is_documented_with_its_default() -> None:
    text = EDGE_DOC.read_text(encoding="utf-8")
    problems = []
    for table, struct in CONFIG_TABLES.items():
        title = f"`{table}`"
        body = section(text, title)
        if body is None:
            problems.append(f"docs/edge.md has no '### {title}' section for the {table} table.")
            continue
        rows = table_rows(body)
        for field in msgspec.structs.fields(struct):
            key = field.encode_name
            row = rows.get(key)
            if row is None:
                problems.append(
                    f"{table} key '{key}' is not documented: add a row "
                    f"'| `{key}` | type | default | meaning |' under {title} in docs/edge.md."
                )
                continue
            default = documented_default(field)
            cells = cells_of(row)
            if default is not None and (len(cells) < 4 or default not in cells[2]):
                problems.append(
                    f"{table} key '{key}' defaults to {default} in the code, but the default "
                    f"column of its row in docs/edge.md does not say so: {row.strip()}"
                )
    assert not problems, "\n".join(problems)


# the command line


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command under `command`, by its path of names. Typer ships its own copy of
    click, so groups are told apart by their `commands`, not by their class."""
    found = [(path, command)] if path else []
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            found.extend(_commands(sub, (*path, name)))
    return found


def test_every_command_and_option_is_documented() -> None:
    root = typer.main.get_command(app)
    texts = {path: path.read_text(encoding="utf-8") for path in doc_files()}
    commands = _commands(root)
    assert commands, "The stockade app has no commands: typer.main.get_command found none."
    problems = []
    for path, command in commands:
        name = "stockade " + " ".join(path)
        title = f"`{name}`"
        body = next(
            (found for text in texts.values() if (found := section(text, title)) is not None),
            None,
        )
        if body is None:
            problems.append(
                f"The command '{name}' is not documented: give it a heading '{title}' in a "
                "page under docs/, with a table of its options."
            )
            continue
        rows = table_rows(body)
        for param in command.params:
            if param.param_type_name == "option":
                if getattr(param, "hidden", False):
                    continue
                for opt in (*param.opts, *param.secondary_opts):
                    if opt not in rows:
                        problems.append(
                            f"Option {opt} of '{name}' is not documented: add a row for "
                            f"`{opt}` to the table under {title}."
                        )
                envvars = [param.envvar] if isinstance(param.envvar, str) else param.envvar
                for envvar in envvars or []:
                    if envvar not in body:
                        problems.append(
                            f"Option {param.opts[0]} of '{name}' reads the environment "
                            f"variable {envvar}, which the section {title} does not mention."
                        )
            elif param.name.upper() not in body:
                problems.append(
                    f"Argument {param.name.upper()} of '{name}' is not documented under {title}."
                )
    assert not problems, "\n".join(problems)


# what the edge reports


def test_every_metric_is_documented() -> None:
    body = section(EDGE_DOC.read_text(encoding="utf-8"), "Metrics")
    assert body is not None, "docs/edge.md has no '## Metrics' section."
    missing = [metric.name for metric in EdgeCollector(list).collect() if metric.name not in body]
    assert not missing, (
        f"Metrics served by the admin listener are missing from '## Metrics' in docs/edge.md: "
        f"{', '.join(missing)}."
    )


def test_every_access_log_field_is_documented() -> None:
    body = section(EDGE_DOC.read_text(encoding="utf-8"), "Access log")
    assert body is not None, "docs/edge.md has no '## Access log' section."
    rows = table_rows(body)
    missing = [
        field.encode_name
        for field in msgspec.structs.fields(AccessLogRecord)
        if field.encode_name not in rows
    ]
    assert not missing, (
        f"Access-log fields missing from the table under '## Access log' in docs/edge.md: "
        f"{', '.join(missing)}."
    )


def test_every_error_page_is_documented() -> None:
    body = section(EDGE_DOC.read_text(encoding="utf-8"), "Pages the edge answers itself")
    assert body is not None, "docs/edge.md has no '## Pages the edge answers itself' section."
    documented = {cells_of(line)[0] for line in body.splitlines() if line.lstrip().startswith("|")}
    missing = [str(status) for status in ERRORS if str(status) not in documented]
    assert not missing, (
        "Statuses the edge answers with its own page are missing from the table under "
        f"'## Pages the edge answers itself' in docs/edge.md: {', '.join(missing)}."
    )


# the README and links


def test_readme_opens_with_make_up_and_make_test() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("# "), "README.md must start with a '# Title' line."
    fence = next((index for index, line in enumerate(lines) if _FENCE.match(line)), None)
    assert fence is not None, "README.md has no code block: it must open with `make up`."
    before = lines[1:fence]
    assert not any(line.startswith("#") for line in before), (
        "README.md must show `make up` and `make test` before its first section heading."
    )
    description = [line for line in before if line.strip()]
    assert description, "README.md needs a short description between the title and commands."
    assert len(description) <= 8, (
        f"The README's description before the first commands is {len(description)} lines; "
        "keep it to a few sentences so `make up` and `make test` stay on the first screen."
    )
    end = next(index for index in range(fence + 1, len(lines)) if _FENCE.match(lines[index]))
    commands = [
        line.split("#", 1)[0].strip()
        for line in lines[fence + 1 : end]
        if line.split("#", 1)[0].strip()
    ]
    assert commands == ["make up", "make test"], (
        f"README.md's first code block must hold exactly `make up` then `make test`, "
        f"but it holds {commands}."
    )


def test_links_between_documents_lead_somewhere() -> None:
    problems = []
    for page in [README, *doc_files()]:
        text = page.read_text(encoding="utf-8")
        for target in _LINK.findall(text):
            if re.match(r"^[a-z]+:", target):
                continue  # an external URL or mailto: not checked here
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(ROOT)} links to {target}"
            if not linked.exists():
                problems.append(f"{where}, but {file_part} does not exist.")
            elif (
                anchor
                and linked.suffix == ".md"
                and anchor not in anchors(linked.read_text(encoding="utf-8"))
            ):
                problems.append(f"{where}, but no heading there has the anchor #{anchor}.")
    assert not problems, "\n".join(problems)
