"""The lexer: an expression's text into tokens, each with its position for errors."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import Enum

from stockade.rules.errors import RuleError

# Rules travel in snapshots and are compiled by every edge: a bound keeps both cheap.
MAX_EXPRESSION_LENGTH = 4096
# Ints are 64-bit signed, as in wirefilter, so a rule means the same everywhere.
INT_LIMIT = 2**63


class TokenKind(Enum):
    WORD = "word"
    STRING = "string"
    INT = "number"
    IP = "IP address"
    LIST = "list name"
    SYMBOL = "symbol"
    END = "end of the expression"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    start: int
    end: int
    # The parsed literal: str for STRING and LIST, int for INT, a network for IP.
    value: object = None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Two-character symbols first, so that <= is not read as < then =.
SYMBOLS: tuple[str, ...] = ("==", "!=", "<=", ">=", "&&", "||", "^^", "..")
SYMBOLS += ("<", ">", "!", "~", "(", ")", "{", "}", "[", "]", ",", "*")

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_LIST = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# Identifiers never hold a colon, so a run of hex digits with one is an IPv6 literal.
_IPV6 = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/[0-9]+)?")
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(?:/[0-9]+)?")
_INT = re.compile(r"-?[0-9]+")
_SPACE = re.compile(r"\s+")
_RAW_STRING = re.compile(r'r(#*)"')
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_CONFUSED = {
    "=": "to compare, write == or eq",
    "&": "for both, write && or and",
    "|": "for either, write || or or",
    "^": "for exactly one, write ^^ or xor",
    "'": 'strings are in double quotes, such as "text"',
}


def tokenize(expression: str) -> list[Token]:
    """Every token of `expression`, ending with one END token."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise RuleError(
            f"The expression is {len(expression):,} characters long; the limit is "
            f"{MAX_EXPRESSION_LENGTH:,}. Split it into several rules, or move long sets of "
            "values into a named list ($name).",
            expression,
        )
    return _Lexer(expression).run()


class _Lexer:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.position = 0

    def fail(self, message: str, position: int | None = None) -> RuleError:
        return RuleError(message, self.expression, self.position if position is None else position)

    def run(self) -> list[Token]:
        tokens = []
        text = self.expression
        while True:
            space = _SPACE.match(text, self.position)
            if space:
                self.position = space.end()
            if self.position >= len(text):
                tokens.append(Token(TokenKind.END, "", len(text), len(text)))
                return tokens
            tokens.append(self.next_token())

    def next_token(self) -> Token:
        text, start = self.expression, self.position
        char = text[start]
        if char == '"':
            return self.string(start + 1, start)
        raw = _RAW_STRING.match(text, start)
        if raw:
            return self.raw_string(raw.end(), len(raw.group(1)), start)
        for pattern in (_IPV6, _IPV4):
            match = pattern.match(text, start)
            if match:
                return self.ip(match.group(), start)
        for kind, pattern in ((TokenKind.INT, _INT), (TokenKind.WORD, _WORD)):
            match = pattern.match(text, start)
            if match:
                self.position = match.end()
                return self.word_or_int(kind, match.group(), start)
        listed = _LIST.match(text, start)
        if listed:
            self.position = listed.end()
            return Token(TokenKind.LIST, listed.group(), start, self.position, listed.group(1))
        for symbol in SYMBOLS:
            if text.startswith(symbol, start):
                self.position = start + len(symbol)
                return Token(TokenKind.SYMBOL, symbol, start, self.position)
        hint = _CONFUSED.get(char, "expected a field, a value, an operator or a parenthesis")
        raise self.fail(f"Unexpected character {char!r}: {hint}.")

    def word_or_int(self, kind: TokenKind, text: str, start: int) -> Token:
        if kind is TokenKind.WORD:
            return Token(kind, text, start, self.position)
        value = int(text)
        if not -INT_LIMIT <= value < INT_LIMIT:
            raise self.fail(
                f"The number {text} does not fit in 64 bits; numbers go from "
                f"{-INT_LIMIT:,} to {INT_LIMIT - 1:,}.",
                start,
            )
        return Token(kind, text, start, self.position, value)

    def ip(self, text: str, start: int) -> Token:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise self.fail(
                f"{text} is not a valid IP address or CIDR range; write one such as "
                "192.0.2.1, 10.0.0.0/8, 2001:db8::1 or 2001:db8::/32.",
                start,
            ) from None
        self.position = start + len(text)
        return Token(TokenKind.IP, text, start, self.position, network)

    def string(self, position: int, start: int) -> Token:
        text = self.expression
        characters: list[str] = []
        while position < len(text):
            char = text[position]
            if char == '"':
                self.position = position + 1
                return Token(
                    TokenKind.STRING,
                    text[start : self.position],
                    start,
                    self.position,
                    "".join(characters),
                )
            if char == "\\":
                escaped, position = self.escape(position)
                characters.append(escaped)
                continue
            characters.append(char)
            position += 1
        raise self.fail('This string has no closing quote: end it with ".', start)

    def escape(self, position: int) -> tuple[str, int]:
        text = self.expression
        code = text[position + 1 : position + 2]
        if code in _ESCAPES:
            return _ESCAPES[code], position + 2
        if code == "x":
            digits = text[position + 2 : position + 4]
            if len(digits) == 2 and all(digit in "0123456789abcdefABCDEF" for digit in digits):
                return chr(int(digits, 16)), position + 4
        raise self.fail(
            'Unknown escape in a string: use \\" for a quote, \\\\ for a backslash, \\n, \\r, '
            '\\t or \\xHH; for a regular expression a raw string r"..." needs no escapes.',
            position,
        )

    def raw_string(self, position: int, hashes: int, start: int) -> Token:
        closing = '"' + "#" * hashes
        end = self.expression.find(closing, position)
        if end < 0:
            raise self.fail(f"This raw string has no end: close it with {closing}.", start)
        self.position = end + len(closing)
        value = self.expression[position:end]
        return Token(
            TokenKind.STRING, self.expression[start : self.position], start, self.position, value
        )
