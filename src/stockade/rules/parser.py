"""The parser: tokens into a syntax tree, by recursive descent with wirefilter's
precedence (not, then and, then xor, then or). It knows the grammar only; fields,
functions and types are the compiler's business."""

from __future__ import annotations

from typing import NoReturn

from stockade.rules import ast
from stockade.rules.errors import RuleError
from stockade.rules.lexer import Token, TokenKind, tokenize

# Each level of nesting costs a few Python frames here, in the printer and in the
# compiler: the bound keeps all three far from the interpreter's recursion limit.
MAX_DEPTH = 64

_COMPARISONS = {
    "eq": ast.Operator.EQ,
    "==": ast.Operator.EQ,
    "ne": ast.Operator.NE,
    "!=": ast.Operator.NE,
    "lt": ast.Operator.LT,
    "<": ast.Operator.LT,
    "le": ast.Operator.LE,
    "<=": ast.Operator.LE,
    "gt": ast.Operator.GT,
    ">": ast.Operator.GT,
    "ge": ast.Operator.GE,
    ">=": ast.Operator.GE,
    "contains": ast.Operator.CONTAINS,
    "matches": ast.Operator.MATCHES,
    "~": ast.Operator.MATCHES,
    "wildcard": ast.Operator.WILDCARD,
    "in": ast.Operator.IN,
}
_LOGIC = {
    ast.Logic.OR: ("or", "||"),
    ast.Logic.XOR: ("xor", "^^"),
    ast.Logic.AND: ("and", "&&"),
}
KEYWORDS = frozenset(
    {"and", "or", "xor", "not", "strict", "true", "false"}
    | {word for word in _COMPARISONS if word.isalpha()}
)


