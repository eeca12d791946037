"""Code generation: a checked rule, as a small tree of operations, written out as the
source of one Python function and compiled by the interpreter's own compiler.

Running 50 rules as chains of closures is some 150 calls per request; as one generated
function it is one call, with the comparisons inline (`user_agent_.startswith(_c3)`),
and a value several rules read (a header, `lower(http.host)`) is read once and kept in a
local variable.

What a rule's author wrote never goes into the source: every value (strings, numbers,
sets, compiled regexes, address ranges) is put in the function's namespace under a name
made here (`_c1`, `_c2`...), and the source holds only those names, attribute names of
the scheme, names of local variables made here, and Python's operators. `Module.build`
refuses a source with a quote, a backslash or a comment character in it, so no string
can be written into the code even by a mistake of this module.
"""

from __future__ import annotations

import builtins
import keyword
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from stockade.rules.addresses import RangeSet

# What a generated source may hold: names, numbers, operators, brackets, spaces, lines.
_SAFE_SOURCE = re.compile(r"[A-Za-z0-9_ ()\[\]=<>!.,:^+\-\n]*")
# The builtins generated code may call; the namespace has no others.
_BUILTINS = {"len": len, "list": list, "any": any, "all": all}
# The parameter that holds the request's values object.
VALUES = "values"


def is_name(text: str) -> bool:
    """True when `text` can be written in generated code as an attribute or a name."""
    return text.isidentifier() and text.isascii() and not keyword.iskeyword(text)


