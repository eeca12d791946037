"""`[[zones]]` tables for edge config files written by tests."""

from __future__ import annotations

import json

from stockade.policy import Zone


def zone(name: str, hostnames: list[str], origins: list[str], **options: object) -> str:
    """One `[[zones]]` table; options are written as TOML values (strings, numbers, bools)."""
    lines = [
        "[[zones]]",
        f"name = {json.dumps(name)}",
        f"hostnames = {json.dumps(hostnames)}",
        f"origins = {json.dumps(origins)}",
    ]
    for key, value in options.items():
        text = ("true" if value else "false") if isinstance(value, bool) else json.dumps(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def forum_zone(**fields: object) -> Zone:
    """The zone `forum` (forum.example, served by http://10.0.0.5:8080), with `fields`."""
    return Zone(
        name="forum",
        hostnames=("forum.example",),
        origins=("http://10.0.0.5:8080",),
        **fields,  # type: ignore[arg-type]
    )
