from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.rules import MAX_DEPTH, RuleError, parse
from stockade.rules import ast as tree


def test_function_calls_take_literals_values_and_conditions() -> None:
    host = tree.FieldRef("http.host")
    assert parse('starts_with(lower(http.host), "www.")') == tree.Call(
        "starts_with", (tree.Call("lower", (host,)), tree.StringLiteral("www."))
    )
    assert parse("any(x[*] eq 1 or x[*] eq 2)") == tree.Call(
        "any",
        (
            tree.Logical(
                tree.Logic.OR,
                (
                    tree.Comparison(
                        tree.Each(tree.FieldRef("x")), tree.Operator.EQ, tree.IntLiteral(1)
                    ),
                    tree.Comparison(
                        tree.Each(tree.FieldRef("x")), tree.Operator.EQ, tree.IntLiteral(2)
                    ),
                ),
            ),
        ),
    )


def test_spans_cover_what_was_written() -> None:
    expression = '  http.request.headers["accept"][0] contains "json"'
    parsed = parse(expression)
    assert isinstance(parsed, tree.Comparison)
    assert expression[slice(*parsed.span)] == expression.strip()
    assert expression[slice(*parsed.left.span)] == 'http.request.headers["accept"][0]'


@pytest.mark.parametrize(
    ("expression", "position", "message"),
    [
        ("", None, "The expression is empty"),
        ("   ", None, "The expression is empty"),
        ("ssl ssl", 4, "Expected and, or, xor or the end of the expression, found word ssl."),
        ("(ssl", 4, "Expected ) to close the parenthesis, found the end of the expression."),
        ("ssl)", 3, "found symbol )"),
        ('"a" eq http.host', 0, "a condition reads like http.host eq"),
        (
            "and ssl",
            0,
            "Expected a field, a function, not, true, false or a parenthesis, found word and",
        ),
        ("http.host strict contains 1", 17, "Expected wildcard after strict"),
        ("http.host eq", 12, "Expected a value"),
        ("http.host eq http.host", 13, "Expected a value"),
        ("x[ssl]", 2, 'Expected a key in quotes ("user-agent"), an index (0) or * inside [...]'),
        ('x["a"', 5, "Expected ] after the key"),
        ("x[*", 3, "Expected ] after [*"),
        ("lower(http.host http.host) eq 1", 16, "Expected , between the arguments of lower"),
        ('http.host in {"a", "b"}', 17, "separated by spaces, not commas"),
        ('http.host in {"a"', 13, "This set has no closing brace"),
        ("http.host in {}", 13, "This set is empty"),
        ("x in {5..1}", 9, "The range 5..1 is empty: put the smaller number first."),
        ('x in {1.."a"}', 9, "A range goes from one number to another"),
    ],
)
def test_syntax_errors_point_at_the_problem(
    expression: str, position: int | None, message: str
) -> None:
    with pytest.raises(RuleError) as raised:
        parse(expression)
    assert raised.value.position == position
    assert message in raised.value.message


@pytest.mark.parametrize(
    "expression",
    [
        "(" * (MAX_DEPTH + 1) + "ssl" + ")" * (MAX_DEPTH + 1),
        "not " * (MAX_DEPTH + 1) + "ssl",
        "! " * 2000 + "ssl",
        "lower(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
        "x" + "[0]" * (MAX_DEPTH + 1) + " eq 1",
        "(" * 4000,
    ],
)
def test_deep_nesting_is_refused_with_a_sentence_not_a_crash(expression: str) -> None:
    with pytest.raises(RuleError, match=f"nests more than {MAX_DEPTH} levels deep"):
        parse(expression)


def test_nesting_up_to_the_limit_parses() -> None:
    parse("(" * (MAX_DEPTH - 1) + "not ssl" + ")" * (MAX_DEPTH - 1))


# Text made mostly of the language's own pieces, so that the parser gets far into it.
PIECES = st.sampled_from(
    [
        "http.host",
        "ip.src",
        "ssl",
        "eq",
        "==",
        "in",
        "not",
        "!",
        "and",
        "or",
        "xor",
        "&&",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        "[*]",
        "*",
        '"a"',
        'r"x"',
        "1",
        "80..443",
        "10.0.0.0/8",
        "::1",
        "$list",
        "lower(",
        ",",
        "strict",
        "wildcard",
        "contains",
        "matches",
        "true",
        " ",
        "\\",
        '"',
        "..",
        "-",
        ":",
        "=",
        "~",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200) | st.lists(PIECES | st.text(max_size=3), max_size=40).map(" ".join))
def test_the_parser_never_fails_otherwise_than_with_a_rule_error(text: str) -> None:
    try:
        parse(text)
    except RuleError as error:
        assert error.message
        assert error.position is None or 0 <= error.position <= len(text)
        str(error)
