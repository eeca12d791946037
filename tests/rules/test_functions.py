"""Each function goes the whole way: parse, check the tree, compile, run on a request."""

from __future__ import annotations

import pytest

from stockade.rules import FUNCTIONS, compile, parse
from stockade.rules import ast as tree
from tests.rules.sample import request, run

HOST = tree.FieldRef("http.host")
PATH = tree.FieldRef("http.request.uri.path")
QUERY = tree.FieldRef("http.request.uri.query")
ACCEPT = tree.Each(tree.Index(tree.FieldRef("http.request.headers"), "accept"))
EQ, CONTAINS = tree.Operator.EQ, tree.Operator.CONTAINS

CALLS = [
    (
        'lower(http.user_agent) contains "firefox"',
        tree.Comparison(
            tree.Call("lower", (tree.FieldRef("http.user_agent"),)),
            CONTAINS,
            tree.StringLiteral("firefox"),
        ),
        True,
    ),
    (
        'upper(http.host) eq "FORUM.EXAMPLE"',
        tree.Comparison(tree.Call("upper", (HOST,)), EQ, tree.StringLiteral("FORUM.EXAMPLE")),
        True,
    ),
    (
        "len(http.host) eq 13",
        tree.Comparison(tree.Call("len", (HOST,)), EQ, tree.IntLiteral(13)),
        True,
    ),
    (
        'len(http.request.headers["accept"]) eq 2',
        tree.Comparison(
            tree.Call("len", (tree.Index(tree.FieldRef("http.request.headers"), "accept"),)),
            EQ,
            tree.IntLiteral(2),
        ),
        True,
    ),
    (
        "len(http.request.headers) eq 6",
        tree.Comparison(
            tree.Call("len", (tree.FieldRef("http.request.headers"),)), EQ, tree.IntLiteral(6)
        ),
        True,
    ),
    (
        'starts_with(http.request.uri.path, "/wp-")',
        tree.Call("starts_with", (PATH, tree.StringLiteral("/wp-"))),
        True,
    ),
    (
        'starts_with(http.request.uri.path, "/admin")',
        tree.Call("starts_with", (PATH, tree.StringLiteral("/admin"))),
        False,
    ),
    (
        'ends_with(http.request.uri.path, ".php")',
        tree.Call("ends_with", (PATH, tree.StringLiteral(".php"))),
        True,
    ),
    ("ends_with(http.request.uri.path, http.host)", tree.Call("ends_with", (PATH, HOST)), False),
    (
        'url_decode(http.request.uri.query) eq "next=/admin"',
        tree.Comparison(tree.Call("url_decode", (QUERY,)), EQ, tree.StringLiteral("next=/admin")),
        True,
    ),
    (
        'any(http.request.headers["accept"][*] contains "json")',
        tree.Call("any", (tree.Comparison(ACCEPT, CONTAINS, tree.StringLiteral("json")),)),
        True,
    ),
    (
        'all(http.request.headers["accept"][*] contains "json")',
        tree.Call("all", (tree.Comparison(ACCEPT, CONTAINS, tree.StringLiteral("json")),)),
        False,
    ),
    (
        'all(http.request.headers["accept"][*] contains "t")',
        tree.Call("all", (tree.Comparison(ACCEPT, CONTAINS, tree.StringLiteral("t")),)),
        True,
    ),
]


@pytest.mark.parametrize(
    ("expression", "expected_tree", "result"), CALLS, ids=[case[0] for case in CALLS]
)
def test_each_function_parses_compiles_and_runs(
    expression: str, expected_tree: tree.Expression, result: bool
) -> None:
    assert parse(expression) == expected_tree
    assert compile(expression).matches(request()) is result


def test_every_function_is_tried_above() -> None:
    tried = {expression.split("(")[0].split()[-1] for expression, _, _ in CALLS}
    assert tried == set(FUNCTIONS)


def test_every_function_example_compiles() -> None:
    for function in FUNCTIONS.values():
        compile(function.example)


def test_functions_go_element_by_element_after_star() -> None:
    assert run('any(lower(http.request.headers["accept"][*])[*] eq "text/html")') is True
    assert run('any(starts_with(http.request.headers["accept"][*], "application/"))') is True
    assert run('all(starts_with(http.request.headers["accept"][*], "application/"))') is False
    assert run('any(ends_with(http.request.headers["accept"][*], http.host))') is False
    assert run('any(http.request.headers["accept"][*] contains "json") and ssl') is True


def test_functions_of_a_missing_value_match_nothing() -> None:
    assert run('lower(http.request.headers["x"][0]) eq "a"') is False
    assert run('starts_with(http.request.headers["x"][0], "a")') is False
    assert run('starts_with(http.host, http.request.headers["x"][0])') is False
    assert run('any(http.request.headers["x"][*] eq "a")') is False


def test_url_decode_keeps_bytes_it_cannot_decode() -> None:
    assert run('url_decode(http.request.uri.query) eq "a b+é"', query="a+b%2B%C3%A9") is True
    assert run("len(url_decode(http.request.uri.query)) eq 1", query="%FF") is True


def test_functions_take_constants_too() -> None:
    assert run('lower("ABC") eq "abc"') is True
    assert run('starts_with("abc", "ab")') is True
