from __future__ import annotations

import ipaddress

import pytest

from stockade.rules import MAX_EXPRESSION_LENGTH, RuleError
from stockade.rules.lexer import TokenKind, tokenize


def kinds_and_values(expression: str) -> list[tuple[TokenKind, object]]:
    return [
        (token.kind, token.value if token.value is not None else token.text)
        for token in tokenize(expression)
    ]


def test_words_symbols_and_literals_with_their_positions() -> None:
    tokens = tokenize('http.request.uri.path contains "/a" && ip.src.asnum>=13335')
    assert [(token.kind, token.text, token.start) for token in tokens] == [
        (TokenKind.WORD, "http.request.uri.path", 0),
        (TokenKind.WORD, "contains", 22),
        (TokenKind.STRING, '"/a"', 31),
        (TokenKind.SYMBOL, "&&", 36),
        (TokenKind.WORD, "ip.src.asnum", 39),
        (TokenKind.SYMBOL, ">=", 51),
        (TokenKind.INT, "13335", 53),
        (TokenKind.END, "", 58),
    ]


def test_ip_addresses_and_ranges_of_both_families() -> None:
    values = [
        token.value
        for token in tokenize("{10.0.0.0/8 192.0.2.1 2001:db8::/32 ::1 fe80::1 ::ffff:1.2.3.4}")
    ]
    assert values[1:-2] == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.1/32"),
        ipaddress.ip_network("2001:db8::/32"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("fe80::1/128"),
        ipaddress.ip_network("::ffff:1.2.3.4/128"),
    ]


def test_host_bits_of_a_range_are_dropped() -> None:
    assert tokenize("10.1.2.3/8")[0].value == ipaddress.ip_network("10.0.0.0/8")


def test_int_ranges_are_two_numbers_and_a_symbol() -> None:
    assert kinds_and_values("80..443 -1") == [
        (TokenKind.INT, 80),
        (TokenKind.SYMBOL, ".."),
        (TokenKind.INT, 443),
        (TokenKind.INT, -1),
        (TokenKind.END, ""),
    ]


def test_strings_escapes_and_raw_strings() -> None:
    assert tokenize(r'"a\"b\\c\n\x41"')[0].value == 'a"b\\c\nA'
    assert tokenize(r'r"^\d+$"')[0].value == r"^\d+$"
    assert tokenize(r'r#"say "hi""#')[0].value == 'say "hi"'
    assert tokenize("$blocked_ips")[0].value == "blocked_ips"


@pytest.mark.parametrize(
    ("expression", "position", "message"),
    [
        ('http.host eq "abc', 13, "This string has no closing quote"),
        (r'http.host eq "a\qb"', 15, "Unknown escape in a string"),
        (r'http.host eq "\x4"', 14, "Unknown escape in a string"),
        ('r#"abc"', 0, 'close it with "#'),
        ("http.host = 1", 10, "Unexpected character '=': to compare, write == or eq."),
        ("a & b", 2, "write && or and"),
        ("a | b", 2, "write || or or"),
        ("a ^ b", 2, "write ^^ or xor"),
        ("http.host eq 'a'", 13, "strings are in double quotes"),
        ("a # b", 2, "Unexpected character '#'"),
        ("ip.src eq 300.1.1.1", 10, "300.1.1.1 is not a valid IP address or CIDR range"),
        ("ip.src eq 10.0.0.0/33", 10, "is not a valid IP address"),
        ("ip.src eq 1:2:3", 10, "1:2:3 is not a valid IP address"),
        ("x eq 9223372036854775808", 5, "does not fit in 64 bits"),
    ],
)
def test_lexical_errors_say_what_to_write(expression: str, position: int, message: str) -> None:
    with pytest.raises(RuleError) as raised:
        tokenize(expression)
    assert raised.value.position == position
    assert message in raised.value.message


def test_expressions_longer_than_the_limit_are_refused_whole() -> None:
    tokenize("a" * MAX_EXPRESSION_LENGTH)
    with pytest.raises(RuleError) as raised:
        tokenize("a" * (MAX_EXPRESSION_LENGTH + 1))
    assert raised.value.position is None
    assert raised.value.message.startswith(
        "The expression is 4,097 characters long; the limit is 4,096."
    )
