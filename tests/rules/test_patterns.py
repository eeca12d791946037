from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from stockade.rules.patterns import PatternError, Test, regex_test, wildcard_test


def on_text(test: Test) -> Callable[[str], bool]:
    """The test run on a string itself rather than on a request's field."""
    return test(lambda text: text)


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
