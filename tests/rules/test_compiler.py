"""Each operator goes the whole way: parse, check the tree, compile, run on a request."""

from __future__ import annotations

import ipaddress

import pytest

from stockade.rules import RuleError, compile, parse
from stockade.rules import ast as tree
from tests.rules.sample import request, run

Op = tree.Operator
PATH = tree.FieldRef("http.request.uri.path")
HOST = tree.FieldRef("http.host")
METHOD = tree.FieldRef("http.request.method")
IP_SRC = tree.FieldRef("ip.src")
ASN = tree.FieldRef("ip.src.asnum")
SIZE = tree.FieldRef("http.request.body.size")


def network(text: str) -> tree.Network:
    return ipaddress.ip_network(text, strict=False)


# expression, the tree it parses to, result on the sample request
OPERATORS = [
    (
        'http.host eq "forum.example"',
        tree.Comparison(HOST, Op.EQ, tree.StringLiteral("forum.example")),
        True,
    ),
    (
        'http.host == "other.example"',
        tree.Comparison(HOST, Op.EQ, tree.StringLiteral("other.example")),
        False,
    ),
    (
        'http.host ne "other.example"',
        tree.Comparison(HOST, Op.NE, tree.StringLiteral("other.example")),
        True,
    ),
    (
        'http.host != "forum.example"',
        tree.Comparison(HOST, Op.NE, tree.StringLiteral("forum.example")),
        False,
    ),
    ("http.request.body.size lt 513", tree.Comparison(SIZE, Op.LT, tree.IntLiteral(513)), True),
    ("http.request.body.size < 512", tree.Comparison(SIZE, Op.LT, tree.IntLiteral(512)), False),
    ("http.request.body.size le 512", tree.Comparison(SIZE, Op.LE, tree.IntLiteral(512)), True),
    ("http.request.body.size <= 511", tree.Comparison(SIZE, Op.LE, tree.IntLiteral(511)), False),
    ("http.request.body.size gt 511", tree.Comparison(SIZE, Op.GT, tree.IntLiteral(511)), True),
    ("http.request.body.size > 512", tree.Comparison(SIZE, Op.GT, tree.IntLiteral(512)), False),
    ("http.request.body.size ge 512", tree.Comparison(SIZE, Op.GE, tree.IntLiteral(512)), True),
    ("http.request.body.size >= 513", tree.Comparison(SIZE, Op.GE, tree.IntLiteral(513)), False),
    ('http.host lt "g"', tree.Comparison(HOST, Op.LT, tree.StringLiteral("g")), True),
    (
        'http.request.uri.path contains "wp-login"',
        tree.Comparison(PATH, Op.CONTAINS, tree.StringLiteral("wp-login")),
        True,
    ),
    (
        'http.request.uri.path contains "WP-LOGIN"',
        tree.Comparison(PATH, Op.CONTAINS, tree.StringLiteral("WP-LOGIN")),
        False,
    ),
    (
        'http.request.uri.path matches "^/wp-.*\\\\.php$"',
        tree.Comparison(PATH, Op.MATCHES, tree.StringLiteral("^/wp-.*\\.php$")),
        True,
    ),
    (
        'http.request.uri.path ~ r"^/admin"',
        tree.Comparison(PATH, Op.MATCHES, tree.StringLiteral("^/admin")),
        False,
    ),
    (
        'http.request.uri.path wildcard "/WP-*.PHP"',
        tree.Comparison(PATH, Op.WILDCARD, tree.StringLiteral("/WP-*.PHP")),
        True,
    ),
    (
        'http.request.uri.path strict wildcard "/WP-*.PHP"',
        tree.Comparison(PATH, Op.STRICT_WILDCARD, tree.StringLiteral("/WP-*.PHP")),
        False,
    ),
    (
        'http.request.uri.path strict wildcard "/wp-*.php"',
        tree.Comparison(PATH, Op.STRICT_WILDCARD, tree.StringLiteral("/wp-*.php")),
        True,
    ),
    (
        'http.request.method in {"GET" "POST"}',
        tree.Comparison(
            METHOD, Op.IN, tree.SetLiteral((tree.StringLiteral("GET"), tree.StringLiteral("POST")))
        ),
        True,
    ),
    (
        'http.request.method in {"GET" "HEAD"}',
        tree.Comparison(
            METHOD, Op.IN, tree.SetLiteral((tree.StringLiteral("GET"), tree.StringLiteral("HEAD")))
        ),
        False,
    ),
    (
        "ip.src.asnum in {13335 64500}",
        tree.Comparison(
            ASN, Op.IN, tree.SetLiteral((tree.IntLiteral(13335), tree.IntLiteral(64500)))
        ),
        True,
    ),
    (
        "ip.src.asnum in {1..100 64496..64511}",
        tree.Comparison(
            ASN, Op.IN, tree.SetLiteral((tree.IntRange(1, 100), tree.IntRange(64496, 64511)))
        ),
        True,
    ),
    (
        "ip.src.asnum in {1..100}",
        tree.Comparison(ASN, Op.IN, tree.SetLiteral((tree.IntRange(1, 100),))),
        False,
    ),
    (
        "ip.src eq 192.0.2.7",
        tree.Comparison(IP_SRC, Op.EQ, tree.IpLiteral(network("192.0.2.7"), False)),
        True,
    ),
    (
        "ip.src eq 192.0.2.0/24",
        tree.Comparison(IP_SRC, Op.EQ, tree.IpLiteral(network("192.0.2.0/24"), True)),
        True,
    ),
    (
        "ip.src ne 192.0.2.0/24",
        tree.Comparison(IP_SRC, Op.NE, tree.IpLiteral(network("192.0.2.0/24"), True)),
        False,
    ),
    (
        "ip.src ne 192.0.2.8",
        tree.Comparison(IP_SRC, Op.NE, tree.IpLiteral(network("192.0.2.8"), False)),
        True,
    ),
    (
        "ip.src in {10.0.0.0/8 2001:db8::/32}",
        tree.Comparison(
            IP_SRC,
            Op.IN,
            tree.SetLiteral(
                (
                    tree.IpLiteral(network("10.0.0.0/8"), True),
                    tree.IpLiteral(network("2001:db8::/32"), True),
                )
            ),
        ),
        False,
    ),
    (
        "ip.src in {10.0.0.0/8 192.0.2.7}",
        tree.Comparison(
            IP_SRC,
            Op.IN,
            tree.SetLiteral(
                (
                    tree.IpLiteral(network("10.0.0.0/8"), True),
                    tree.IpLiteral(network("192.0.2.7"), False),
                )
            ),
        ),
        True,
    ),
    ("ip.src in $blocked", tree.Comparison(IP_SRC, Op.IN, tree.ListName("blocked")), True),
    ("true", tree.BoolLiteral(True), True),
    ("false", tree.BoolLiteral(False), False),
    ("ssl", tree.FieldRef("ssl"), True),
    ("not ssl", tree.Not(tree.FieldRef("ssl")), False),
    ("!ssl", tree.Not(tree.FieldRef("ssl")), False),
    (
        "ssl and false",
        tree.Logical(tree.Logic.AND, (tree.FieldRef("ssl"), tree.BoolLiteral(False))),
        False,
    ),
    (
        "ssl && true",
        tree.Logical(tree.Logic.AND, (tree.FieldRef("ssl"), tree.BoolLiteral(True))),
        True,
    ),
    (
        "false or ssl",
        tree.Logical(tree.Logic.OR, (tree.BoolLiteral(False), tree.FieldRef("ssl"))),
        True,
    ),
    (
        "false || false",
        tree.Logical(tree.Logic.OR, (tree.BoolLiteral(False), tree.BoolLiteral(False))),
        False,
    ),
    (
        "ssl xor true",
        tree.Logical(tree.Logic.XOR, (tree.FieldRef("ssl"), tree.BoolLiteral(True))),
        False,
    ),
    (
        "ssl ^^ false",
        tree.Logical(tree.Logic.XOR, (tree.FieldRef("ssl"), tree.BoolLiteral(False))),
        True,
    ),
    (
        'http.request.headers["accept"][1] eq "application/json"',
        tree.Comparison(
            tree.Index(tree.Index(tree.FieldRef("http.request.headers"), "accept"), 1),
            Op.EQ,
            tree.StringLiteral("application/json"),
        ),
        True,
    ),
    (
        'any(http.request.headers["accept"][*] contains "json")',
        tree.Call(
            "any",
            (
                tree.Comparison(
                    tree.Each(tree.Index(tree.FieldRef("http.request.headers"), "accept")),
                    Op.CONTAINS,
                    tree.StringLiteral("json"),
                ),
            ),
        ),
        True,
    ),
]


