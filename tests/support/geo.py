"""Small MaxMind-format databases built for tests: countries, and autonomous systems."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def write_country_database(path: Path, networks: dict[str, str]) -> Path:
    """`networks` maps CIDR blocks to ISO country codes."""
    return _write(
        path, "GeoIP2-Country", {n: {"country": {"iso_code": c}} for n, c in networks.items()}
    )


def write_asn_database(path: Path, networks: dict[str, int]) -> Path:
    """`networks` maps CIDR blocks to autonomous system numbers, as GeoLite2 ASN has them."""
    records = {
        network: {
            "autonomous_system_number": asn,
            "autonomous_system_organization": f"AS{asn} Example",
        }
        for network, asn in networks.items()
    }
    return _write(path, "GeoLite2-ASN", records)


def _write(path: Path, database_type: str, records: dict[str, dict[str, object]]) -> Path:
    writer = MMDBWriter(ip_version=6, database_type=database_type, ipv4_compatible=True)
    for network, record in records.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path
