"""The compiler: a syntax tree, checked against a scheme, into a chain of closures.

Every type question is settled here, and every choice that does not depend on the
request: which comparison, the lower-cased pattern, the compiled regex, the sorted CIDR
ranges. Running a compiled rule is then a few closure calls, each doing one thing."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from stockade.rules import ast
from stockade.rules.addresses import RangeSet, network_bounds
from stockade.rules.errors import RuleError
from stockade.rules.functions import FUNCTIONS, Function
from stockade.rules.lists import Membership, NamedLists, membership
from stockade.rules.parser import parse
from stockade.rules.patterns import PatternError, regex_test, wildcard_test
from stockade.rules.scheme import (
    BOOL,
    INT,
    IP,
    STRING,
    Kind,
    Predicate,
    Reader,
    Scheme,
    Type,
    array_of,
)
from stockade.rules.standard import STANDARD_SCHEME

Op = ast.Operator

# What each type may be compared with, and how the error names it.
_OPERATORS: dict[Kind, tuple[frozenset[Op], str]] = {
    Kind.STRING: (frozenset(Op), "a string"),
    Kind.INT: (frozenset({Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.IN}), "a number"),
    Kind.IP: (frozenset({Op.EQ, Op.NE, Op.IN}), "an IP or a CIDR range"),
}
_LITERAL_TYPES: dict[type, Type] = {
    ast.StringLiteral: STRING,
    ast.IntLiteral: INT,
    ast.IpLiteral: IP,
    ast.IntRange: INT,
}


class Filter:
    """A compiled rule. `matches(values)` is the rule itself, a closure: the edge calls
    it with one values object per request (RequestValues for the standard scheme)."""

    __slots__ = ("expression", "matches", "tree")

    def __init__(self, expression: str, tree: ast.Expression, matches: Predicate) -> None:
        self.expression = expression
        self.tree = tree
        self.matches = matches

    def __repr__(self) -> str:
        return f"Filter({self.expression!r})"


def compile(
    expression: str,
    scheme: Scheme = STANDARD_SCHEME,
    lists: NamedLists | Mapping[str, Iterable[str | int]] | None = None,
) -> Filter:
    """Parse, check and compile `expression`; RuleError says what is wrong and where.
    `lists` gives the values of the $names the rule may use."""
    tree = parse(expression)
    named = lists if isinstance(lists, NamedLists) else NamedLists(lists)
    return Filter(expression, tree, _Compiler(expression, scheme, named).predicate(tree))


@dataclass(slots=True)
class _Typed:
    """A compiled value: its type and how to read it. `each`: the reader gives a list,
    one value per element (after [*]); `optional`: it may give None (a missing key)."""

    type: Type
    read: Reader
    each: bool = False
    optional: bool = False
    constant: object = None
    is_constant: bool = False
    # For a comparison after [*]: the elements and the test of one, so that any() and
    # all() stop at the first element that decides instead of testing every one.
    elements: tuple[Reader, Predicate] | None = None


def _identity(value: Any) -> Any:
    return value


def _constant(value: object) -> Reader:
    return lambda values: value


class _Compiler:
    def __init__(self, expression: str, scheme: Scheme, lists: NamedLists) -> None:
        self.expression = expression
        self.scheme = scheme
        self.lists = lists

    def fail(self, message: str, node: ast.Node) -> NoReturn:
        raise RuleError(message, self.expression, node.span[0])

    def source(self, node: ast.Node) -> str:
        """The node as written, for messages."""
        start, end = node.span
        return self.expression[start:end] if end > start else ast.to_text(node)

    # conditions

    def predicate(self, node: ast.Expression) -> Predicate:
        match node:
            case ast.BoolLiteral(value=value):
                return (lambda values: True) if value else (lambda values: False)
            case ast.Not(operand=operand):
                inner = self.predicate(operand)
                return lambda values: not inner(values)
            case ast.Logical(operator=operator, operands=operands):
                return _logical(operator, [self.predicate(operand) for operand in operands])
        typed = self.typed(node)
        if typed.type == BOOL and not typed.each:
            read = typed.read
            return (lambda values: read(values) is True) if typed.optional else read
        if typed.type == array_of(BOOL) or (typed.each and typed.type == BOOL):
            self.fail(
                f"{self.source(node)} gives one result per element; wrap it in any(...) "
                "(true when one is) or all(...) (true when every one is).",
                node,
            )
        self.fail(
            f"{self.source(node)} is {typed.type.described}, not a condition: compare it with "
            'a value, such as http.host eq "forum.example".',
            node,
        )

    def typed(self, node: ast.Expression) -> _Typed:
        match node:
            case ast.FieldRef():
                return self.field(node)
            case ast.Index():
                return self.index(node)
            case ast.Each():
                return self.each(node)
            case ast.Call():
                return self.call(node)
            case ast.Comparison():
                return self.comparison(node)
            case ast.StringLiteral(value=value) | ast.IntLiteral(value=value):
                kind = STRING if isinstance(value, str) else INT
                return _Typed(kind, _constant(value), constant=value, is_constant=True)
            case ast.IpLiteral():
                self.fail("An IP address is compared with ip.src, not given to a function.", node)
        return _Typed(BOOL, self.predicate(node))

    # values

    def field(self, node: ast.FieldRef) -> _Typed:
        field = self.scheme.field(node.name)
        if field is None:
            names = [known.name for known in self.scheme]
            close = difflib.get_close_matches(node.name, names, n=1)
            hint = f"did you mean {close[0]}?" if close else "see docs/rules.md for the fields."
            if node.name in FUNCTIONS:
                hint = f"{node.name} is a function: call it, as in {FUNCTIONS[node.name].example}."
            self.fail(f"There is no field {node.name}; {hint}", node)
        return _Typed(field.type, field.read)

    def index(self, node: ast.Index) -> _Typed:
        target = self.typed(node.target)
        container, key = target.type, node.key
        if container.kind is Kind.MAP:
            if not isinstance(key, str):
                self.fail(
                    f"{self.source(node.target)} is a map: its keys are strings in quotes, "
                    'such as ["user-agent"].',
                    node,
                )
            field = (
                self.scheme.field(node.target.name)
                if isinstance(node.target, ast.FieldRef)
                else None
            )
            if field is not None and field.lowercase_keys and key != key.lower():
                self.fail(
                    f"The keys of {field.name} are lower-case, so [{ast.quote(key)}] would "
                    f"never match: write [{ast.quote(key.lower())}].",
                    node,
                )
        elif container.kind is Kind.ARRAY:
            if not isinstance(key, int) or key < 0:
                self.fail(
                    f"{self.source(node.target)} is an array: index it with a number from 0, "
                    "such as [0], or with [*] for every element.",
                    node,
                )
        else:
            self.fail(
                f"{self.source(node.target)} is {container.described}; only arrays and maps "
                "have elements to pick with [...].",
                node,
            )
        assert container.element is not None
        reader = _element_reader(target, key)
        return _Typed(container.element, reader, each=target.each, optional=not target.each)

    def each(self, node: ast.Each) -> _Typed:
        target = self.typed(node.target)
        kind, element = target.type.kind, target.type.element
        if kind not in (Kind.ARRAY, Kind.MAP) or element is None:
            self.fail(
                f"{self.source(node.target)} is {target.type.described}; [*] goes after an "
                "array or a map.",
                node,
            )
        if target.each:
            self.fail(
                "One [*] per value: the elements of elements cannot be taken one by one.", node
            )
        read = target.read
        if kind is Kind.MAP:
            return _Typed(
                element,
                lambda values: [] if (found := read(values)) is None else list(found.values()),
                each=True,
            )
        if target.optional:
            return _Typed(element, lambda values: read(values) or [], each=True)
        return _Typed(element, read, each=True)

    def call(self, node: ast.Call) -> _Typed:
        function = FUNCTIONS.get(node.function)
        if function is None:
            close = difflib.get_close_matches(node.function, list(FUNCTIONS), n=1)
            hint = (
                f"did you mean {close[0]}?"
                if close
                else "the functions are " + ", ".join(FUNCTIONS) + "."
            )
            self.fail(f"There is no function {node.function}; {hint}", node)
        if len(node.arguments) != len(function.parameters):
            self.fail(
                f"{function.name} takes {len(function.parameters)} argument(s), not "
                f"{len(node.arguments)}: {function.example}.",
                node,
            )
        arguments = [self.typed(argument) for argument in node.arguments]
        for position, (argument, parameter, written) in enumerate(
            zip(arguments, function.parameters, node.arguments, strict=True)
        ):
            argument_type = (
                array_of(argument.type) if argument.each and function.aggregates else argument.type
            )
            if not parameter.accepts(argument_type):
                self.fail(
                    f"Argument {position + 1} of {function.name} must be {parameter.described}, "
                    f"and {self.source(written)} is {argument_type.described}.",
                    written,
                )
            if position > 0 and argument.each:
                self.fail(f"Only the first argument of {function.name} may take [*].", written)
        return _call(function, arguments)

    # comparisons

    def comparison(self, node: ast.Comparison) -> _Typed:
        left = self.typed(node.left)
        kind, name = left.type.kind, self.source(node.left)
        if kind is Kind.BOOL:
            self.fail(
                f"{name} is a boolean: use it on its own ({name}) or negated (not {name}), "
                "without an operator.",
                node.right,
            )
        if kind in (Kind.ARRAY, Kind.MAP):
            pick = "[0]" if kind is Kind.ARRAY else '["name"]'
            self.fail(
                f"{name} is {left.type.described}: compare one element ({name}{pick}) or each "
                "one inside any(...) or all(...), such as "
                f"any({name}[*] {node.operator.value} ...).",
                node.left,
            )
        allowed, expected = _OPERATORS[kind]
        if node.operator not in allowed:
            names = [op.value for op in Op if op in allowed]
            words = ", ".join(names[:-1]) + " or " + names[-1]
            self.fail(
                f"{node.operator.value} does not work on {left.type.plural}, and {name} is "
                f"{left.type.described}; use {words}.",
                node,
            )
        test = self.test(node, left.type, expected, name)
        read = left.read
        if left.each:
            single = test(_identity)
            return _Typed(
                array_of(BOOL),
                lambda values: [single(item) for item in read(values)],
                elements=(read, single),
            )
        if left.optional:
            single = test(_identity)
            return _Typed(BOOL, lambda values: (item := read(values)) is not None and single(item))
        return _Typed(BOOL, test(read))

    def test(
        self, node: ast.Comparison, left: Type, expected: str, name: str
    ) -> Callable[[Reader], Predicate]:
        """How to compare a value of type `left`, given how to read it."""
        right = node.right
        if node.operator is Op.IN:
            container = self.membership(right, left, expected, name)
            if isinstance(container, RangeSet):
                return container.test
            return lambda read: lambda values: read(values) in container
        # The parser puts sets and lists after `in` only.
        assert not isinstance(right, ast.SetLiteral | ast.ListName)
        self.check_literal(right, left, expected, name)
        if isinstance(right, ast.IpLiteral):
            return _ip_test(node.operator, right)
        value = right.value
        if node.operator in (Op.MATCHES, Op.WILDCARD, Op.STRICT_WILDCARD):
            assert isinstance(value, str)
            try:
                if node.operator is Op.MATCHES:
                    return regex_test(value)
                return wildcard_test(value, node.operator is Op.STRICT_WILDCARD)
            except PatternError as error:
                self.fail(
                    f"This regular expression cannot be used: {error}. Rules use RE2 syntax, "
                    "which has no backreferences or lookaround, so that matching time stays "
                    "linear.",
                    right,
                )
        return _COMPARE[node.operator](value)

    def check_literal(self, literal: ast.Node, left: Type, expected: str, name: str) -> None:
        found = _LITERAL_TYPES[type(literal)]
        if found != left:
            what = "a range of numbers" if isinstance(literal, ast.IntRange) else found.described
            if isinstance(literal, ast.IpLiteral) and literal.prefix_written:
                what = "a CIDR range"
            self.fail(
                f"{name} is {left.described}; compare it with {expected}, not {what}.", literal
            )

    def membership(self, right: ast.Operand, left: Type, expected: str, name: str) -> Membership:
        if isinstance(right, ast.ListName):
            if right.name not in self.lists:
                known = ", ".join(f"${known}" for known in self.lists.names()) or "none"
                self.fail(f"There is no list ${right.name}; the lists given are: {known}.", right)
            try:
                return self.lists.membership(right.name, left.kind)
            except ValueError as error:
                self.fail(str(error), right)
        assert isinstance(right, ast.SetLiteral), "the parser gives in a set or a list"
        singles: list[object] = []
        ranges: list[tuple[int, int]] = []
        for item in right.items:
            self.check_literal(item, left, expected, name)
            if isinstance(item, ast.IntRange):
                ranges.append((item.low, item.high))
            elif isinstance(item, ast.IpLiteral):
                ranges.append(network_bounds(item.network))
            else:
                singles.append(item.value)
        return membership(singles, ranges)


_COMPARE: dict[Op, Callable[[object], Callable[[Reader], Predicate]]] = {
    Op.EQ: lambda value: lambda read: lambda values: read(values) == value,
    Op.NE: lambda value: lambda read: lambda values: read(values) != value,
    Op.LT: lambda value: lambda read: lambda values: read(values) < value,
    Op.LE: lambda value: lambda read: lambda values: read(values) <= value,
    Op.GT: lambda value: lambda read: lambda values: read(values) > value,
    Op.GE: lambda value: lambda read: lambda values: read(values) >= value,
    Op.CONTAINS: lambda value: lambda read: lambda values: value in read(values),
}


def _ip_test(operator: Op, literal: ast.IpLiteral) -> Callable[[Reader], Predicate]:
    first, last = network_bounds(literal.network)
    if first == last:
        return _COMPARE[operator](first)
    if operator is Op.EQ:
        return lambda read: lambda values: first <= read(values) <= last
    return lambda read: lambda values: not first <= read(values) <= last


def _logical(operator: ast.Logic, operands: list[Predicate]) -> Predicate:
    if operator is ast.Logic.XOR and len(operands) == 2:
        left, right = operands
        return lambda values: left(values) != right(values)
    if operator is ast.Logic.XOR:

        def either(values: Any) -> bool:
            result = False
            for operand in operands:
                result = result != operand(values)
            return result

        return either
    if len(operands) == 2:
        first, second = operands
        if operator is ast.Logic.AND:
            return lambda values: first(values) and second(values)
        return lambda values: first(values) or second(values)
    if operator is ast.Logic.AND:
        # A loop, not all(generator): no generator to build on every request.
        def every(values: Any) -> bool:
            for operand in operands:  # noqa: SIM110
                if not operand(values):
                    return False
            return True

        return every

    def some(values: Any) -> bool:
        for operand in operands:  # noqa: SIM110
            if operand(values):
                return True
        return False

    return some


def _element_reader(target: _Typed, key: str | int) -> Reader:
    """The reader of target[key], a map's value or an array's element; None when there is
    no such key. The usual shapes (headers["name"], then [0]) are one closure each."""
    read = target.read
    if isinstance(key, str):
        if target.each:
            return lambda values: [
                item for found in read(values) if (item := found.get(key)) is not None
            ]
        if target.optional:
            return lambda values: None if (found := read(values)) is None else found.get(key)
        return lambda values: read(values).get(key)
    if target.each:
        return lambda values: [found[key] for found in read(values) if key < len(found)]
    if target.optional:
        return lambda values: (
            None if (found := read(values)) is None or key >= len(found) else found[key]
        )
    return lambda values: found[key] if key < len(found := read(values)) else None


def _short_circuit(wanted: bool, elements: Reader, single: Predicate) -> Predicate:
    """any(...) (`wanted` true) or all(...) of a comparison after [*], stopping at the
    first element whose test gives `wanted` (for all, the first that fails)."""
    if wanted:

        def some(values: Any) -> bool:
            for item in elements(values):  # noqa: SIM110
                if single(item):
                    return True
            return False

        return some

    def every(values: Any) -> bool:
        for item in elements(values):  # noqa: SIM110
            if not single(item):
                return False
        return True

    return every


def _call(function: Function, arguments: list[_Typed]) -> _Typed:
    """The reader of a checked call; constant arguments are bound once, here."""
    implementation = function.implementation
    first, rest = arguments[0], arguments[1:]
    read = first.read
    if function.aggregates and first.elements is not None:
        return _Typed(function.result, _short_circuit(function.name == "any", *first.elements))
    if function.aggregates:
        if first.optional:
            return _Typed(function.result, lambda values: implementation(read(values) or ()))
        return _Typed(function.result, lambda values: implementation(read(values)))
    apply: Callable[[Any, Any], Any]
    if all(argument.is_constant for argument in rest):
        extra = tuple(argument.constant for argument in rest)
        plain = not first.each and not first.optional
        if plain and not extra:
            return _Typed(function.result, lambda values: implementation(read(values)))
        if plain and len(extra) == 1:
            (only,) = extra
            return _Typed(function.result, lambda values: implementation(read(values), only))
        apply = lambda value, values: implementation(value, *extra)  # noqa: E731
    else:
        others = [argument.read for argument in rest]

        def apply(value: Any, values: Any) -> Any:
            given = [other(values) for other in others]
            return None if None in given else implementation(value, *given)

    may_miss = any(argument.optional for argument in rest)
    if first.each:
        return _Typed(
            array_of(function.result),
            lambda values: [
                result
                for item in read(values)
                if (result := apply(item, values)) is not None or not may_miss
            ],
        )
    if first.optional or may_miss:
        return _Typed(
            function.result,
            lambda values: None if (value := read(values)) is None else apply(value, values),
            optional=True,
        )
    return _Typed(function.result, lambda values: apply(read(values), values))