@pytest.mark.parametrize(
    ("expression", "expected_tree", "result"), OPERATORS, ids=[case[0] for case in OPERATORS]
)
def test_each_operator_parses_compiles_and_runs(
    expression: str, expected_tree: tree.Expression, result: bool
) -> None:
    assert parse(expression) == expected_tree
    rule = compile(expression, lists={"blocked": ["192.0.2.0/28", "198.51.100.1"]})
    assert rule.tree == expected_tree
    assert rule.matches(request()) is result


def test_precedence_is_not_then_and_then_xor_then_or() -> None:
    a, b, c, d = (tree.FieldRef(name) for name in "abcd")
    assert parse("a or b and c") == tree.Logical(
        tree.Logic.OR, (a, tree.Logical(tree.Logic.AND, (b, c)))
    )
    assert parse("a xor b and c or d") == tree.Logical(
        tree.Logic.OR, (tree.Logical(tree.Logic.XOR, (a, tree.Logical(tree.Logic.AND, (b, c)))), d)
    )
    assert parse("not a and b") == tree.Logical(tree.Logic.AND, (tree.Not(a), b))
    assert parse("not (a and b)") == tree.Not(tree.Logical(tree.Logic.AND, (a, b)))
    # Were xor as tight as and, this would be false; were or tighter than xor, true.
    assert run("true or true xor true") is True
    assert run("(true or true) xor true") is False
    assert run("false and true or true") is True
    assert run("true xor true and false") is True