def parse(expression: str) -> ast.Expression:
    """The syntax tree of `expression`; RuleError when it is not a well-formed rule."""
    return _Parser(expression).run()


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = tokenize(expression)
        self.index = 0
        self.depth = 0

    # reading tokens

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.token
        return token.kind in (TokenKind.WORD, TokenKind.SYMBOL) and token.text in texts

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            self.fail(f"Expected {text} {what}, found {self.describe(self.token)}.")
        return self.advance()

    def fail(self, message: str, token: Token | None = None) -> NoReturn:
        raise RuleError(message, self.expression, (token or self.token).start)

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind is TokenKind.END:
            return "the end of the expression"
        return f"{token.kind.value} {token.text}"

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(
                f"The expression nests more than {MAX_DEPTH} levels deep (parentheses, "
                "not, function calls and [...] together); write it flatter or split it "
                "into several rules."
            )

    def span_from(self, start: int) -> ast.Span:
        return (start, self.tokens[self.index - 1].end)

    # the grammar

    def run(self) -> ast.Expression:
        if self.token.kind is TokenKind.END:
            raise RuleError(
                'The expression is empty: write a condition such as http.host eq "a.example", '
                "or true to match every request.",
                self.expression,
            )
        expression = self.logical(ast.Logic.OR)
        if self.tokens[self.index].kind is not TokenKind.END:
            self.fail(
                f"Expected and, or, xor or the end of the expression, found "
                f"{self.describe(self.token)}."
            )
        return expression

    def logical(self, operator: ast.Logic) -> ast.Expression:
        tighter = {ast.Logic.OR: ast.Logic.XOR, ast.Logic.XOR: ast.Logic.AND}.get(operator)
        start = self.token.start
        operands = [self.logical(tighter) if tighter else self.negation()]
        while self.at(*_LOGIC[operator]):
            self.advance()
            operands.append(self.logical(tighter) if tighter else self.negation())
        if len(operands) == 1:
            return operands[0]
        return ast.Logical(operator, tuple(operands), span=self.span_from(start))

    def negation(self) -> ast.Expression:
        if not self.at("not", "!"):
            return self.primary()
        start = self.advance().start
        self.enter()
        operand = self.negation()
        self.depth -= 1
        return ast.Not(operand, span=self.span_from(start))

    def primary(self) -> ast.Expression:
        token = self.token
        if self.at("("):
            self.advance()
            self.enter()
            inner = self.logical(ast.Logic.OR)
            self.depth -= 1
            self.expect(")", "to close the parenthesis")
            return inner
        if self.at("true", "false"):
            self.advance()
            return ast.BoolLiteral(token.text == "true", span=(token.start, token.end))
        if token.kind is TokenKind.WORD and token.text not in KEYWORDS:
            return self.comparison()
        self.fail(
            f"Expected a field, a function, not, true, false or a parenthesis, found "
            f'{self.describe(token)}; a condition reads like http.host eq "a.example".'
        )

    def comparison(self) -> ast.Expression:
        start = self.token.start
        left = self.value()
        if self.at("strict"):
            self.advance()
            if not self.at("wildcard"):
                self.fail(f"Expected wildcard after strict, found {self.describe(self.token)}.")
            operator = ast.Operator.STRICT_WILDCARD
        elif self.at(*_COMPARISONS):
            operator = _COMPARISONS[self.token.text]
        else:
            return left
        self.advance()
        right = self.set_or_list() if operator is ast.Operator.IN else self.literal()
        return ast.Comparison(left, operator, right, span=self.span_from(start))

    def value(self) -> ast.Value:
        token = self.advance()
        value: ast.Value
        if self.at("("):
            value = self.call(token)
        else:
            value = ast.FieldRef(token.text, span=(token.start, token.end))
        levels = 0
        while self.at("["):
            self.advance()
            self.enter()
            levels += 1
            key = self.token
            if self.at("*"):
                self.advance()
                value = ast.Each(value, span=self.span_from(token.start))
                self.expect("]", "after [*")
                continue
            if key.kind not in (TokenKind.STRING, TokenKind.INT):
                self.fail(
                    f'Expected a key in quotes ("user-agent"), an index (0) or * inside '
                    f"[...], found {self.describe(key)}."
                )
            self.advance()
            self.expect("]", "after the key")
            assert isinstance(key.value, str | int)
            value = ast.Index(value, key.value, span=self.span_from(token.start))
        self.depth -= levels
        return value

    def call(self, name: Token) -> ast.Call:
        self.advance()
        self.enter()
        arguments: list[ast.Expression] = []
        while not self.at(")"):
            if arguments:
                self.expect(",", "between the arguments of " + name.text)
            if self.token.kind in (TokenKind.STRING, TokenKind.INT, TokenKind.IP):
                arguments.append(self.literal())
            else:
                arguments.append(self.logical(ast.Logic.OR))
        self.advance()
        self.depth -= 1
        return ast.Call(name.text, tuple(arguments), span=self.span_from(name.start))

    def literal(self) -> ast.Literal:
        token = self.token
        span = (token.start, token.end)
        if token.kind is TokenKind.STRING:
            self.advance()
            assert isinstance(token.value, str)
            return ast.StringLiteral(token.value, span=span)
        if token.kind is TokenKind.INT:
            self.advance()
            assert isinstance(token.value, int)
            return ast.IntLiteral(token.value, span=span)
        if token.kind is TokenKind.IP:
            self.advance()
            assert isinstance(token.value, ast.Network)
            return ast.IpLiteral(token.value, "/" in token.text, span=span)
        if self.at("{") or token.kind is TokenKind.LIST:
            self.fail(
                "A set {...} or a list $name goes after in: write such as "
                'http.request.method in {"GET" "HEAD"}.'
            )
        if self.at("true", "false"):
            self.fail(
                "Booleans are not compared: a boolean field is a condition on its own, such "
                "as ssl, or not ssl."
            )
        self.fail(
            f"Expected a value (a string in double quotes, a number or an IP address), "
            f"found {self.describe(token)}."
        )

    def set_or_list(self) -> ast.SetLiteral | ast.ListName:
        token = self.token
        if token.kind is TokenKind.LIST:
            self.advance()
            assert isinstance(token.value, str)
            return ast.ListName(token.value, span=(token.start, token.end))
        if not self.at("{"):
            self.fail(
                f"Expected a set {{...}} or a list $name after in, found "
                f'{self.describe(token)}: write such as http.request.method in {{"GET" "HEAD"}}.'
            )
        self.advance()
        items: list[ast.StringLiteral | ast.IntLiteral | ast.IpLiteral | ast.IntRange] = []
        while not self.at("}"):
            if self.at(","):
                self.fail('Values in a set are separated by spaces, not commas: {"GET" "HEAD"}.')
            if self.token.kind is TokenKind.END:
                self.fail("This set has no closing brace: end it with }.", token)
            item = self.literal()
            if isinstance(item, ast.IntLiteral) and self.at(".."):
                self.advance()
                high_token = self.token
                high = self.literal()
                if not isinstance(high, ast.IntLiteral):
                    self.fail(
                        "A range goes from one number to another, such as 80..443.", high_token
                    )
                if high.value < item.value:
                    self.fail(
                        f"The range {item.value}..{high.value} is empty: put the smaller "
                        "number first.",
                        token=self.tokens[self.index - 1],
                    )
                items.append(
                    ast.IntRange(item.value, high.value, span=(item.span[0], high.span[1]))
                )
            else:
                items.append(item)
        self.advance()
        if not items:
            self.fail(
                "This set is empty, so nothing would match: give it at least one value.", token
            )
        return ast.SetLiteral(tuple(items), span=self.span_from(token.start))