class Module:
    """One generated source and its namespace: constants, helper functions, and the
    functions asked for."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__builtins__": {}, **_BUILTINS}
        self._constants: dict[Hashable, str] = {}
        self._count = 0
        self.helpers: list[str] = []

    def fresh(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def constant(self, value: object) -> str:
        """The name under which generated code reads `value`; equal values share one."""
        key: Hashable
        try:
            key = (type(value), value)
            hash(key)
        except TypeError:
            key = ("id", id(value))
        name = self._constants.get(key)
        if name is None:
            name = self._constants[key] = self.fresh("_c")
            self.namespace[name] = value
        return name

    def helper(self, lines: list[str]) -> str:
        """Add a helper function of (values, items) whose body is `lines`; its name."""
        name = self.fresh("_h")
        self.helpers.append(
            f"def {name}({VALUES}, items):\n" + "".join(f"    {line}\n" for line in lines)
        )
        return name

    def source(self, main: str) -> str:
        return "\n".join([*self.helpers, main])

    def build(self, main: str, name: str) -> Callable[..., Any]:
        """Compile the helpers and `main`, which defines the function `name`; return it."""
        text = self.source(main)
        if not _SAFE_SOURCE.fullmatch(text):
            raise AssertionError(f"generated rule code holds a character it must not:\n{text}")
        namespace = dict(self.namespace)
        exec(builtins.compile(text, "<rules>", "exec"), namespace)
        function: Callable[..., Any] = namespace[name]
        return function


class Scope:
    """The local variables of one generated function. A value that `uses` counts more
    than once is kept in a local where it is first read in a place sure to be evaluated
    (the first operand of an `and`, every operand of a comparison), and later reads take
    the local. `uses` is None while they are being counted.

    When several tests of one value differ only by their constant (rules that each
    check the path against a prefix of their own), `guards` holds the one test that is
    true when any of them is; kept like a value, it is written before each of them, so
    that when it is false, as it mostly is, they cost a jump each."""

    def __init__(
        self,
        module: Module,
        uses: Counter[Hashable] | None = None,
        guards: dict[Hashable, Code] | None = None,
    ) -> None:
        self.module = module
        self.uses = uses
        self.guards = guards or {}
        self.kept: dict[Hashable, str] = {}
        self._names: set[str] = set()
        # What the writing met: how many times each value, and the tests of each group.
        self.counted: Counter[Hashable] = Counter()
        self.groups: dict[Hashable, tuple[Code, list[Hashable]]] = {}

    def value(self, node: Code, certain: bool) -> str:
        """The code of `node`: its local if it is kept, else its expression, kept now if
        this is a place sure to run."""
        member = node.member()
        if member is not None:
            group, subject, item = member
            self.groups.setdefault(group, (subject, []))[1].append(item)
            guard = self.guards.get(group)
            if guard is not None and (certain or guard.key in self.kept):
                return f"({self.value(guard, certain)} and {node.write(self, False)})"
        key = node.key
        if key is None:
            return node.write(self, certain)
        kept = self.kept.get(key)
        if kept is not None:
            return kept
        if not isinstance(node, Bound):
            self.counted[key] += 1
        text = node.write(self, certain)
        if not certain or self.uses is None or self.uses[key] < 2:
            return text
        name = self.local(node.label)
        self.kept[key] = name
        return f"({name} := {text})"

    def bind(self, node: Code, certain: bool) -> tuple[str, Code]:
        """`node` where it is read first, and the node that reads it again after."""
        text = self.value(node, certain)
        if node.key is not None and node.key in self.kept:
            return text, Bound(self.kept[node.key], node.key)
        if is_name(text):
            return text, Bound(text, node.key)
        name = self.module.fresh("_t")
        return f"({name} := {text})", Bound(name, node.key)

    def local(self, label: str) -> str:
        name, number = f"{label}_", 1
        while name in self._names:
            number += 1
            name = f"{label}_{number}_"
        self._names.add(name)
        return name


class Code:
    """One operation of a compiled rule. `key` identifies a value that may be kept in a
    local (None: not kept); `label` names that local."""

    key: Hashable | None = None
    label = "value"
    optional = False

    def write(self, scope: Scope, certain: bool) -> str:
        raise NotImplementedError

    def member(self) -> tuple[Hashable, Code, Hashable] | None:
        """For a test that may share a guard: (its group, the value it tests, what it
        looks for in it); see Scope."""
        return None


class Kept(Code):
    """A condition kept in a local like a value (a guard)."""

    def __init__(self, inner: Code, key: Hashable, label: str) -> None:
        self.inner = inner
        self.key = key
        self.label = label

    def write(self, scope: Scope, certain: bool) -> str:
        return self.inner.write(scope, certain)


class Bound(Code):
    """A value already in a local variable."""

    def __init__(self, name: str, key: Hashable | None = None) -> None:
        self.name = name
        self.key = key

    def write(self, scope: Scope, certain: bool) -> str:
        return self.name


class Item(Code):
    """The element a helper function is looking at."""

    def write(self, scope: Scope, certain: bool) -> str:
        return "item"


ITEM = Item()


class Constant(Code):
    def __init__(self, value: object) -> None:
        self.value = value

    def write(self, scope: Scope, certain: bool) -> str:
        return scope.module.constant(self.value)


class Read(Code):
    """A field of the values object: an attribute, or a reader function called."""

    def __init__(self, name: str, attribute: str, reader: Callable[[Any], Any]) -> None:
        self.attribute = attribute
        self.reader = reader
        self.key = ("read", attribute) if attribute else ("read", id(reader))
        self.label = attribute or re.sub(r"\W", "_", name.lower())

    def write(self, scope: Scope, certain: bool) -> str:
        if self.attribute:
            return f"{VALUES}.{self.attribute}"
        return f"{scope.module.constant(self.reader)}({VALUES})"


class Lookup(Code):
    """A map field's value at one key, from the values object's own method for it."""

    optional = True

    def __init__(self, method: str, key: str, label: str) -> None:
        self.method = method
        self.key_value = key
        self.key = ("lookup", method, key)
        self.label = label

    def write(self, scope: Scope, certain: bool) -> str:
        return f"{VALUES}.{self.method}({scope.module.constant(self.key_value)})"


class Apply(Code):
    """A function of values: `template` places each argument's code at {0}, {1}...
    Functions are pure, so a call whose arguments can be kept can be kept too."""

    def __init__(self, label: str, template: str, arguments: Sequence[Code]) -> None:
        self.label = label
        self.template = template
        self.arguments = list(arguments)
        keys = [_key_of(argument) for argument in self.arguments]
        self.key = None if None in keys else (template, *keys)

    def write(self, scope: Scope, certain: bool) -> str:
        return self.template.format(*(scope.value(node, certain) for node in self.arguments))

    def member(self) -> tuple[Hashable, Code, Hashable] | None:
        if self.template not in _AFFIXES or len(self.arguments) != 2:
            return None
        subject, affix = self.arguments
        if subject.key is None or not isinstance(affix, Constant):
            return None
        if not isinstance(affix.value, str):
            return None
        return (self.template, subject.key), subject, affix.value


def _key_of(node: Code) -> Hashable | None:
    if isinstance(node, Constant):
        try:
            key: Hashable = ("constant", type(node.value), node.value)
            hash(key)
        except TypeError:
            return ("constant", id(node.value))
        return key
    return node.key


def call(function: object, *arguments: Code, label: str = "result") -> Apply:
    """`function(arguments...)`, with the function given as a constant."""
    places = ", ".join(f"{{{index}}}" for index in range(1, len(arguments) + 1))
    return Apply(label, "{0}(" + places + ")", [Constant(function), *arguments])


class MaybeApply(Code):
    """A function of values some of which may be missing (None): None then."""

    optional = True

    def __init__(self, inner: Apply) -> None:
        self.inner = inner

    def write(self, scope: Scope, certain: bool) -> str:
        checks: list[str] = []
        arguments: list[Code] = []
        for node in self.inner.arguments:
            if node.optional:
                first, again = scope.bind(node, certain and not checks)
                checks.append(f"{first} is None")
                arguments.append(again)
            else:
                arguments.append(node)
        applied = Apply(self.inner.label, self.inner.template, arguments)
        return f"(None if {' or '.join(checks)} else {applied.write(scope, False)})"


class Element(Code):
    """`target[key]`: a map's value (str key) or an array's element (int key); None when
    there is none."""

    optional = True

    def __init__(self, target: Code, key: str | int) -> None:
        self.target = target
        self.key_value = key
        target_key = target.key
        self.key = None if target_key is None else ("element", target_key, type(key), key)
        self.label = f"{target.label}_element"

    def write(self, scope: Scope, certain: bool) -> str:
        key = scope.module.constant(self.key_value)
        if isinstance(self.key_value, str):
            if not self.target.optional:
                return f"{scope.value(self.target, certain)}.get({key})"
            first, again = scope.bind(self.target, certain)
            return f"(None if {first} is None else {again.write(scope, False)}.get({key}))"
        first, again = scope.bind(self.target, certain)
        found = again.write(scope, False)
        if self.target.optional:
            return f"(None if {first} is None or {key} >= len({found}) else {found}[{key}])"
        return f"({found}[{key}] if {key} < len({first}) else None)"


class Elements(Code):
    """`target[*]`: an array's elements, or a map's values, as a list (empty if the
    target is missing)."""

    def __init__(self, target: Code, of_map: bool) -> None:
        self.target = target
        self.of_map = of_map
        self.key = None if target.key is None else ("elements", target.key)
        self.label = f"{target.label}_all"

    def write(self, scope: Scope, certain: bool) -> str:
        if self.of_map:
            if not self.target.optional:
                return f"list({scope.value(self.target, certain)}.values())"
            first, again = scope.bind(self.target, certain)
            return f"([] if {first} is None else list({again.write(scope, False)}.values()))"
        if self.target.optional:
            return f"({scope.value(self.target, certain)} or [])"
        return scope.value(self.target, certain)


class EachElement(Code):
    """`body` for every element of `items` (a list), as a list; results that are None
    are left out when `drop_missing`."""

    def __init__(self, items: Code, body: Code, drop_missing: bool) -> None:
        self.items = items
        self.body = body
        self.drop_missing = drop_missing

    def write(self, scope: Scope, certain: bool) -> str:
        body = Scope(scope.module).value(self.body, False)
        if self.drop_missing:
            lines = [f"return [result for item in items if (result := {body}) is not None]"]
        else:
            lines = [f"return [{body} for item in items]"]
        helper = scope.module.helper(lines)
        return f"{helper}({VALUES}, {scope.value(self.items, certain)})"


# conditions


class Truth(Code):
    def __init__(self, value: bool) -> None:
        self.value = value

    def write(self, scope: Scope, certain: bool) -> str:
        return "True" if self.value else "False"


class Operation(Code):
    """`left OP right`, both always evaluated: ==, !=, <, <=, >, >=, in, not in."""

    def __init__(self, left: Code, operator: str, right: Code) -> None:
        self.left = left
        self.operator = operator
        self.right = right

    def member(self) -> tuple[Hashable, Code, Hashable] | None:
        left, right = self.left, self.right
        if self.operator == "in" and isinstance(left, Constant) and right.key is not None:
            # `text in value`: the value is at least as long as the shortest text.
            if isinstance(left.value, str) and left.value:
                return ("in", right.key), right, (len(left.value), left.value)
            return None
        if self.operator != "==" or left.key is None or not isinstance(right, Constant):
            return None
        if type(right.value) not in (str, int):
            return None
        return ("==", left.key), left, (type(right.value), right.value)

    def write(self, scope: Scope, certain: bool) -> str:
        left = scope.value(self.left, certain)
        return f"({left} {self.operator} {scope.value(self.right, certain)})"


class Between(Code):
    """`low <= value <= high`, or its negation."""

    def __init__(self, value: Code, low: int, high: int, negated: bool = False) -> None:
        self.value = value
        self.low = low
        self.high = high
        self.negated = negated

    def member(self) -> tuple[Hashable, Code, Hashable] | None:
        if self.negated or self.value.key is None:
            return None
        return ("ranges", self.value.key), self.value, ((self.low, self.high),)

    def write(self, scope: Scope, certain: bool) -> str:
        module = scope.module
        low, high = module.constant(self.low), module.constant(self.high)
        test = f"{low} <= {scope.value(self.value, certain)} <= {high}"
        return f"(not {test})" if self.negated else f"({test})"


# Up to this many ranges are compared one by one; more are looked up by bisection.
_INLINE_RANGES = 4


class InRanges(Code):
    """`value` in sorted, disjoint inclusive ranges of ints."""

    def __init__(self, value: Code, starts: list[int], ends: list[int]) -> None:
        self.value = value
        self.starts = starts
        self.ends = ends

    def member(self) -> tuple[Hashable, Code, Hashable] | None:
        if self.value.key is None:
            return None
        return (
            ("ranges", self.value.key),
            self.value,
            tuple(zip(self.starts, self.ends, strict=True)),
        )

    def write(self, scope: Scope, certain: bool) -> str:
        module = scope.module
        if not self.starts:
            return "False"
        first, again = scope.bind(self.value, certain)
        if len(self.starts) > _INLINE_RANGES:
            index = module.fresh("_t")
            found = again.write(scope, False)
            return (
                f"(({index} := {module.constant(bisect_right)}({module.constant(self.starts)}, "
                f"{first})) > 0 and {found} <= {module.constant(self.ends)}[{index} - 1])"
            )
        tests = []
        for position, (low, high) in enumerate(zip(self.starts, self.ends, strict=True)):
            value = first if position == 0 else again.write(scope, False)
            if low == high:
                tests.append(f"{value} == {module.constant(low)}")
            else:
                tests.append(f"{module.constant(low)} <= {value} <= {module.constant(high)}")
        return "(" + " or ".join(tests) + ")"


class Guarded(Code):
    """A test of a value that may be missing: false when it is."""

    def __init__(self, value: Code, test: Callable[[Code], Code]) -> None:
        self.value = value
        self.test = test

    def write(self, scope: Scope, certain: bool) -> str:
        first, again = scope.bind(self.value, certain)
        return f"({first} is not None and {scope.value(self.test(again), False)})"


class Not(Code):
    def __init__(self, operand: Code) -> None:
        self.operand = operand

    def write(self, scope: Scope, certain: bool) -> str:
        return f"(not {scope.value(self.operand, certain)})"


class Logic(Code):
    """and / or (stopping at the first operand that decides), xor (every operand)."""

    def __init__(self, operator: str, operands: Sequence[Code]) -> None:
        self.operator = operator
        self.operands = list(operands)

    def write(self, scope: Scope, certain: bool) -> str:
        if self.operator == "xor":
            parts = [scope.value(operand, certain) for operand in self.operands]
            joiner = " != " if len(parts) == 2 else " ^ "
        else:
            parts = [
                scope.value(operand, certain and position == 0)
                for position, operand in enumerate(self.operands)
            ]
            joiner = f" {self.operator} "
        return "(" + joiner.join(parts) + ")"


class IsTrue(Code):
    """A boolean that may be missing, as a condition: only True is true."""

    def __init__(self, value: Code) -> None:
        self.value = value

    def write(self, scope: Scope, certain: bool) -> str:
        return f"({scope.value(self.value, certain)} is True)"


class Each(Code):
    """any (`wanted` true) or all of `test` over the elements of `items`, stopping at the
    first element that decides."""

    def __init__(self, items: Code, test: Callable[[Code], Code], wanted: bool) -> None:
        self.items = items
        self.test = test
        self.wanted = wanted

    def write(self, scope: Scope, certain: bool) -> str:
        items = scope.value(self.items, certain)
        test = self.test(ITEM)
        # any(x[*] eq "a") and all(x[*] ne "a") are a lookup in the list itself.
        if (
            isinstance(test, Operation)
            and test.left is ITEM
            and test.operator == ("==" if self.wanted else "!=")
        ):
            operator = "in" if self.wanted else "not in"
            return f"({scope.value(test.right, False)} {operator} {items})"
        condition = Scope(scope.module).value(test, False)
        if self.wanted:
            lines = ["for item in items:", f"    if {condition}:", "        return True"]
            lines.append("return False")
        else:
            lines = ["for item in items:", f"    if not {condition}:", "        return False"]
            lines.append("return True")
        return f"{scope.module.helper(lines)}({VALUES}, {items})"


# functions

_AFFIXES = ("{0}.startswith({1})", "{0}.endswith({1})")


def _guard(group: Hashable, subject: Code, items: list[Any]) -> Code:
    """The test true when any test of `group` is: `subject` starts (or ends) with one of
    the strings, equals one of the values, is in one of the ranges, or (for texts it
    may contain) is at least as long as the shortest; a string that is empty or short,
    as absent headers are, then costs each test a jump."""
    kind = group[0] if isinstance(group, tuple) else group
    if kind in _AFFIXES:
        inner: Code = Apply("affix", str(kind), [subject, Constant(tuple(sorted(set(items))))])
    elif kind == "==":
        inner = Operation(subject, "in", Constant(frozenset(value for _, value in items)))
    elif kind == "in":
        shortest = min(length for length, _ in items)
        inner = Operation(Apply("len", "len({0})", [subject]), ">=", Constant(shortest))
    else:
        starts, ends = RangeSet(pair for ranges in items for pair in ranges).bounds()
        inner = InRanges(subject, starts, ends)
    return Kept(inner, ("guard", group), f"{subject.label}_any")


def _plan(conditions: Sequence[Code]) -> tuple[Counter[Hashable], dict[Hashable, Code]]:
    """How many times the conditions read each value, and the guards of the groups of
    tests that have two constants or more, from a first writing."""
    scope = Scope(Module())
    for condition in conditions:
        scope.value(condition, True)
    uses = scope.counted
    guards = {}
    for group, (subject, items) in scope.groups.items():
        if len(set(items)) > 1:
            guard = guards[group] = _guard(group, subject, items)
            uses[guard.key] = len(items)
    return uses, guards


def filter_function(condition: Code) -> tuple[str, Callable[[Any], bool]]:
    """The source of `matches(values)`, true when `condition` is, and the function."""
    module = Module()
    body = Scope(module, *_plan([condition])).value(condition, True)
    main = f"def matches({VALUES}):\n    return {body}\n"
    return module.source(main), module.build(main, "matches")


def matching_function(conditions: Sequence[Code]) -> tuple[str, Callable[[Any], Iterator[int]]]:
    """The source of the generator `matching(values)`, which gives the index of each
    condition that is true, in order, and the generator function. A value several
    conditions read is read once, and kept while the caller looks at each index: it
    may stop at any one (a rule that ends the list)."""
    module = Module()
    lines = [f"def matching({VALUES}):"]
    scope = Scope(module, *_plan(conditions))
    for index, condition in enumerate(conditions):
        lines += [f"    if {scope.value(condition, True)}:", f"        yield {index}"]
    if not conditions:
        lines.append("    yield from ()")
    main = "\n".join(lines) + "\n"
    return module.source(main), module.build(main, "matching")
