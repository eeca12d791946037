from __future__ import annotations

import string
import time
from collections.abc import Callable
from itertools import product

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.rules.codegen import Read, filter_function
from stockade.rules.patterns import (
    _UNANCHORED,
    PatternError,
    Test,
    _compile,
    regex_test,
    wildcard_test,
)


def _itself(text: str) -> str:
    return text


def on_text(test: Test) -> Callable[[str], bool]:
    """The test compiled to run on a string itself rather than on a request's field."""
    return filter_function(test(Read("text", "", _itself)))[1]


def regex_matcher(pattern: str) -> Callable[[str], bool]:
    return on_text(regex_test(pattern))


def wildcard_matcher(pattern: str, case_sensitive: bool) -> Callable[[str], bool]:
    return on_text(wildcard_test(pattern, case_sensitive))


def test_regexes_match_anywhere_in_the_text() -> None:
    matches = regex_matcher(r"(?i)sqlmap|nikto")
    assert matches("Mozilla/5.0 sqlmap/1.7")
    assert matches("NIKTO")
    assert not matches("curl/8")
    assert regex_matcher("^é+$")("ééé")


def test_regexes_that_would_backtrack_run_in_linear_time() -> None:
    catastrophic = regex_matcher(r"^(a+)+$")
    started = time.perf_counter()
    assert not catastrophic("a" * 4000 + "b")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)", r"(?<!a)b", r"(?!x)", "(", "a{2,1}"])
def test_backreferences_lookaround_and_broken_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        regex_matcher(pattern)


def test_huge_programs_are_refused() -> None:
    with pytest.raises(PatternError):
        regex_matcher("(((a{100}){100}){100})")


@pytest.mark.parametrize(
    ("pattern", "case_sensitive", "text", "expected"),
    [
        ("*.example.com", False, "WWW.Example.COM", True),
        ("*.example.com", False, "example.com", False),
        ("*.example.com", True, "www.Example.com", False),
        ("/admin*", False, "/ADMIN/users", True),
        ("/admin*", True, "/ADMIN/users", False),
        ("/admin*", True, "/admin", True),
        ("exact", False, "EXACT", True),
        ("exact", True, "EXACT", False),
        ("/a/*/b/*.php", False, "/a/x/y/b/z.PHP", True),
        ("/a/*/b/*.php", True, "/a/x/y/b/z.PHP", False),
        ("/a/*/b/*.php", True, "/a/b/z.php", False),
        ("*", True, "", True),
        ("a.c", True, "abc", False),
        ("\\*literal*", True, "*literal!", True),
        ("\\*literal*", True, "xliteral", False),
        ("back\\\\slash*x", True, "back\\slash and x", True),
        ("line*end", True, "line\nend", True),
    ],
)
def test_wildcards_fit_the_whole_text(
    pattern: str, case_sensitive: bool, text: str, expected: bool
) -> None:
    assert wildcard_matcher(pattern, case_sensitive)(text) is expected


# Patterns of every shape the reading of plain text meets, and some it must leave alone.
PATTERNS = [
    "",
    "^",
    "$",
    "^$",
    "abc",
    "^/api/v1/internal",
    "\\.php$",
    "^exact$",
    "a\\.b\\*c\\$",
    "a^b",
    "a$b",
    "ab*c",
    "ab+c",
    "ab?c",
    "ab{2}c",
    "ab{2,}c",
    "ab{1,3}?c",
    "a{,2}",
    "a.c",
    "a[bc]d",
    "a[]b]c",
    "a[^]]c",
    "a[[:alpha:]]c",
    "(ab)c",
    "(?:ab|cd)e",
    "(?i:ab)c",
    "(?P<name>ab)c",
    "ab|cd",
    "(?i)sqlmap/[0-9.]+",
    "(?i)KS",
    "(?i)^ab",
    "(?s)a.b",
    "a(?i)b",
    "\\d+ab",
    "\\bword\\b",
    "\\Qa.b\\E",
    "é+x",
    "\u017fk",
    "\\x41b",
    "a\\-b\\/c",
    "a}b",
]
# Characters where readings go wrong: case pairs that fold differently in Python and in
# RE2 (the Kelvin sign and k, the long s and s), undecodable bytes kept as surrogates, metacharacters.
TEXT_ALPHABET = "abcdeksAKS/.$^*-\\ \n[]:\u017f\u212aé\udcff0123"


def small_texts(alphabet: str, longest: int) -> list[str]:
    """Every text of at most `longest` characters of `alphabet`."""
    return [
        "".join(chars) for size in range(longest + 1) for chars in product(alphabet, repeat=size)
    ]


def re2_finds(program: object, text: str) -> bool:
    data = text.encode("utf-8", "surrogateescape")
    return bool(program.Match(_UNANCHORED, data, 0, len(data))[0][0] >= 0)  # type: ignore[attr-defined]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_pattern_finds_what_re2_finds(pattern: str) -> None:
    program, matches = _compile(pattern), regex_matcher(pattern)
    own = "".join(sorted(set(pattern) - set("\\(){}[]|?+*"))) + "x"
    texts = [*small_texts("abcd", 4), *small_texts(own[:8], 3), "/api/v1/internal", "SQLMAP/1.2"]
    for text in texts:
        assert matches(text) is re2_finds(program, text), text


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.text(alphabet=TEXT_ALPHABET, max_size=8))
def test_every_pattern_finds_what_re2_finds_in_any_text(pattern: str, text: str) -> None:
    assert regex_matcher(pattern)(text) is re2_finds(_compile(pattern), text)


@pytest.mark.parametrize(
    ("pattern", "source_holds"),
    [
        ("^/api/v1/internal", ".startswith("),
        ("\\.php$", ".endswith("),
        ("^exact$", " == "),
        ("abc", " in "),
        ("sqlmap/[0-9.]+", "(_c1 in "),
        ("(?i)sqlmap/[0-9.]+", ".casefold()"),
    ],
)
def test_plain_text_runs_as_string_methods_and_guards_re2(pattern: str, source_holds: str) -> None:
    source = filter_function(regex_test(pattern)(Read("text", "", _itself)))[0]
    assert source_holds in source
    plain = pattern.startswith("^") or pattern.endswith("$") or pattern == "abc"
    assert ("encode" in source) is not plain


def test_re2_ignores_case_for_ascii_as_casefold_does() -> None:
    """The (?i) guard looks for the pattern's ASCII text in the casefolded text: right
    only if every character RE2 takes for an ASCII character casefolds to it. Checked
    over every code point."""
    every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point <= 0xDFFF)
    data = every.encode()
    for char in string.printable:
        program = _compile(re2.escape(char), case_sensitive=False)
        position = 0
        while True:
            start, end = program.Match(_UNANCHORED, data, position, len(data))[0]
            if start < 0:
                break
            found = data[start:end].decode()
            assert found.casefold() == char.casefold(), (char, found)
            position = end
