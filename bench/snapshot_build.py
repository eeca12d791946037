"""How long a snapshot of many zones takes to build from the store, sign, and load.

Fills a fresh SQLite database (or STOCKADE_DATABASE_URL, which it must be free to fill)
with ZONES zones of two hostnames and one origin each, a tenth of them with an
enforcement (and, with --rules-every N, every N-th zone with a firewall rule, an access
rule and a rate limit), then times: build from the store, encode + sign, verify + decode, and the
edge applying it (routing table, enforcement); then the next revision, one zone changed,
built by the same builder (the control plane keeps one) and applied by the same edge.

    python bench/snapshot_build.py [--zones 100000] [--rules-every N]

Latest figures are in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from stockade.desk.snapshot import SnapshotBuilder
from stockade.edge.config import EdgeSettings
from stockade.edge.runtime import Edge, collection_paused
from stockade.policy import SigningKey, Snapshot, SnapshotDecoder, sign_snapshot, verify_snapshot
from stockade.store import Database, bump_revision
from stockade.store.models import EnforcementRecord, HostnameRecord, ZoneRecord

GOAL_SECONDS = 2.0


# What --rules-every gives a zone, as the store keeps it (desk.zone_rules).
RULES = {
    "access_rules": [{"action": "block", "ips": ["192.0.2.0/24", "2001:db8::/32"]}],
    "firewall_rules": [
        {
            "id": "wp-login",
            "expression": 'http.request.uri.path eq "/wp-login.php"',
            "action": "block",
        }
    ],
    "rate_limits": [
        {
            "id": "login",
            "expression": 'http.request.uri.path eq "/login"',
            "requests_per_period": 10,
        }
    ],
}


def fill(database: Database, count: int, rules_every: int = 0) -> None:
    now = datetime.now(UTC)
    zones = [
        {
            "id": index + 1,
            "name": f"zone-{index:06d}",
            "service": "proxied",
            "origins": [f"http://10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}:8080"],
            "security_rules": RULES if rules_every and index % rules_every == 0 else {},
            "created_at": now,
            "updated_at": now,
        }
        for index in range(count)
    ]
    hostnames = [
        {"hostname": f"{prefix}site-{index}.example", "zone_id": index + 1, "position": position}
        for index in range(count)
        for position, prefix in enumerate(("", "www."))
    ]
    enforcements = [
        {
            "zone_id": index + 1,
            "action": "block",
            "basis": "policy",
            "reason": "This site broke the provider's terms of service.",
            "status": 451,
            "paths": [],
            "countries": [],
            "starts_at": now,
            "notice_url": f"https://provider.example/notices/{index}",
            "created_at": now,
            "created_by": "bench",
        }
        for index in range(0, count, 10)
    ]
    with database.write() as session:
        session.execute(insert(ZoneRecord), zones)
        session.execute(insert(HostnameRecord), hostnames)
        session.execute(insert(EnforcementRecord), enforcements)
        bump_revision(session)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=100_000)
    parser.add_argument(
        "--rules-every", type=int, default=0, help="Give every N-th zone rules (0: none)."
    )
    args = parser.parse_args()
    key = SigningKey.generate()
    with tempfile.TemporaryDirectory(prefix="stockade-snapshot-") as directory:
        url = os.environ.get("STOCKADE_DATABASE_URL") or f"sqlite:///{directory}/bench.db"
        database = Database(url)
        database.migrate()
        fill(database, args.zones, args.rules_every)

        builder = SnapshotBuilder("https://control.example")
        started = time.perf_counter()
        with database.read() as session:
            snapshot = builder.build(session)
        built = time.perf_counter()
        signed = sign_snapshot(snapshot, key)
        signed_at = time.perf_counter()
        decoder = SnapshotDecoder()  # an edge's feed keeps one
        with collection_paused():  # as an edge does
            loaded = verify_snapshot(signed, key.verify_key(), decoder)
        verified_at = time.perf_counter()
        # What an edge then does with it: route tables, origin pools, block pages.
        edge = Edge(EdgeSettings(), Snapshot(), asyncio.new_event_loop())
        edge.apply(loaded)
        loaded_at = time.perf_counter()
        # The control plane keeps its builder: the next revision reuses unchanged zones.
        with database.write() as session:
            session.execute(update(ZoneRecord).where(ZoneRecord.id == 1).values(service="hosted"))
            bump_revision(session)
        rebuild_started = time.perf_counter()
        with database.read() as session:
            next_signed = sign_snapshot(builder.build(session), key)
        rebuilt = time.perf_counter()
        # The edge decodes and builds again only the zone that changed.
        with collection_paused():
            next_loaded = verify_snapshot(next_signed, key.verify_key(), decoder)
        next_verified = time.perf_counter()
        edge.apply(next_loaded)
        next_applied = time.perf_counter()
        database.dispose()

    assert len(loaded.zones) == args.zones
    total = loaded_at - started
    ruled = sum(1 for zone in loaded.zones if zone.firewall_rules)
    print(
        f"{args.zones} zones ({ruled} with rules) on {database.dialect}, "
        f"{len(signed) / 1e6:.1f} MB signed"
    )
    print(
        f"build {built - started:.2f} s + encode and sign {signed_at - built:.2f} s + "
        f"verify and decode {verified_at - signed_at:.2f} s + "
        f"edge applies {loaded_at - verified_at:.2f} s = {total:.2f} s"
    )
    print(
        f"next revision (one zone changed): build and sign {rebuilt - rebuild_started:.2f} s + "
        f"verify and decode {next_verified - rebuilt:.2f} s + "
        f"edge applies {next_applied - next_verified:.2f} s = "
        f"{next_applied - rebuild_started:.2f} s"
    )
    print(f"goal: <= {GOAL_SECONDS:.1f} s ({'met' if total <= GOAL_SECONDS else 'MISSED'})")


if __name__ == "__main__":
    main()
