"""Regular expressions and wildcards, on RE2: its matching time grows linearly with the
text whatever the pattern, so no rule can make an edge spin (no catastrophic
backtracking), and it refuses what would need backtracking (backreferences, lookaround).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import re2
from re2 import _re2

from stockade.rules.scheme import Predicate, Reader

# RE2's own matcher, without the wrapper that builds a match object per search: the
# wrapper costs ~4 µs a call where this costs ~0.6 µs, and rules run per request.
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
# A compiled program above this many bytes is refused: it bounds memory per rule.
MAX_PROGRAM_MEMORY = 1 << 20

# How to test a string field: given the reader of the field, the rule's predicate.
Test = Callable[[Reader], Predicate]


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why, in RE2's words."""


def _options(case_sensitive: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    options.dot_nl = False
    options.case_sensitive = case_sensitive
    options.max_mem = MAX_PROGRAM_MEMORY
    return options


def _compile(pattern: str, case_sensitive: bool = True) -> Any:
    program = _re2.RE2(pattern.encode("utf-8", "surrogateescape"), _options(case_sensitive))
    if not program.ok():
        error = program.error()
        raise PatternError(error.decode("utf-8", "replace") if isinstance(error, bytes) else error)
    return program


def regex_test(pattern: str) -> Test:
    """True when the text holds a match of `pattern` anywhere (as `matches` does)."""
    return _program_test(_compile(pattern), _UNANCHORED)


def wildcard_test(pattern: str, case_sensitive: bool) -> Test:
    """True when the whole text fits `pattern`, where * stands for any run of characters
    and \\* and \\\\ for a star and a backslash."""
    parts = _wildcard_parts(pattern)
    if len(parts) == 1:
        return _exact(parts[0], case_sensitive)
    if len(parts) == 2 and (parts[0] == "" or parts[1] == ""):
        return _prefix_or_suffix(parts, case_sensitive)
    regex = "(?s)" + ".*".join(re2.escape(part) for part in parts)
    return _program_test(_compile(regex, case_sensitive), _ANCHOR_BOTH)


def _program_test(program: Any, anchor: Any) -> Test:
    match = program.Match

    def test(read: Reader) -> Predicate:
        def matches(values: Any) -> bool:
            data = read(values).encode("utf-8", "surrogateescape")
            start: int = match(anchor, data, 0, len(data))[0][0]
            return start >= 0

        return matches

    return test


def _wildcard_parts(pattern: str) -> list[str]:
    """The literal runs between the stars of a wildcard pattern."""
    parts, current, index = [], [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and pattern[index + 1 : index + 2] in ("*", "\\"):
            current.append(pattern[index + 1])
            index += 2
            continue
        if char == "*":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


# The common shapes need no regex: they run as one string method.


def _exact(literal: str, case_sensitive: bool) -> Test:
    if case_sensitive:
        return lambda read: lambda values: read(values) == literal
    folded = literal.lower()
    return lambda read: lambda values: read(values).lower() == folded


def _prefix_or_suffix(parts: list[str], case_sensitive: bool) -> Test:
    prefix, suffix = parts if case_sensitive else (parts[0].lower(), parts[1].lower())
    if case_sensitive and prefix == "":
        return lambda read: lambda values: read(values).endswith(suffix)
    if case_sensitive:
        return lambda read: lambda values: read(values).startswith(prefix)
    if prefix == "":
        return lambda read: lambda values: read(values).lower().endswith(suffix)
    return lambda read: lambda values: read(values).lower().startswith(prefix)
