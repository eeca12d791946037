"""Regular expressions and wildcards, on RE2: its matching time grows linearly with the
text whatever the pattern, so no rule can make an edge spin (no catastrophic
backtracking), and it refuses what would need backtracking (backreferences, lookaround).

Every pattern is compiled by RE2, so that it is checked alike, but RE2 is not always
the one to run it: a call to RE2 costs about 1 µs whatever the text, where a string
method costs 0.05. A pattern that is plain text (`^/api/v1/internal`) runs as the string
method that means the same; a pattern with a run of plain text that every match must
hold (`sqlmap/[0-9.]+`) first looks for that text, and RE2 runs only if it is there.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import re2
from re2 import _re2

from stockade.rules.codegen import Apply, Code, Constant, Logic, Operation, Scope

# RE2's own matcher, without the wrapper that builds a match object per search: the
# wrapper costs ~4 µs a call where this costs ~0.6 µs, and rules run per request.
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_BOTH = _re2.RE2.Anchor.ANCHOR_BOTH
# A compiled program above this many bytes is refused: it bounds memory per rule.
MAX_PROGRAM_MEMORY = 1 << 20

# How to test a string: given the code of the string, the code of the condition.
Test = Callable[[Code], Code]


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


def lower(value: Code) -> Apply:
    return Apply("lower", "{0}.lower()", [value])


def _method(name: str, value: Code, argument: str) -> Code:
    return Apply(name, "{0}." + name + "({1})", [value, Constant(argument)])


def _equals(value: Code, text: str) -> Code:
    return Operation(value, "==", Constant(text))


def _contains(value: Code, text: str) -> Code:
    return Operation(Constant(text), "in", value)


class Search(Code):
    """RE2's verdict on the text of `value` (as UTF-8, undecodable bytes as they came)."""

    def __init__(self, program: Any, anchor: Any, value: Code) -> None:
        self.program = program
        self.anchor = anchor
        self.value = value

    def write(self, scope: Scope, certain: bool) -> str:
        module = scope.module
        data = Apply(
            "data",
            "{0}.encode({1}, {2})",
            [self.value, Constant("utf-8"), Constant("surrogateescape")],
        )
        first, again = scope.bind(data, certain)
        match, anchor = module.constant(self.program.Match), module.constant(self.anchor)
        size = again.write(scope, False)
        return f"({match}({anchor}, {first}, 0, len({size}))[0][0] >= 0)"


def regex_test(pattern: str) -> Test:
    """True when the text holds a match of `pattern` anywhere (as `matches` does)."""
    program = _compile(pattern)
    form = _plain_form(pattern)
    if form is not None:
        starts, ends, text = form
        if starts and ends:
            return lambda value: _equals(value, text)
        if starts:
            return lambda value: _method("startswith", value, text)
        if ends:
            return lambda value: _method("endswith", value, text)
        return lambda value: _contains(value, text)
    required = _required_text(pattern)
    if required is None:
        return lambda value: Search(program, _UNANCHORED, value)
    text, folded = required
    if folded:
        return lambda value: Logic(
            "and",
            [
                _contains(Apply("casefold", "{0}.casefold()", [value]), text),
                Search(program, _UNANCHORED, value),
            ],
        )
    return lambda value: Logic("and", [_contains(value, text), Search(program, _UNANCHORED, value)])


def wildcard_test(pattern: str, case_sensitive: bool) -> Test:
    """True when the whole text fits `pattern`, where * stands for any run of characters
    and \\* and \\\\ for a star and a backslash."""
    parts = _wildcard_parts(pattern)
    if len(parts) == 1 or (len(parts) == 2 and (parts[0] == "" or parts[1] == "")):
        return _plain_wildcard(parts, case_sensitive)
    regex = "(?s)" + ".*".join(re2.escape(part) for part in parts)
    program = _compile(regex, case_sensitive)
    if not case_sensitive:
        return lambda value: Search(program, _ANCHOR_BOTH, value)
    # A text that fits starts with the first part and ends with the last.
    first, last = parts[0], parts[-1]

    def test(value: Code) -> Code:
        tests = [_method("startswith", value, first)] if first else []
        if last:
            tests.append(_method("endswith", value, last))
        return Logic("and", [*tests, Search(program, _ANCHOR_BOTH, value)])

    return test


def _plain_wildcard(parts: list[str], case_sensitive: bool) -> Test:
    """One part (no star), or a star at one end: a comparison or a string method."""
    folded = parts if case_sensitive else [part.lower() for part in parts]

    def subject(value: Code) -> Code:
        return value if case_sensitive else lower(value)

    if len(folded) == 1:
        return lambda value: _equals(subject(value), folded[0])
    prefix, suffix = folded
    if prefix == "":
        return lambda value: _method("endswith", subject(value), suffix)
    return lambda value: _method("startswith", subject(value), prefix)


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


# What a regex says about plain text, read from the pattern. The reading is cautious:
# anything it is not sure of (a class, an escape that is not punctuation, a flag other
# than a leading (?i), a {...}) counts as "not plain text", and it never looks inside
# a group or across an alternation.

