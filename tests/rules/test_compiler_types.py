"""Types are checked when a rule is compiled: each mistake gets a sentence that says what
was expected, with a caret under the part of the expression that is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.rules import FUNCTIONS, STANDARD_SCHEME, RequestValues, RuleError, compile
from stockade.rules import ast as tree
from tests.rules.sample import request
from tests.rules.test_ast import LITERALS, OPERATORS, SET_ITEMS

# expression, where the caret goes (the text that starts there), the message
TYPE_ERRORS = [
    (
        'ip.src eq "x"',
        '"x"',
        "ip.src is an IP address; compare it with an IP or a CIDR range, not a string.",
    ),
    ("http.host eq 1", "1", "http.host is a string; compare it with a string, not a number."),
    (
        "http.host eq 10.0.0.0/8",
        "10.0.0.0/8",
        "http.host is a string; compare it with a string, not a CIDR range.",
    ),
    (
        "ip.src.asnum eq 192.0.2.1",
        "192.0.2.1",
        "ip.src.asnum is a number; compare it with a number, not an IP address.",
    ),
    (
        'ip.src.asnum in {1 "2"}',
        '"2"',
        "ip.src.asnum is a number; compare it with a number, not a string.",
    ),
    (
        "http.host in {1..2}",
        "1..2",
        "http.host is a string; compare it with a string, not a range of numbers.",
    ),
    (
        'ip.src contains "1"',
        "ip.src",
        "contains does not work on IP addresses, and ip.src is an IP address; use eq, ne or in.",
    ),
    ('ip.src.asnum matches "1"', "ip.src.asnum", "matches does not work on numbers"),
    (
        "ssl eq 1",
        "1",
        "ssl is a boolean: use it on its own (ssl) or negated (not ssl), without an operator.",
    ),
    ("ssl eq true", "true", "Booleans are not compared: a boolean field is a condition on its own"),
    (
        'http.request.headers contains "a"',
        "http.request.headers",
        "http.request.headers is a map of arrays of strings",
    ),
    (
        'http.request.headers["accept"] eq "a"',
        "http.request.headers",
        'compare one element (http.request.headers["accept"][0])',
    ),
    ("http.host", "http.host", "http.host is a string, not a condition"),
    (
        'http.request.headers["accept"][*] eq "a"',
        "http.request.headers",
        "gives one result per element; wrap it in any(...)",
    ),
    (
        'http.hostname eq "a"',
        "http.hostname",
        "There is no field http.hostname; did you mean http.host?",
    ),
    ('lower eq "a"', "lower", "lower is a function: call it, as in lower(http.host)"),
    (
        'lowercase(http.host) eq "a"',
        "lowercase",
        "There is no function lowercase; did you mean lower?",
    ),
    ("len(http.host, 1) eq 1", "len", "len takes 1 argument(s), not 2"),
    (
        'lower(ip.src) eq "a"',
        "ip.src",
        "Argument 1 of lower must be a string, and ip.src is an IP address.",
    ),
    (
        "starts_with(http.host, 1)",
        "1",
        "Argument 2 of starts_with must be a string, and 1 is a number.",
    ),
    ("any(ssl)", "ssl", "Argument 1 of any must be an array of booleans"),
    (
        'http.request.headers["User-Agent"][0] eq "a"',
        "http.request.headers",
        'write ["user-agent"]',
    ),
    (
        'http.request.headers[0] eq "a"',
        "http.request.headers",
        "is a map: its keys are strings in quotes",
    ),
    (
        'http.request.headers["a"]["b"] eq "a"',
        "http.request.headers",
        "is an array: index it with a number from 0",
    ),
    (
        'http.host[0] eq "a"',
        "http.host",
        "http.host is a string; only arrays and maps have elements",
    ),
    ('http.host[*] eq "a"', "http.host", "[*] goes after an array or a map"),
    ('any(http.request.headers[*][*] eq "a")', "http.request.headers", "One [*] per value"),
    (
        'http.host matches "(a)\\\\1"',
        '"(a)',
        "This regular expression cannot be used: invalid escape sequence",
    ),
    ('http.host matches "(?<=a)b"', '"(?<=', "no backreferences or lookaround"),
    ('http.host eq {"a"}', "{", "A set {...} or a list $name goes after in"),
    (
        'http.host in "a"',
        '"a"',
        'Expected a set {...} or a list $name after in, found string "a": write such as',
    ),
    ("http.host contains $names", "$names", "A set {...} or a list $name goes after in"),
    ('starts_with(http.request.headers["a"][*], http.host[*])', "http.host", "[*] goes after"),
    (
        'starts_with(http.host, http.request.headers["a"][*])',
        "http.request.headers",
        "Only the first argument of starts_with may take [*].",
    ),
    (
        'lower(1.2.3.4) eq "a"',
        "1.2.3.4",
        "An IP address is compared with ip.src, not given to a function.",
    ),
]


@pytest.mark.parametrize(
    ("expression", "at", "message"), TYPE_ERRORS, ids=[case[0] for case in TYPE_ERRORS]
)
def test_type_errors_say_what_was_expected_and_where(
    expression: str, at: str, message: str
) -> None:
    with pytest.raises(RuleError) as raised:
        compile(expression, lists={"names": ["a"]})
    error = raised.value
    assert message in error.message
    assert error.position is not None
    assert expression[error.position :].startswith(at), (expression, error.position)
    assert error.message.endswith((".", "?"))


def test_the_message_shows_the_expression_and_a_caret_under_the_mistake() -> None:
    with pytest.raises(RuleError) as raised:
        compile('ip.src eq "x"')
    assert str(raised.value) == (
        'ip.src eq "x"\n'
        "          ^\n"
        "ip.src is an IP address; compare it with an IP or a CIDR range, not a string."
    )


# Trees over the real fields and functions, mostly ill-typed: the compiler must refuse
# each with a RuleError, never fail otherwise.
FIELD_NAMES = [field.name for field in STANDARD_SCHEME]
REAL_VALUES = st.recursive(
    st.builds(tree.FieldRef, st.sampled_from(FIELD_NAMES)),
    lambda inner: (
        st.builds(tree.Index, inner, st.sampled_from(["accept", "A", 0, 1, -1]))
        | st.builds(tree.Each, inner)
        | st.builds(
            tree.Call,
            st.sampled_from([*FUNCTIONS, "nope"]),
            st.lists(inner | LITERALS, min_size=1, max_size=2).map(tuple),
        )
    ),
    max_leaves=4,
)


def real_expressions() -> st.SearchStrategy[tree.Expression]:
    comparisons = st.builds(tree.Comparison, REAL_VALUES, OPERATORS, LITERALS) | st.builds(
        tree.Comparison,
        REAL_VALUES,
        st.just(tree.Operator.IN),
        st.builds(tree.SetLiteral, st.lists(SET_ITEMS, min_size=1, max_size=3).map(tuple))
        | st.just(tree.ListName("names")),
    )
    return st.recursive(
        comparisons | REAL_VALUES | st.builds(tree.BoolLiteral, st.booleans()),
        lambda inner: (
            st.builds(tree.Not, inner)
            | st.builds(
                tree.Logical,
                st.sampled_from(list(tree.Logic)),
                st.lists(inner, min_size=2, max_size=3).map(tuple),
            )
            | st.builds(tree.Call, st.sampled_from(["any", "all"]), st.tuples(inner))
        ),
        max_leaves=6,
    )


@settings(max_examples=600, deadline=None)
@given(real_expressions())
def test_the_compiler_refuses_with_a_rule_error_or_compiles_a_rule_that_runs(
    expression: tree.Expression,
) -> None:
    text = tree.to_text(expression)
    try:
        rule = compile(text, lists={"names": ["a", "10.0.0.0/8"]})
    except RuleError as error:
        assert error.message
        return
    for values in (request(), RequestValues()):
        assert isinstance(rule.matches(values), bool), text
