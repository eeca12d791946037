from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from stockade.rules.addresses import RangeSet, ip_key, network_bounds


def test_ip_keys_keep_the_families_apart() -> None:
    assert ip_key("0.0.0.1") == 1
    assert ip_key("255.255.255.255") == 2**32 - 1
    assert ip_key("::") == 2**32
    assert ip_key("::1") == 2**32 + 1
    assert ip_key("fe80::1%eth0") == ip_key("fe80::1")
    assert ip_key("nonsense") is None
    assert ip_key("1.2.3") is None


def test_network_bounds_are_inclusive() -> None:
    assert network_bounds(ipaddress.ip_network("10.0.0.0/8")) == (10 << 24, (11 << 24) - 1)
    first, last = network_bounds(ipaddress.ip_network("2001:db8::/32"))
    assert first == ip_key("2001:db8::")
    assert last == ip_key("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")


def test_range_sets_merge_overlapping_and_touching_ranges() -> None:
    ranges = RangeSet([(10, 20), (15, 30), (31, 31), (40, 50)])
    assert len(ranges) == 2
    assert [key in ranges for key in (9, 10, 25, 31, 32, 40, 50, 51)] == [
        False,
        True,
        True,
        True,
        False,
        True,
        True,
        False,
    ]
    assert 1 not in RangeSet([])


@given(
    st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 50)), max_size=20),
    st.integers(-5, 1100),
)
def test_range_sets_agree_with_a_plain_check(spans: list[tuple[int, int]], key: int) -> None:
    ranges = [(start, start + length) for start, length in spans]
    expected = any(start <= key <= end for start, end in ranges)
    assert (key in RangeSet(ranges)) is expected
