from __future__ import annotations

from pathlib import Path

import pytest

from stockade.edge.geo import AsnLookup, CountryLookup
from tests.support.geo import write_asn_database, write_country_database


def test_countries_are_read_from_the_database(tmp_path: Path) -> None:
    path = write_country_database(
        tmp_path / "countries.mmdb", {"203.0.113.0/24": "FR", "2001:db8::/32": "DE"}
    )
    lookup = CountryLookup(str(path))
    assert lookup.country("203.0.113.9") == "FR"
    assert lookup.country("2001:db8::1") == "DE"
    assert lookup.country("192.0.2.1") is None
    assert lookup.country("not an address") is None
    lookup.close()


def test_a_bad_database_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mmdb"
    bad.write_bytes(b"not a database")
    with pytest.raises(ValueError, match="Cannot open the country database"):
        CountryLookup(str(bad))
    with pytest.raises(ValueError, match=r"\.mmdb"):
        CountryLookup(str(tmp_path / "missing.mmdb"))


def test_autonomous_systems_are_read_from_the_database(tmp_path: Path) -> None:
    path = write_asn_database(
        tmp_path / "asn.mmdb", {"203.0.113.0/24": 64496, "2001:db8::/32": 4200000000}
    )
    lookup = AsnLookup(str(path))
    assert lookup.asn("203.0.113.9") == 64496
    assert lookup.asn("2001:db8::1") == 4200000000
    assert lookup.asn("192.0.2.1") is None
    assert lookup.asn("not an address") is None
    lookup.close()
    with pytest.raises(ValueError, match=r"Cannot open the ASN database .* edge\.asn_database"):
        AsnLookup(str(tmp_path / "missing.mmdb"))