def test_long_chains_run_every_operand_until_decided() -> None:
    assert run("ssl and ssl and ssl and true") is True
    assert run("ssl and ssl and false and ssl") is False
    assert run("false or false or false or ssl") is True
    assert run("false or false or false or false") is False
    assert run("true xor true xor true") is True


def test_ip_sets_hold_v4_and_v6_addresses_and_ranges() -> None:
    rule = compile("ip.src in {10.0.0.0/8 192.0.2.1 2001:db8::/32 ::1}")
    for address, expected in [
        ("10.255.0.1", True),
        ("11.0.0.0", False),
        ("192.0.2.1", True),
        ("192.0.2.2", False),
        ("2001:db8:1::5", True),
        ("2001:db9::", False),
        ("::1", True),
        ("::ffff:10.0.0.1", False),
    ]:
        assert rule.matches(request(ip=address)) is expected, address


def test_a_missing_header_matches_no_comparison_and_its_negation_matches() -> None:
    assert run('http.request.headers["x-missing"][0] eq "a"') is False
    assert run('http.request.headers["x-missing"][0] ne "a"') is False
    assert run('not http.request.headers["x-missing"][0] eq "a"') is True
    assert run('any(http.request.headers["x-missing"][*] eq "a")') is False
    assert run('all(http.request.headers["x-missing"][*] eq "a")') is True
    assert run('http.request.headers["accept"][5] eq "a"') is False
    assert run('len(http.request.headers["x-missing"][0]) eq 0') is False


def test_every_value_of_a_map_with_star() -> None:
    assert run("any(len(http.request.headers[*])[*] eq 2)") is True
    assert run('any(http.request.headers[*][0] eq "session=abc")') is True


def test_named_lists_of_every_type() -> None:
    lists = {"methods": ["POST"], "networks": ["10.0.0.0/8"], "asns": [64500]}
    assert run("http.request.method in $methods", lists) is True
    assert run("ip.src in $networks", lists) is False
    assert run("ip.src.asnum in $asns", lists) is True


def test_a_list_with_an_item_of_the_wrong_type_is_refused_when_compiled() -> None:
    with pytest.raises(RuleError, match=r"Item 2 of the list \$networks is 'x', not an IP"):
        compile("ip.src in $networks", lists={"networks": ["10.0.0.0/8", "x"]})
    with pytest.raises(RuleError, match=r"Item 1 of the list \$asns is '1', not a number"):
        compile("ip.src.asnum in $asns", lists={"asns": ["1"]})
    with pytest.raises(RuleError, match=r"Item 1 of the list \$hosts is 1, not a string"):
        compile("http.host in $hosts", lists={"hosts": [1]})
    with pytest.raises(RuleError, match=r"There is no list \$other; the lists given are: \$hosts"):
        compile("http.host in $other", lists={"hosts": ["a"]})


def test_the_filter_keeps_its_expression_and_tree() -> None:
    rule = compile("ssl")
    assert rule.expression == "ssl"
    assert rule.tree == tree.FieldRef("ssl")
    assert repr(rule) == "Filter('ssl')"
