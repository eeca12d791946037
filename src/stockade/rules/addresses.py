"""IP addresses as plain ints, and sets of addresses and ranges looked up by bisection.

An IPv4 address is its 32-bit value; an IPv6 address is its 128-bit value plus 2**32,
so both families share one line of ints without overlapping: a rule's CIDR ranges
become sorted (start, end) pairs, and a request's address is parsed once."""

from __future__ import annotations

import socket
from bisect import bisect_right
from collections.abc import Iterable
from typing import Final

from stockade.rules.ast import Network

_V6_OFFSET = 1 << 32


# Keys of the addresses seen last, since one visitor sends many requests; emptied when
# it holds this many, so that a flood of addresses cannot grow it.
_KEPT_KEYS: Final = 4096
_keys: Final[dict[str, int]] = {}


def visitor_key(address: str) -> int:
    """The key of a visitor's address, -1 (in no range) when it is not an address."""
    found = _keys.get(address)
    if found is None:
        key = ip_key(address)
        found = -1 if key is None else key
        if len(_keys) >= _KEPT_KEYS:
            _keys.clear()
        _keys[address] = found
    return found


def ip_key(address: str) -> int | None:
    """The int that stands for `address` in rules, or None when it is not an address."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
    except OSError:
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, address.partition("%")[0])
    except OSError:
        return None
    return int.from_bytes(packed, "big") + _V6_OFFSET


def network_bounds(network: Network) -> tuple[int, int]:
    """The first and last key of a CIDR range."""
    offset = 0 if network.version == 4 else _V6_OFFSET
    first = int(network.network_address) + offset
    return first, first + network.num_addresses - 1


class RangeSet:
    """Ints and inclusive ranges of ints, merged and sorted once: `in` is one bisection.
    Serves IP sets (keys from `ip_key`) and number sets ({80 443 8000..8999})."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(ranges):
            if ends and start <= ends[-1] + 1:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self._starts = starts
        self._ends = ends

    def __contains__(self, key: int) -> bool:
        index = bisect_right(self._starts, key) - 1
        return index >= 0 and key <= self._ends[index]

    def bounds(self) -> tuple[list[int], list[int]]:
        """The starts and the ends of the ranges, in order (compiled rules look them up
        inline)."""
        return self._starts, self._ends

    def __len__(self) -> int:
        """How many disjoint ranges remain after merging."""
        return len(self._starts)
