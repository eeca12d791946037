"""Where a visitor's IP address is: its country and its autonomous system, from
MaxMind-format database files (GeoLite2 Country and ASN, or compatible), for geo blocks
and access rules."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import maxminddb

from stockade.edge.config import ConfigError

# Addresses remembered per database: visitors come back, and a lookup reads the file.
_CACHE_SIZE = 65536


def _open(path: str, what: str, setting: str) -> Any:
    try:
        return maxminddb.open_database(path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
        raise ConfigError(
            f"Cannot open the {what} database {path}: {error}. Give a MaxMind-format "
            f"(.mmdb) file in edge.{setting}."
        ) from None


def _record(reader: Any, ip: str) -> dict[str, object] | None:
    try:
        record = reader.get(ip)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class CountryLookup:
    def __init__(self, path: str) -> None:
        self.reader = _open(path, "country", "geoip_database")
        self.country = lru_cache(maxsize=_CACHE_SIZE)(self._country)

    def _country(self, ip: str) -> str | None:
        country = (_record(self.reader, ip) or {}).get("country")
        if not isinstance(country, dict):
            return None
        code = country.get("iso_code")
        return code if isinstance(code, str) else None

    def close(self) -> None:
        self.reader.close()


class AsnLookup:
    """The autonomous system announcing an address (`autonomous_system_number`, as in
    GeoLite2 ASN)."""

    def __init__(self, path: str) -> None:
        self.reader = _open(path, "ASN", "asn_database")
        self.asn = lru_cache(maxsize=_CACHE_SIZE)(self._asn)

    def _asn(self, ip: str) -> int | None:
        number = (_record(self.reader, ip) or {}).get("autonomous_system_number")
        return number if isinstance(number, int) else None

    def close(self) -> None:
        self.reader.close()
