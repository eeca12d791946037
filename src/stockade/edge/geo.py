"""Country of a visitor's IP address, from a MaxMind-format database file (GeoLite2 or
compatible), for geo blocks."""

from __future__ import annotations

import logging
from functools import lru_cache

import maxminddb

from stockade.edge.config import ConfigError

log = logging.getLogger("stockade.edge")


class CountryLookup:
    def __init__(self, path: str) -> None:
        try:
            self.reader = maxminddb.open_database(path)
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
            raise ConfigError(
                f"Cannot open the country database {path}: {error}. Give a MaxMind-format "
                "(.mmdb) file in edge.geoip_database."
            ) from None
        self.country = lru_cache(maxsize=65536)(self._country)

    def _country(self, ip: str) -> str | None:
        try:
            record = self.reader.get(ip)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        country = record.get("country")
        if not isinstance(country, dict):
            return None
        code = country.get("iso_code")
        return code if isinstance(code, str) else None

    def close(self) -> None:
        self.reader.close()
