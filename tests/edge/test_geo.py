from __future__ import annotations

from pathlib import Path

import pytest

from stockade.edge.geo import CountryLookup
from tests.support.geo import write_country_database


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
