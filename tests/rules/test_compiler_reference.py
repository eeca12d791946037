"""Compiled rules against a reference: random rules, well typed by construction, run on
random requests both compiled (alone, and together as a FilterList) and by a plain
walk of their syntax tree written here, which must agree."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.rules import FUNCTIONS, STANDARD_SCHEME, FilterList, RequestValues, compile
from stockade.rules import ast as tree
from stockade.rules.addresses import ip_key, network_bounds
from stockade.rules.patterns import _ANCHOR_BOTH, _UNANCHORED, _compile, _wildcard_parts

Op = tree.Operator
LISTS = {"nets": ["10.0.0.0/8", "192.0.2.7"], "words": ["GET", "\u017f", 'a"b'], "asns": [1, 64500]}

# Text made of the characters where bugs hide: quotes, backslashes, case pairs whose
# folding differs between Python and RE2, undecodable bytes kept as surrogates.
ALPHABET = "aAbkKsS/.-_*?\\\"' \n\u017fKéÉ\udcff%2"
texts = st.text(alphabet=ALPHABET, max_size=6)


# the reference


class Many(list[Any]):
    """The elements of a value after [*], one by one."""


def evaluate(node: tree.Node, values: RequestValues) -> Any:
    match node:
        case tree.BoolLiteral(value=value):
            return value
        case tree.Not(operand=operand):
            return not truth(evaluate(operand, values))
        case tree.Logical(operator=operator, operands=operands):
            if operator is tree.Logic.AND:
                return all(truth(evaluate(item, values)) for item in operands)
            if operator is tree.Logic.OR:
                return any(truth(evaluate(item, values)) for item in operands)
            result = False
            for item in operands:
                result = result != truth(evaluate(item, values))
            return result
        case tree.FieldRef(name=name):
            field = STANDARD_SCHEME.field(name)
            assert field is not None
            return field.read(values)
        case tree.StringLiteral(value=value) | tree.IntLiteral(value=value):
            return value
        case tree.Index(target=target, key=key):
            found = evaluate(target, values)
            if isinstance(found, Many):
                return Many(
                    item for item in map(lambda each: pick(each, key), found) if item is not None
                )
            return pick(found, key)
        case tree.Each(target=target):
            found = evaluate(target, values)
            if found is None:
                return Many()
            return Many(found.values() if isinstance(found, dict) else found)
        case tree.Call(function=name, arguments=arguments):
            return call(name, [evaluate(argument, values) for argument in arguments])
        case tree.Comparison(left=left, operator=operator, right=right):
            found = evaluate(left, values)
            if isinstance(found, Many):
                return Many(compare(item, operator, right) for item in found)
            return found is not None and compare(found, operator, right)
    raise AssertionError(f"no reference for {node!r}")


def truth(value: Any) -> bool:
    return value is True


def pick(found: Any, key: str | int) -> Any:
    if found is None:
        return None
    if isinstance(key, str):
        return found.get(key)
    return found[key] if key < len(found) else None


def call(name: str, arguments: list[Any]) -> Any:
    function = FUNCTIONS[name]
    first, rest = arguments[0], arguments[1:]
    if function.aggregates:
        return function.implementation(first or ())
    if isinstance(first, Many):
        results = [None if None in rest else function.implementation(item, *rest) for item in first]
        return [result for result in results if result is not None]
    if first is None or None in rest:
        return None
    return function.implementation(first, *rest)


def compare(value: Any, operator: Op, right: tree.Node) -> bool:
    if operator is Op.IN:
        return member(value, right)
    if isinstance(right, tree.IpLiteral):
        first, last = network_bounds(right.network)
        inside = first <= value <= last
        return inside if operator is Op.EQ else not inside
    assert isinstance(right, tree.StringLiteral | tree.IntLiteral)
    literal = right.value
    match operator:
        case Op.EQ:
            return bool(value == literal)
        case Op.NE:
            return bool(value != literal)
        case Op.LT:
            return bool(value < literal)
        case Op.LE:
            return bool(value <= literal)
        case Op.GT:
            return bool(value > literal)
        case Op.GE:
            return bool(value >= literal)
        case Op.CONTAINS:
            return literal in value
        case Op.MATCHES:
            return search(_compile(str(literal)), _UNANCHORED, value)
    return wildcard(value, str(literal), operator is Op.STRICT_WILDCARD)


def search(program: Any, anchor: Any, text: str) -> bool:
    data = text.encode("utf-8", "surrogateescape")
    return bool(program.Match(anchor, data, 0, len(data))[0][0] >= 0)


def wildcard(text: str, pattern: str, case_sensitive: bool) -> bool:
    """As the rules language defines it: plain comparisons for no star or one star at
    an end (lower-cased unless strict), RE2 otherwise."""
    parts = _wildcard_parts(pattern)
    if len(parts) == 1 or (len(parts) == 2 and "" in parts):
        if not case_sensitive:
            text, parts = text.lower(), [part.lower() for part in parts]
        if len(parts) == 1:
            return text == parts[0]
        return text.endswith(parts[1]) if parts[0] == "" else text.startswith(parts[0])
    import re2

    regex = "(?s)" + ".*".join(re2.escape(part) for part in parts)
    return search(_compile(regex, case_sensitive), _ANCHOR_BOTH, text)


def member(value: Any, right: tree.Node) -> bool:
    if isinstance(right, tree.ListName):
        items: list[Any] = list(LISTS[right.name])
        if isinstance(value, int) and right.name == "nets":
            return any(
                contains_address(ipaddress.ip_network(str(item), strict=False), value)
                for item in items
            )
        return value in items
    assert isinstance(right, tree.SetLiteral)
    for item in right.items:
        if isinstance(item, tree.IntRange) and item.low <= value <= item.high:
            return True
        if isinstance(item, tree.IpLiteral) and contains_address(item.network, value):
            return True
        if isinstance(item, tree.StringLiteral | tree.IntLiteral) and item.value == value:
            return True
    return False


def contains_address(network: tree.Network, key: int) -> bool:
    first, last = network_bounds(network)
    return first <= key <= last


# random rules, typed by construction

HEADERS = tree.FieldRef("http.request.headers")
STRING_FIELDS = [
    "http.host",
    "http.request.method",
    "http.request.uri",
    "http.request.uri.path",
    "http.request.uri.query",
    "http.user_agent",
    "http.cookie",
]
HEADER_NAMES = ["user-agent", "accept", "x-a", "k"]
PATTERNS = [
    "^/a",
    "b$",
    "^ab$",
    r"a\.b",
    "(?i)kS",
    "(?i)a[0-9]+",
    "k+s",
    "a|b",
    "[\u017f]",
    r"\d",
    "é.",
    "(?:ab)?c",
    "a{2}",
    "",
]
WILDCARDS = ["a*", "*b", "a*b", "*", "/a/*/b", "K*s*", "\\**", "ab"]


def string_literals() -> st.SearchStrategy[tree.StringLiteral]:
    return texts.map(tree.StringLiteral)


@st.composite
def string_values(draw: st.DrawFn, depth: int = 0) -> tree.Value:
    choice = draw(st.integers(0, 4 if depth < 2 else 1))
    if choice <= 1:
        return tree.FieldRef(draw(st.sampled_from(STRING_FIELDS)))
    if choice == 2:
        return tree.Index(
            tree.Index(HEADERS, draw(st.sampled_from(HEADER_NAMES))), draw(st.integers(0, 2))
        )
    function = draw(st.sampled_from(["lower", "upper", "url_decode"]))
    return tree.Call(function, (draw(string_values(depth + 1)),))


@st.composite
def string_comparisons(draw: st.DrawFn) -> tree.Comparison:
    left = draw(string_values())
    operator = draw(st.sampled_from(list(Op)))
    if operator is Op.IN:
        items = tuple(draw(st.lists(string_literals(), min_size=1, max_size=3)))
        right: tree.Operand = draw(
            st.sampled_from([tree.SetLiteral(items), tree.ListName("words")])
        )
    elif operator is Op.MATCHES:
        right = tree.StringLiteral(draw(st.sampled_from(PATTERNS)))
    elif operator in (Op.WILDCARD, Op.STRICT_WILDCARD):
        right = tree.StringLiteral(draw(st.sampled_from(WILDCARDS)))
    else:
        right = draw(string_literals())
    return tree.Comparison(left, operator, right)


@st.composite
def int_comparisons(draw: st.DrawFn) -> tree.Comparison:
    left: tree.Value = draw(
        st.sampled_from(
            [
                tree.FieldRef("ip.src.asnum"),
                tree.FieldRef("http.request.body.size"),
                tree.Call("len", (tree.FieldRef("http.request.uri.path"),)),
                tree.Call("len", (HEADERS,)),
                tree.Call("len", (tree.Index(HEADERS, "accept"),)),
            ]
        )
    )
    operator = draw(st.sampled_from([Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.IN]))
    numbers = st.integers(0, 70_000)
    if operator is not Op.IN:
        return tree.Comparison(left, operator, tree.IntLiteral(draw(numbers)))
    items = draw(
        st.lists(
            st.one_of(
                numbers.map(tree.IntLiteral),
                st.tuples(numbers, st.integers(0, 100)).map(
                    lambda pair: tree.IntRange(pair[0], pair[0] + pair[1])
                ),
            ),
            min_size=1,
            max_size=7,
        )
    )
    right = draw(st.sampled_from([tree.SetLiteral(tuple(items)), tree.ListName("asns")]))
    return tree.Comparison(left, operator, right)


networks = st.sampled_from(
    ["192.0.2.7/32", "192.0.2.0/24", "10.0.0.0/8", "2001:db8::/32", "::1/128", "0.0.0.0/0"]
).map(lambda text: tree.IpLiteral(ipaddress.ip_network(text), not text.endswith(("/32", "/128"))))


@st.composite
def ip_comparisons(draw: st.DrawFn) -> tree.Comparison:
    operator = draw(st.sampled_from([Op.EQ, Op.NE, Op.IN]))
    if operator is not Op.IN:
        return tree.Comparison(tree.FieldRef("ip.src"), operator, draw(networks))
    items = tuple(draw(st.lists(networks, min_size=1, max_size=7)))
    right = draw(st.sampled_from([tree.SetLiteral(items), tree.ListName("nets")]))
    return tree.Comparison(tree.FieldRef("ip.src"), operator, right)


@st.composite
def element_tests(draw: st.DrawFn) -> tree.Call:
    elements: tree.Value = tree.Each(tree.Index(HEADERS, draw(st.sampled_from(HEADER_NAMES))))
    if draw(st.booleans()):
        elements = tree.Each(tree.Call("lower", (elements,)))
    operator = draw(st.sampled_from([Op.EQ, Op.NE, Op.CONTAINS, Op.MATCHES]))
    right = (
        tree.StringLiteral(draw(st.sampled_from(PATTERNS)))
        if operator is Op.MATCHES
        else draw(string_literals())
    )
    return tree.Call(
        draw(st.sampled_from(["any", "all"])), (tree.Comparison(elements, operator, right),)
    )


@st.composite
def string_calls(draw: st.DrawFn) -> tree.Call:
    function = draw(st.sampled_from(["starts_with", "ends_with"]))
    second = draw(st.one_of(string_literals(), string_values()))
    return tree.Call(function, (draw(string_values()), second))


leaves = st.one_of(
    string_comparisons(),
    int_comparisons(),
    ip_comparisons(),
    element_tests(),
    string_calls(),
    st.just(tree.FieldRef("ssl")),
    st.booleans().map(tree.BoolLiteral),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        inner.map(tree.Not),
        st.tuples(st.sampled_from(list(tree.Logic)), st.lists(inner, min_size=2, max_size=4)).map(
            lambda pair: tree.Logical(pair[0], tuple(pair[1]))
        ),
    ),
    max_leaves=8,
)


@st.composite
def requests(draw: st.DrawFn) -> RequestValues:
    # The Kelvin sign lower-cases to k; \xff is not UTF-8.
    names = st.sampled_from(
        [b"User-Agent", b"accept", b"Accept", b"X-A", b"Cookie", b"\xe2\x84\xaa", b"K", b"\xff"]
    )
    header_values = texts.map(lambda text: text.encode("utf-8", "surrogateescape"))
    return RequestValues(
        method=draw(st.sampled_from(["GET", "POST", "\u017f"])),
        host=draw(texts),
        path="/" + draw(texts),
        query=draw(st.sampled_from(["", "a=%2F", "q=a+b", "x=%ff"])) + draw(texts),
        raw_headers=draw(st.lists(st.tuples(names, header_values), max_size=5)),
        ip=draw(st.sampled_from(["192.0.2.7", "10.1.2.3", "2001:db8::5", "::1", "203.0.113.9"])),
        country=draw(st.sampled_from(["FR", ""])),
        asn=draw(st.sampled_from([0, 1, 64500])),
        tls=draw(st.booleans()),
        body_size=draw(st.integers(0, 70_000)),
    )


@settings(max_examples=400, deadline=None)
@given(st.lists(conditions, min_size=1, max_size=6), requests())
def test_compiled_rules_agree_with_the_reference(
    rules: list[tree.Expression], values: RequestValues
) -> None:
    filters = [compile(tree.to_text(rule), lists=LISTS) for rule in rules]
    expected = [truth(evaluate(compiled.tree, values)) for compiled in filters]
    assert [compiled.matches(values) for compiled in filters] == expected
    matching = FilterList(filters).matching
    assert list(matching(values)) == [index for index, hit in enumerate(expected) if hit]


def test_the_reference_reads_what_the_sample_request_holds() -> None:
    values = RequestValues(path="/a", ip="192.0.2.7", raw_headers=[(b"Accept", b"x")])
    rule = compile(
        'http.request.uri.path eq "/a" and any(http.request.headers["accept"][*] eq "x")'
    )
    assert evaluate(rule.tree, values) is True
    assert ip_key("192.0.2.7") == values.ip_key
