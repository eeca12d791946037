from __future__ import annotations

import asyncio

import pytest

from stockade.edge.config import UpstreamSettings
from stockade.edge.origins import OriginRegistry
from stockade.edge.pages import Pages
from stockade.edge.routing import RoutingTable, normalize_host
from stockade.policy import Snapshot, Zone


@pytest.fixture
def registry() -> OriginRegistry:
    return OriginRegistry(UpstreamSettings(), asyncio.new_event_loop())


def zone(name: str, *hostnames: str, origins: tuple[str, ...] = ("http://10.0.0.1",)) -> Zone:
    return Zone(name=name, hostnames=hostnames, origins=origins)


def test_exact_then_most_specific_wildcard(registry: OriginRegistry) -> None:
    table = RoutingTable(
        Snapshot(
            zones=(
                zone("apex", "example.org"),
                zone("any", "*.example.org"),
                zone("deep", "*.eu.example.org"),
                zone("exact", "www.eu.example.org"),
            )
        ),
        registry,
        Pages(),
    )

    def name(host: bytes) -> str | None:
        route = table.lookup(host)
        return route.name if route else None

    assert name(b"example.org") == "apex"
    assert name(b"a.example.org") == "any"
    assert name(b"a.b.example.org") == "any"
    assert name(b"x.eu.example.org") == "deep"
    assert name(b"WWW.EU.Example.org.:443") == "exact"
    assert name(b"example.com") is None
    assert name(b"org") is None


def test_host_normalisation() -> None:
    assert normalize_host(b"Forum.Example.:8080") == "forum.example"
    assert normalize_host(b"[::1]:80") == "::1"
    assert normalize_host(b"forum.example") == "forum.example"


def test_round_robin_skips_origins_that_are_down(registry: OriginRegistry) -> None:
    table = RoutingTable(
        Snapshot(zones=(zone("z", "z.example", origins=("http://10.0.0.1", "http://10.0.0.2")),)),
        registry,
        Pages(),
    )
    route = table.find("z.example")
    assert route is not None
    picks = [route.pick_origin() for _ in range(4)]
    assert [origin.url for origin in picks if origin] == [
        "http://10.0.0.1",
        "http://10.0.0.2",
    ] * 2
    route.origins[0].down = True
    assert {route.pick_origin().url for _ in range(3)} == {"http://10.0.0.2"}  # type: ignore[union-attr]
    route.origins[1].down = True
    assert route.pick_origin() is None


def test_origins_and_their_pools_survive_a_new_snapshot(registry: OriginRegistry) -> None:
    first = RoutingTable(Snapshot(zones=(zone("a", "a.example"),)), registry, Pages())
    second = RoutingTable(Snapshot(revision=2, zones=(zone("b", "b.example"),)), registry, Pages())
    assert first.exact["a.example"].origins[0] is second.exact["b.example"].origins[0]
    RoutingTable(
        Snapshot(revision=3, zones=(zone("c", "c.example", origins=("http://10.9.9.9",)),)),
        registry,
        Pages(),
    )
    assert ("http://10.0.0.1", True) not in registry.origins


def test_the_lookup_cache_is_bounded(registry: OriginRegistry) -> None:
    table = RoutingTable(Snapshot(zones=(zone("a", "a.example"),)), registry, Pages())
    for index in range(10_000):
        table.lookup(b"random-%d.example" % index)
    assert len(table._cache) <= 8192


def test_an_unchanged_zone_keeps_its_route_in_a_new_snapshot(registry: OriginRegistry) -> None:
    pages = Pages()
    first = RoutingTable(
        Snapshot(zones=(zone("a", "a.example"), zone("b", "b.example"))), registry, pages
    )
    kept, changed = first.exact["a.example"], first.exact["b.example"]
    kept.pick_origin()  # the route's state (round robin, origins looked up) goes on
    # Decoded anew, as an edge gets it: equal zones, not the same objects.
    second = RoutingTable(
        Snapshot(
            revision=2,
            zones=(zone("a", "a.example"), zone("b", "b.example", "www.b.example")),
        ),
        registry,
        pages,
        previous=first,
    )
    assert second.exact["a.example"] is kept
    assert second.exact["b.example"] is not changed
    assert second.exact["www.b.example"] is second.exact["b.example"]
    assert second.exact["b.example"].zone.hostnames == ("b.example", "www.b.example")
    # Built from other parts (here other pages), no route is kept.
    third = RoutingTable(
        Snapshot(revision=3, zones=(zone("a", "a.example"),)), registry, Pages(), previous=second
    )
    assert third.exact["a.example"] is not kept
    assert list(third.exact) == ["a.example"]
