"""How long a zone's access rules take to load and to look up, with many CIDR blocks.

Makes NETWORKS random CIDR blocks (four in five IPv4, prefixes /8 to /32; the rest IPv6,
/16 to /128; nested blocks included, as random blocks nest), split among three rules
(block, challenge, allow), and times:

- decode: a snapshot holding the zone, decoded and checked (every block parsed);
- compile: the edge's lookup structure for the zone (edge/access.py);
- lookup: the action for one visitor address, over random IPv4 and IPv6 addresses,
  median and 99th percentile of batches of 1,000.

    python bench/access_rules.py [--networks 100000] [--seed 7]

Latest figures are in bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from stockade.edge.access import ZoneAccess
from stockade.edge.pages import Pages
from stockade.policy import AccessRule, Snapshot, Zone, decode_snapshot, encode_snapshot

GOAL_LOAD_SECONDS = 1.0
BATCH = 1000


def random_network(rng: random.Random) -> str:
    if rng.random() < 0.8:
        prefix = rng.randint(8, 32)
        value = rng.getrandbits(32) >> (32 - prefix) << (32 - prefix)
        return f"{ipaddress.IPv4Address(value)}/{prefix}"
    prefix = rng.randint(16, 128)
    value = rng.getrandbits(128) >> (128 - prefix) << (128 - prefix)
    return f"{ipaddress.IPv6Address(value)}/{prefix}"


def random_address(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return str(ipaddress.IPv4Address(rng.getrandbits(32)))
    return str(ipaddress.IPv6Address(rng.getrandbits(128)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    networks = [random_network(rng) for _ in range(args.networks)]
    third = len(networks) // 3
    zone = Zone(
        name="forum",
        hostnames=("forum.example",),
        origins=("http://10.0.0.5",),
        access_rules=(
            AccessRule(action="block", ips=tuple(networks[:third])),
            AccessRule(action="challenge", ips=tuple(networks[third : 2 * third])),
            AccessRule(action="allow", ips=tuple(networks[2 * third :])),
        ),
    )
    data = encode_snapshot(Snapshot(revision=1, zones=(zone,)))
    pages = Pages()

    gc.disable()  # as the edge does while it loads a snapshot
    started = time.perf_counter()
    decoded = decode_snapshot(data).zones[0]
    decoded_at = time.perf_counter()
    access = ZoneAccess(decoded, pages, None, None)
    compiled_at = time.perf_counter()
    gc.enable()

    addresses = [random_address(rng) for _ in range(100 * BATCH)]
    action = access.action
    batches = []
    matched = 0
    for start in range(0, len(addresses), BATCH):
        batch = addresses[start : start + BATCH]
        began = time.perf_counter()
        for address in batch:
            action(address)
        batches.append((time.perf_counter() - began) / BATCH * 1e6)
    matched = sum(action(address) >= 0 for address in addresses)
    batches.sort()

    assert access.ipv4 is not None and access.ipv6 is not None
    intervals = len(access.ipv4.starts) + len(access.ipv6.starts)
    load = compiled_at - started
    print(
        f"{args.networks} CIDR blocks ({intervals} intervals after nesting), "
        f"{len(data) / 1e6:.1f} MB in the snapshot"
    )
    print(
        f"decode and check {decoded_at - started:.3f} s + compile {compiled_at - decoded_at:.3f} s"
        f" = load {load:.3f} s"
    )
    print(
        f"lookup: median {statistics.median(batches):.2f} µs, "
        f"p99 {batches[int(len(batches) * 0.99) - 1]:.2f} µs per address "
        f"({len(addresses)} random addresses, {matched / len(addresses):.0%} matched a rule)"
    )
    print(
        f"goal: load <= {GOAL_LOAD_SECONDS:.1f} s ({'met' if load <= GOAL_LOAD_SECONDS else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