_QUANTIFIERS = frozenset("*+?{")
# Escapes of one letter that stand for a class, a position or a control character.
_SHORT_ESCAPES = frozenset("dDsSwWbBAzntrfv")
_SPECIAL = frozenset("\\.+*?()|[]{}^$")
# Kinds of atoms, as _atoms gives them, besides "char" (one plain character).
_OTHER = "other"  # matches something other than one known character
_QUANTIFIER = "quantifier"
_START = "^"
_END = "$"


def _plain_form(pattern: str) -> tuple[bool, bool, str] | None:
    """(anchored at the start, anchored at the end, text) when `pattern` is nothing but
    plain text, with ^ first or $ last; None otherwise."""
    atoms = _atoms(pattern)
    if atoms is None or atoms[1]:
        return None
    items = atoms[0]
    starts = bool(items) and items[0] == (_START, "")
    ends = len(items) > int(starts) and items[-1] == (_END, "")
    middle = items[int(starts) : len(items) - int(ends)]
    if any(kind != "char" for kind, _ in middle):
        return None
    return starts, ends, "".join(char for _, char in middle)


def _required_text(pattern: str) -> tuple[str, bool] | None:
    """The longest run of plain text every match of `pattern` holds, and whether the
    pattern ignores case (a leading (?i); the text is then ASCII, in lower case)."""
    atoms = _atoms(pattern)
    if atoms is None:
        return None
    items, folded = atoms
    runs, current = [], []
    for position, (kind, char) in enumerate(items):
        quantified = position + 1 < len(items) and items[position + 1][0] == _QUANTIFIER
        if kind == "char" and not quantified:
            current.append(char)
            continue
        runs.append("".join(current))
        current = []
    runs.append("".join(current))
    longest = max(runs, key=len)
    if not longest or (folded and not longest.isascii()):
        return None
    return (longest.lower(), True) if folded else (longest, False)


def _atoms(pattern: str) -> tuple[list[tuple[str, str]], bool] | None:
    """The top-level atoms of `pattern` as (kind, character) pairs — ("char", c) for a
    plain character — and whether it starts with (?i); None when it has an alternation
    at the top or something this reading does not follow."""
    items: list[tuple[str, str]] = []
    folded = pattern.startswith("(?i)")
    begin = index = 4 if folded else 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if escaped in string.punctuation and escaped:
                items.append(("char", escaped))
            elif escaped and escaped in _SHORT_ESCAPES:
                items.append((_OTHER, ""))
            else:
                return None  # \x41, \p{Greek}, \Q...\E and the like: not followed here
            index += 2
        elif char == "|":
            return None
        elif char in _QUANTIFIERS:
            if char == "{" and not _is_repetition(pattern, index):
                return None
            items.append((_QUANTIFIER, ""))
            index = pattern.index("}", index) + 1 if char == "{" else index + 1
            if pattern[index : index + 1] == "?":  # a lazy quantifier
                index += 1
        elif char in "([":
            if pattern.startswith("(?", index) and not _is_group(pattern, index):
                return None  # flags set for the rest of the pattern
            end = _group_end(pattern, index) if char == "(" else _class_end(pattern, index)
            if end is None:
                return None
            items.append((_OTHER, ""))  # a group or a class: not followed here
            index = end
        elif char == "^":
            items.append((_START, "") if index == begin else (_OTHER, ""))
            index += 1
        elif char == "$":
            items.append((_END, "") if index == len(pattern) - 1 else (_OTHER, ""))
            index += 1
        elif char == ".":
            items.append((_OTHER, ""))
            index += 1
        elif char in _SPECIAL or "\ud800" <= char <= "\udfff":
            return None
        else:
            items.append(("char", char))
            index += 1
    return items, folded


def _is_repetition(pattern: str, index: int) -> bool:
    """{n}, {n,} or {n,m} at `index`."""
    end = pattern.find("}", index)
    if end < 0:
        return False
    low, _, high = pattern[index + 1 : end].partition(",")
    digits = string.digits
    return bool(low) and all(char in digits for char in low + high)


def _is_group(pattern: str, index: int) -> bool:
    """(?:...), (?flags:...) or a named group at `index`, as opposed to (?flags)."""
    position = index + 2
    if pattern[position : position + 1] in ("P", "<"):
        return True
    while position < len(pattern) and pattern[position] in "imsU-":
        position += 1
    return pattern[position : position + 1] == ":"


def _group_end(pattern: str, index: int) -> int | None:
    """Where the group opened at `index` ends (after its ")")."""
    depth = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            end = _class_end(pattern, index)
            if end is None:
                return None
            index = end
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _class_end(pattern: str, index: int) -> int | None:
    """Where the character class opened at `index` ends (after its "]")."""
    position = index + 1
    if pattern[position : position + 1] == "^":
        position += 1
    if pattern[position : position + 1] == "]":
        position += 1
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
        elif pattern.startswith("[:", position):
            close = pattern.find(":]", position + 2)
            if close < 0:
                return None
            position = close + 2
        elif char == "]":
            return position + 1
        else:
            position += 1
    return None
