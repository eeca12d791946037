"""The printer writes a tree back as text that parses to the same tree."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.rules import ast as tree
from stockade.rules import parse, to_text
from stockade.rules.lexer import INT_LIMIT
from stockade.rules.parser import KEYWORDS

NAME = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: name not in KEYWORDS
)
FIELD_NAME = st.lists(NAME, min_size=1, max_size=3).map(".".join)
INTS = st.integers(-INT_LIMIT, INT_LIMIT - 1)

STRINGS = st.builds(tree.StringLiteral, st.text(max_size=12))
NUMBERS = st.builds(tree.IntLiteral, INTS)


@st.composite
def ip_literals(draw: st.DrawFn) -> tree.IpLiteral:
    version = draw(st.sampled_from([4, 6]))
    bits = 32 if version == 4 else 128
    value = draw(st.integers(0, 2**bits - 1))
    prefix_written = draw(st.booleans())
    prefix = draw(st.integers(0, bits)) if prefix_written else bits
    address = ipaddress.ip_address(value) if version == 4 else ipaddress.IPv6Address(value)
    return tree.IpLiteral(ipaddress.ip_network(f"{address}/{prefix}", strict=False), prefix_written)


@st.composite
def int_ranges(draw: st.DrawFn) -> tree.IntRange:
    low, high = sorted((draw(INTS), draw(INTS)))
    return tree.IntRange(low, high)


LITERALS = STRINGS | NUMBERS | ip_literals()
SET_ITEMS = STRINGS | NUMBERS | ip_literals() | int_ranges()
OPERATORS = st.sampled_from(
    [operator for operator in tree.Operator if operator is not tree.Operator.IN]
)


def values(children: st.SearchStrategy[tree.Expression]) -> st.SearchStrategy[tree.Value]:
    fields = st.builds(tree.FieldRef, FIELD_NAME)
    return st.recursive(
        fields,
        lambda inner: (
            st.builds(tree.Index, inner, st.text(max_size=6) | INTS)
            | st.builds(tree.Each, inner)
            | st.builds(
                tree.Call, NAME, st.lists(LITERALS | children | inner, max_size=3).map(tuple)
            )
        ),
        max_leaves=4,
    )


def expressions() -> st.SearchStrategy[tree.Expression]:
    def extend(inner: st.SearchStrategy[tree.Expression]) -> st.SearchStrategy[tree.Expression]:
        value = values(inner)
        return (
            value
            | st.builds(tree.Comparison, value, OPERATORS, LITERALS)
            | st.builds(
                tree.Comparison,
                value,
                st.just(tree.Operator.IN),
                st.builds(tree.SetLiteral, st.lists(SET_ITEMS, min_size=1, max_size=4).map(tuple))
                | st.builds(tree.ListName, NAME),
            )
            | st.builds(tree.Not, inner)
            | st.builds(
                tree.Logical,
                st.sampled_from(list(tree.Logic)),
                st.lists(inner, min_size=2, max_size=3).map(tuple),
            )
        )

    leaves = st.builds(tree.BoolLiteral, st.booleans()) | st.builds(tree.FieldRef, FIELD_NAME)
    return st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(expressions())
def test_a_printed_tree_parses_back_to_the_same_tree(expression: tree.Expression) -> None:
    text = to_text(expression)
    assert parse(text) == expression, text


def test_the_printer_uses_the_word_operators_and_groups_nested_logic() -> None:
    text = 'not (a == 1 && b ~ r"^x\\d") || c in {"GET" 80..443 10.0.0.0/8 ::1} ^^ d'
    assert to_text(parse(text)) == (
        'not (a eq 1 and b matches "^x\\\\d") or (c in {"GET" 80..443 10.0.0.0/8 ::1} xor d)'
    )


def test_strings_are_quoted_so_that_they_read_back() -> None:
    assert tree.quote('a"b\\c\n\x00\x7f é') == '"a\\"b\\\\c\\n\\x00\\x7f é"'
