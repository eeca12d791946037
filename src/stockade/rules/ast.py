"""The syntax tree of a rule, and the printer that writes it back as text.

Nodes compare by content, not by where they were written (`span` is left out of
equality), so a tree printed and parsed again equals the tree it came from."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Where a node was written: start and end indexes into the expression.
Span = tuple[int, int]
NO_SPAN: Span = (0, 0)


class Operator(Enum):
    """Comparison operators, by their word; the symbols are other spellings of these."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    CONTAINS = "contains"
    MATCHES = "matches"
    WILDCARD = "wildcard"
    STRICT_WILDCARD = "strict wildcard"
    IN = "in"


class Logic(Enum):
    """Logical operators, from the loosest to the tightest binding."""

    OR = "or"
    XOR = "xor"
    AND = "and"


@dataclass(frozen=True, slots=True)
class _Written:
    """What every node has: where it was written (by keyword, left out of equality)."""

    span: Span = field(default=NO_SPAN, compare=False, kw_only=True)


# values a rule reads


@dataclass(frozen=True, slots=True)
class FieldRef(_Written):
    name: str


@dataclass(frozen=True, slots=True)
class Index(_Written):
    """`target["key"]` of a map or `target[0]` of an array."""

    target: Value
    key: str | int


@dataclass(frozen=True, slots=True)
class Each(_Written):
    """`target[*]`: every element of an array (or every value of a map), one by one."""

    target: Value


@dataclass(frozen=True, slots=True)
class Call(_Written):
    function: str
    arguments: tuple[Expression, ...]


# literals


@dataclass(frozen=True, slots=True)
class StringLiteral(_Written):
    value: str


@dataclass(frozen=True, slots=True)
class IntLiteral(_Written):
    value: int


@dataclass(frozen=True, slots=True)
class IpLiteral(_Written):
    """An address (`prefix_written` false) or a CIDR range; both held as a network."""

    network: Network
    prefix_written: bool


@dataclass(frozen=True, slots=True)
class IntRange(_Written):
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class SetLiteral(_Written):
    items: tuple[StringLiteral | IntLiteral | IpLiteral | IntRange, ...]


@dataclass(frozen=True, slots=True)
class ListName(_Written):
    """`$name`: a list of values given when the rule is compiled."""

    name: str


@dataclass(frozen=True, slots=True)
class BoolLiteral(_Written):
    value: bool


# predicates


@dataclass(frozen=True, slots=True)
class Comparison(_Written):
    left: Value
    operator: Operator
    right: Operand


@dataclass(frozen=True, slots=True)
class Not(_Written):
    operand: Expression


@dataclass(frozen=True, slots=True)
class Logical(_Written):
    """Two or more operands joined by one operator: `a and b and c` is one node."""

    operator: Logic
    operands: tuple[Expression, ...]


Value = FieldRef | Index | Each | Call
Literal = StringLiteral | IntLiteral | IpLiteral
Operand = Literal | SetLiteral | ListName
Expression = Value | Literal | BoolLiteral | Comparison | Not | Logical
Node = Expression | IntRange | SetLiteral | ListName


# the printer


def to_text(node: Node) -> str:
    """The rule as text, in the canonical spelling: word operators, one space around
    them, parentheses around every nested logical group."""
    match node:
        case FieldRef(name=name):
            return name
        case Index(target=target, key=key):
            written_key = quote(key) if isinstance(key, str) else str(key)
            return f"{to_text(target)}[{written_key}]"
        case Each(target=target):
            return f"{to_text(target)}[*]"
        case Call(function=function, arguments=arguments):
            return f"{function}({', '.join(to_text(argument) for argument in arguments)})"
        case StringLiteral(value=value):
            return quote(value)
        case IntLiteral(value=value):
            return str(value)
        case IpLiteral(network=network, prefix_written=prefix_written):
            return str(network) if prefix_written else str(network.network_address)
        case IntRange(low=low, high=high):
            return f"{low}..{high}"
        case SetLiteral(items=items):
            return "{" + " ".join(to_text(item) for item in items) + "}"
        case ListName(name=name):
            return f"${name}"
        case BoolLiteral(value=value):
            return "true" if value else "false"
        case Comparison(left=left, operator=operator, right=right):
            return f"{to_text(left)} {operator.value} {to_text(right)}"
        case Not(operand=operand):
            return f"not {_grouped(operand)}"
        case Logical(operator=operator, operands=operands):
            return f" {operator.value} ".join(_grouped(operand) for operand in operands)
    raise TypeError(f"to_text cannot print {type(node).__name__}.")  # pragma: no cover


def _grouped(node: Expression) -> str:
    return f"({to_text(node)})" if isinstance(node, Logical) else to_text(node)


_QUOTED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """A string literal that reads back as `value`: control characters as \\xHH."""
    characters = []
    for char in value:
        if char in _QUOTED:
            characters.append(_QUOTED[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            characters.append(f"\\x{ord(char):02x}")
        else:
            characters.append(char)
    return '"' + "".join(characters) + '"'
