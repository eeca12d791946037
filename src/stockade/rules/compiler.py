"""The compiler: a syntax tree, checked against a scheme, into the operations of
stockade.rules.codegen, which writes them out as one Python function.

Every type question is settled here, and every choice that does not depend on the
request: which comparison, the lower-cased pattern, the compiled regex, the sorted CIDR
ranges. Running a compiled rule is then one call of a function with nothing left to
decide; running a zone's rules is one call too (`FilterList`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from stockade.rules import ast, codegen
from stockade.rules.addresses import RangeSet, network_bounds
from stockade.rules.codegen import (
    ITEM,
    Apply,
    Between,
    Code,
    Constant,
    EachElement,
    Element,
    Elements,
    Guarded,
    InRanges,
    IsTrue,
    Logic,
    Lookup,
    MaybeApply,
    Not,
    Operation,
    Read,
    Truth,
)
from stockade.rules.errors import RuleError
from stockade.rules.functions import FUNCTIONS, Function
from stockade.rules.lists import Membership, NamedLists, membership
from stockade.rules.parser import parse
from stockade.rules.patterns import PatternError, Test, regex_test, wildcard_test
from stockade.rules.scheme import (
    BOOL,
    INT,
    IP,
    STRING,
    Kind,
    Predicate,
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
    """A compiled rule. `matches(values)` is the rule itself, one generated function: the
    edge calls it with one values object per request (RequestValues for the standard
    scheme). It is written and compiled the first time it is asked for; `source` is its
    Python source."""

    __slots__ = ("_built", "condition", "expression", "tree")

    def __init__(self, expression: str, tree: ast.Expression, condition: Code) -> None:
        self.expression = expression
        self.tree = tree
        # The checked rule, as codegen's operations.
        self.condition = condition
        self._built: tuple[str, Predicate] | None = None

    @property
    def matches(self) -> Predicate:
        return self._build()[1]

    @property
    def source(self) -> str:
        return self._build()[0]

    def _build(self) -> tuple[str, Predicate]:
        if self._built is None:
            self._built = codegen.filter_function(self.condition)
        return self._built

    def __repr__(self) -> str:
        return f"Filter({self.expression!r})"


class FilterList:
    """Compiled rules run in order as one generated function: `matching(values)` gives
    the index of each rule that matches the request, in order, and the caller may stop
    at any one. A value that several rules read (a header, `lower(http.host)`) is read
    once per request."""

    __slots__ = ("matching", "size", "source")

    def __init__(self, filters: Sequence[Filter]) -> None:
        self.size = len(filters)
        self.source, self.matching = codegen.matching_function([rule.condition for rule in filters])

    def __repr__(self) -> str:
        return f"FilterList({self.size} rules)"


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
    """A compiled value: its type and the code that gives it. `each`: the code gives a
    list, one value per element (after [*]); `code.optional`: it may give None (a
    missing key)."""

    type: Type
    code: Code
    each: bool = False
    # For a comparison after [*]: the elements and the test of one, so that any() and
    # all() stop at the first element that decides instead of testing every one.
    elements: tuple[Code, Test] | None = None


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

    def predicate(self, node: ast.Expression) -> Code:
        match node:
            case ast.BoolLiteral(value=value):
                return Truth(value)
            case ast.Not(operand=operand):
                return Not(self.predicate(operand))
            case ast.Logical(operator=operator, operands=operands):
                return Logic(operator.value, [self.predicate(operand) for operand in operands])
        typed = self.typed(node)
        if typed.type == BOOL and not typed.each:
            return IsTrue(typed.code) if typed.code.optional else typed.code
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
                return _Typed(kind, Constant(value))
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
        return _Typed(field.type, Read(field.name, field.attribute, field.read))

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
        field = (
            self.scheme.field(node.target.name) if isinstance(node.target, ast.FieldRef) else None
        )
        if field is not None and field.index and isinstance(key, str):
            lookup = Lookup(field.index, key, f"{field.attribute or 'map'}_element")
            return _Typed(container.element, lookup)
        if target.each:
            # Arrays hold no None: an element that is not there is left out.
            code: Code = EachElement(target.code, Element(ITEM, key), drop_missing=True)
        else:
            code = Element(target.code, key)
        return _Typed(container.element, code, each=target.each)

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
        return _Typed(element, Elements(target.code, of_map=kind is Kind.MAP), each=True)

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
        if left.each:
            return _Typed(
                array_of(BOOL),
                EachElement(left.code, test(ITEM), drop_missing=False),
                elements=(left.code, test),
            )
        if left.code.optional:
            return _Typed(BOOL, Guarded(left.code, test))
        return _Typed(BOOL, test(left.code))

    def test(self, node: ast.Comparison, left: Type, expected: str, name: str) -> Test:
        """How to compare a value of type `left`, given its code."""
        right = node.right
        if node.operator is Op.IN:
            container = self.membership(right, left, expected, name)
            if isinstance(container, RangeSet):
                starts, ends = container.bounds()
                return lambda value: InRanges(value, starts, ends)
            return lambda value: Operation(value, "in", Constant(container))
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
        return _compare(node.operator, value)

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


# The Python operator of each comparison; contains is `value in left`.
_OPERATORS_WRITTEN = {
    Op.EQ: "==",
    Op.NE: "!=",
    Op.LT: "<",
    Op.LE: "<=",
    Op.GT: ">",
    Op.GE: ">=",
}


def _compare(operator: Op, value: object) -> Test:
    if operator is Op.CONTAINS:
        return lambda left: Operation(Constant(value), "in", left)
    written = _OPERATORS_WRITTEN[operator]
    return lambda left: Operation(left, written, Constant(value))


def _ip_test(operator: Op, literal: ast.IpLiteral) -> Test:
    first, last = network_bounds(literal.network)
    if first == last:
        return _compare(operator, first)
    negated = operator is not Op.EQ
    return lambda left: Between(left, first, last, negated)


def _call(function: Function, arguments: list[_Typed]) -> _Typed:
    """The code of a checked call."""
    first, rest = arguments[0], arguments[1:]
    if function.aggregates and first.elements is not None:
        items, test = first.elements
        return _Typed(function.result, codegen.Each(items, test, function.name == "any"))
    if function.aggregates:
        items = Logic("or", [first.code, Constant(())]) if first.code.optional else first.code
        return _Typed(function.result, _apply(function, [items]))
    may_miss = any(argument.code.optional for argument in rest)
    if first.each:
        body = _apply(function, [ITEM, *(argument.code for argument in rest)])
        return _Typed(array_of(function.result), EachElement(first.code, body, may_miss))
    return _Typed(function.result, _apply(function, [argument.code for argument in arguments]))


def _apply(function: Function, arguments: list[Code]) -> Code:
    """The call itself: the function's own inline form if it has one, else a call of
    its implementation; None when an argument may be missing and is."""
    if function.inline:
        applied = Apply(function.name, function.inline, arguments)
    else:
        applied = codegen.call(function.implementation, *arguments, label=function.name)
    if any(argument.optional for argument in arguments):
        return MaybeApply(applied)
    return applied
