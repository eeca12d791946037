"""The scheme: the fields a rule may read, each with one type fixed before any rule is
compiled, so that every type question is settled at compile time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from stockade.rules.codegen import is_name

# A function that reads one value out of a request's values object.
Reader = Callable[[Any], Any]
# A compiled rule: true when the request matches.
Predicate = Callable[[Any], bool]


class Kind(Enum):
    STRING = "String"
    INT = "Int"
    BOOL = "Bool"
    IP = "Ip"
    ARRAY = "Array"
    MAP = "Map"


# Each kind in words: one (with its article), many.
_WORDS = {
    Kind.STRING: ("a string", "strings"),
    Kind.INT: ("a number", "numbers"),
    Kind.BOOL: ("a boolean", "booleans"),
    Kind.IP: ("an IP address", "IP addresses"),
    Kind.ARRAY: ("an array", "arrays"),
    Kind.MAP: ("a map", "maps"),
}


@dataclass(frozen=True, slots=True)
class Type:
    """A field's or an expression's type; arrays and maps say what they hold."""

    kind: Kind
    element: Type | None = None

    def __str__(self) -> str:
        if self.element is None:
            return self.kind.value
        return f"{self.kind.value}<{self.element}>"

    @property
    def described(self) -> str:
        """The type in words, as error messages use it: "an array of strings"."""
        return self._words(plural=False)

    @property
    def plural(self) -> str:
        """The same for many: "arrays of strings"."""
        return self._words(plural=True)

    def _words(self, plural: bool) -> str:
        if self.element is None:
            return _WORDS[self.kind][plural]
        container = _WORDS[self.kind][plural]
        return f"{container} of {self.element.plural}"


STRING = Type(Kind.STRING)
INT = Type(Kind.INT)
BOOL = Type(Kind.BOOL)
IP = Type(Kind.IP)


def array_of(element: Type) -> Type:
    return Type(Kind.ARRAY, element)


def map_of(element: Type) -> Type:
    return Type(Kind.MAP, element)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a scheme. `read` takes the values object the scheme is made for and
    returns the field's value: a str, an int, a bool, an IP key (see `ip_key`), a list or
    a dict, as the type says. When the value is an attribute of the values object,
    `attribute` names it, and compiled rules read it directly instead of calling `read`.
    For a map, `index` may name a method of the values object that gives the value at
    one key (None when there is none): compiled rules call it for `field["key"]`
    rather than read the whole map."""

    name: str
    type: Type
    read: Reader
    meaning: str
    example: str
    # Map keys that are lower-case in every request (header names): a key written with
    # capitals could never match, so the compiler refuses it.
    lowercase_keys: bool = False
    attribute: str = ""
    index: str = ""

    def __post_init__(self) -> None:
        for name in (self.attribute, self.index):
            if name and not is_name(name):
                raise ValueError(f"Field {self.name}: {name!r} is not an attribute name.")


class Scheme:
    """The fields rules may use, by name."""

    def __init__(self, fields: Iterable[Field]) -> None:
        self._fields = {field.name: field for field in fields}

    def field(self, name: str) -> Field | None:
        return self._fields.get(name)

    def __iter__(self) -> Iterator[Field]:
        return iter(self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)
