"""Named lists (`ip.src in $blocked`): values given when rules are compiled, turned once
into the set a rule looks up, whatever number of rules use them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from stockade.rules.addresses import RangeSet, network_bounds
from stockade.rules.scheme import Kind


class Membership(Protocol):
    """What `in` looks a value up in: a frozenset, or a RangeSet for ranges."""

    def __contains__(self, value: Any, /) -> bool: ...


def membership(singles: Iterable[Any], ranges: Iterable[tuple[int, int]] = ()) -> Membership:
    """The container a rule's `in` looks values up in. Values alone make a frozenset,
    since a hash lookup beats bisection; ranges (of ints) make a RangeSet."""
    range_list = list(ranges)
    if not range_list:
        return frozenset(singles)
    return RangeSet([*range_list, *((value, value) for value in singles)])


class NamedLists:
    """Lists by name. Each list is converted the first time a rule uses it, to the type
    of the field it is compared with, and kept for the next rules."""

    def __init__(self, lists: Mapping[str, Iterable[str | int]] | None = None) -> None:
        self._items = {name: tuple(items) for name, items in (lists or {}).items()}
        self._converted: dict[tuple[str, Kind], Membership] = {}

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def membership(self, name: str, kind: Kind) -> Membership:
        """The list `name` as a set of values of `kind`; ValueError with a sentence when
        one of its items is not such a value."""
        key = (name, kind)
        found = self._converted.get(key)
        if found is None:
            found = self._converted[key] = _convert(name, self._items[name], kind)
        return found


def _convert(name: str, items: tuple[str | int, ...], kind: Kind) -> Membership:
    if kind is Kind.STRING:
        for position, item in enumerate(items, 1):
            if not isinstance(item, str):
                raise ValueError(f"Item {position} of the list ${name} is {item!r}, not a string.")
        return frozenset(items)
    if kind is Kind.INT:
        numbers = []
        for position, item in enumerate(items, 1):
            if isinstance(item, bool) or not isinstance(item, int):
                raise ValueError(f"Item {position} of the list ${name} is {item!r}, not a number.")
            numbers.append(item)
        return frozenset(numbers)
    ranges = []
    for position, item in enumerate(items, 1):
        try:
            ranges.append(network_bounds(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            raise ValueError(
                f"Item {position} of the list ${name} is {item!r}, not an IP address or a "
                "CIDR range such as 192.0.2.1 or 10.0.0.0/8."
            ) from None
    return RangeSet(ranges)
