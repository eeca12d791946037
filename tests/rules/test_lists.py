from __future__ import annotations

import pytest

from stockade.rules.addresses import RangeSet, ip_key
from stockade.rules.lists import NamedLists, membership
from stockade.rules.scheme import Kind


def test_values_alone_make_a_frozenset_and_ranges_a_range_set() -> None:
    assert membership(["a", "b"]) == frozenset({"a", "b"})
    both = membership([5], [(10, 20)])
    assert isinstance(both, RangeSet)
    assert 5 in both and 15 in both and 7 not in both


def test_a_list_is_converted_once_per_type() -> None:
    lists = NamedLists({"networks": ["10.0.0.0/8", " 192.0.2.1 ", "2001:db8::/32"]})
    networks = lists.membership("networks", Kind.IP)
    assert lists.membership("networks", Kind.IP) is networks
    assert ip_key("10.9.9.9") in networks
    assert ip_key("192.0.2.1") in networks
    assert ip_key("192.0.2.2") not in networks
    assert "networks" in lists
    assert lists.names() == ["networks"]


def test_items_of_the_wrong_type_are_named() -> None:
    lists = NamedLists({"mixed": ["a", 1, True]})
    with pytest.raises(ValueError, match=r"Item 2 of the list \$mixed is 1, not a string"):
        lists.membership("mixed", Kind.STRING)
    with pytest.raises(ValueError, match=r"Item 1 of the list \$mixed is 'a', not a number"):
        lists.membership("mixed", Kind.INT)
    with pytest.raises(ValueError, match=r"Item 3 of the list \$mixed is True, not a number"):
        NamedLists({"mixed": [1, 2, True]}).membership("mixed", Kind.INT)
    with pytest.raises(ValueError, match=r"Item 1 of the list \$mixed is 'a', not an IP"):
        lists.membership("mixed", Kind.IP)
