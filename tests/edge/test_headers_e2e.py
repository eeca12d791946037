"""Headers through a real edge process: hop-by-hop headers are dropped both ways, the
edge's own headers are added (and cannot be forged), Host is rewritten when the zone says
so, zones are found by exact and wildcard names, and the edge's own pages follow Accept."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.edge_process import EdgeProcess
from tests.support.origin import Origin, OriginRequest, Reply
from tests.support.raw_http import RawConnection, exchange
from tests.support.shared_edge import module_edge
from tests.support.zones import zone

HOP_BY_HOP_REQUEST = (
    b"Connection: keep-alive, X-Listed-Hop\r\n"
    b"Connection: X-Second-Listed\r\n"
    b"Keep-Alive: timeout=5\r\n"
    b"TE: trailers\r\n"
    b"Trailer: X-Checksum\r\n"
    b"Upgrade: h2c\r\n"
    b"Proxy-Authorization: Basic c2VjcmV0\r\n"
    b"Proxy-Connection: keep-alive\r\n"
    b"X-Listed-Hop: secret\r\n"
    b"X-Second-Listed: secret\r\n"
)
DROPPED_REQUEST = {
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
    "x-listed-hop",
    "x-second-listed",
}


def _hop_by_hop_answer(request: OriginRequest) -> bytes:
    body = b"from origin"
    return (
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
        b"Connection: keep-alive, X-Origin-Hop\r\n"
        b"Connection: X-Origin-Second\r\n"
        b"Keep-Alive: timeout=5, max=100\r\n"
        b"Proxy-Authenticate: Basic realm=origin\r\n"
        b"Trailer: X-Checksum\r\n"
        b"Upgrade: h2c\r\n"
        b"X-Origin-Hop: secret\r\n"
        b"X-Origin-Second: secret\r\n"
        b"X-App: kept\r\n\r\n%s" % (len(body), body)
    )


@pytest.fixture(scope="module")
def edge(shared_origin: Origin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeProcess]:
    url = shared_origin.url
    config = (
        zone("forum", ["forum.example", "www.forum.example"], [url])
        + zone("shop", ["shop.example"], [url], origin_host="shop.internal")
        + zone("wiki", ["*.wiki.example"], [url])
        + zone("deep", ["*.en.wiki.example"], [url], origin_host="deep.internal")
    )
    with module_edge(config, tmp_path_factory.mktemp("edge")) as edge:
        yield edge


@pytest.fixture
def origin(shared_origin: Origin) -> Origin:
    shared_origin.reset()
    return shared_origin


def test_hop_by_hop_request_headers_never_reach_the_origin(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(
            b"GET /thread HTTP/1.1\r\nHost: forum.example\r\nX-Kept: yes\r\n"
            + HOP_BY_HOP_REQUEST
            + b"\r\n"
        )
        assert connection.read_response().status == 200
    seen = origin.requests[0]
    assert not seen.header_names() & DROPPED_REQUEST, seen.headers
    assert seen.header("x-kept") == "yes"


def test_hop_by_hop_response_headers_never_reach_the_visitor(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    origin.handler = _hop_by_hop_answer
    with RawConnection(edge.port) as connection:
        connection.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"from origin"
        names = response.header_names()
        for dropped in (
            "connection",
            "keep-alive",
            "proxy-authenticate",
            "trailer",
            "upgrade",
            "x-origin-hop",
            "x-origin-second",
        ):
            assert dropped not in names, response.headers
        assert response.header("x-app") == "kept"
        # The connection is still usable after a response that said keep-alive its own way.
        connection.send(b"GET /again HTTP/1.1\r\nHost: forum.example\r\n\r\n")
        assert connection.read_response().status == 200


def test_edge_headers_are_added_and_cannot_be_forged(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(
            b"GET / HTTP/1.1\r\nHost: forum.example\r\n"
            b"X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 198.51.100.2\r\n"
            b"X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\n"
            b"Stockade-Request-Id: forged\r\nVia: 1.0 upstream-proxy\r\n\r\n"
        )
        response = connection.read_response()
    seen = origin.requests[0]
    assert seen.header("x-forwarded-for") == "198.51.100.1, 198.51.100.2, 127.0.0.1"
    assert [value for name, value in seen.headers if name.lower() == "x-forwarded-proto"] == [
        "http"
    ]
    assert [value for name, value in seen.headers if name.lower() == "x-forwarded-host"] == [
        "forum.example"
    ]
    vias = [value for name, value in seen.headers if name.lower() == "via"]
    assert "1.1 stockade" in vias
    request_ids = [value for name, value in seen.headers if name.lower() == "stockade-request-id"]
    assert request_ids == [response.header("stockade-request-id")]
    assert request_ids[0] != "forged"
    assert response.header("via") == "1.1 stockade"


def test_request_ids_differ_and_match_per_request(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        ids = []
        for index in range(5):
            connection.send(b"GET /%d HTTP/1.1\r\nHost: forum.example\r\n\r\n" % index)
            ids.append(connection.read_response().header("stockade-request-id"))
    assert len(set(ids)) == 5
    assert [request.header("stockade-request-id") for request in origin.requests] == ids


def test_origin_host_rewrites_host_and_keeps_the_visitors_in_forwarded_host(
    edge, origin: Origin
) -> None:  # type: ignore[no-untyped-def]
    response, _ = exchange(
        edge.port, b"GET /cart HTTP/1.1\r\nHost: Shop.Example:8443\r\nConnection: close\r\n\r\n"
    )
    assert response is not None and response.status == 200
    seen = origin.requests[0]
    assert seen.header("host") == "shop.internal"
    assert seen.header("x-forwarded-host") == "Shop.Example:8443"


def test_zones_are_found_by_exact_then_most_specific_wildcard_name(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    cases = {
        b"www.forum.example": ("forum.example", "www.forum.example"),
        b"fr.wiki.example": ("wiki", "fr.wiki.example"),
        b"a.b.wiki.example": ("wiki", "a.b.wiki.example"),
        b"page.en.wiki.example": ("deep", "deep.internal"),
    }
    for host, (_, expected_host) in cases.items():
        response, _ = exchange(
            edge.port, b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host
        )
        assert response is not None and response.status == 200, host
        assert origin.requests[-1].header("host") == expected_host
    # A wildcard covers names below it, not the name itself.
    response, _ = exchange(
        edge.port, b"GET / HTTP/1.1\r\nHost: wiki.example\r\nConnection: close\r\n\r\n"
    )
    assert response is not None and response.status == 404
    assert len(origin.requests) == len(cases)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"),
        ("application/json", "application/json"),
        ("text/plain", "text/plain; charset=utf-8"),
    ],
)
def test_unknown_host_gets_a_404_page_in_the_format_asked_for(
    edge, origin: Origin, accept: str, content_type: str
) -> None:  # type: ignore[no-untyped-def]
    with RawConnection(edge.port) as connection:
        connection.send(
            b"GET / HTTP/1.1\r\nHost: unknown.example\r\nAccept: %s\r\n\r\n" % accept.encode()
        )
        response = connection.read_response()
        assert response.status == 404
        assert response.header("content-type") == content_type
        assert response.header("cache-control") == "no-store"
        request_id = response.header("stockade-request-id")
        assert request_id
        assert request_id in response.body.decode()
        if content_type == "application/json":
            page = json.loads(response.body)
            assert request_id in json.dumps(page)
        elif content_type.startswith("text/html"):
            assert response.body.lstrip().lower().startswith(b"<!doctype html")
        # A 404 does not cost the visitor the connection.
        connection.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
        assert connection.read_response().status == 200
    assert origin.requests[0].header("host") == "forum.example"
    assert len(origin.requests) == 1


def test_response_framing_is_rebuilt_for_the_visitor(edge, origin: Origin) -> None:  # type: ignore[no-untyped-def]
    # The origin frames by closing the connection; an HTTP/1.1 visitor gets chunks instead.
    origin.handler = _close_delimited
    with RawConnection(edge.port) as connection:
        connection.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
        response = connection.read_response()
        assert response.status == 200
        assert response.body == b"until the end"
        assert response.header("transfer-encoding") == "chunked"
        connection.send(b"GET / HTTP/1.1\r\nHost: forum.example\r\n\r\n")
        assert connection.read_response().body == b"until the end"


def _close_delimited(request: OriginRequest) -> Reply:
    return Reply(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", close=True)


def test_absolute_form_target_is_routed_by_its_own_host(edge_process) -> None:  # type: ignore[no-untyped-def]
    # RFC 9112 3.2.2: with an absolute-form target, Host is ignored. Routing by Host while
    # the origin follows the target would let one zone's rules serve another zone's site.
    first, second = Origin(), Origin()
    try:
        edge = edge_process.start(
            zone("first", ["first.example"], [first.url])
            + zone("second", ["second.example"], [second.url])
        )
        with RawConnection(edge.port) as connection:
            connection.send(
                b"GET http://first.example/page?x=1 HTTP/1.1\r\nHost: second.example\r\n\r\n"
            )
            response = connection.read_response()
            assert response.status == 200
            assert response.body == b"hello from origin /page?x=1"
            connection.send(b"GET HTTP://First.Example:80 HTTP/1.1\r\nHost: first.example\r\n\r\n")
            assert connection.read_response().body == b"hello from origin /"
            connection.send(b"GET http://nowhere.example/ HTTP/1.1\r\nHost: first.example\r\n\r\n")
            assert connection.read_response().status == 404
        assert second.requests == []
        assert [request.url for request in first.requests] == ["/page?x=1", "/"]
        assert first.requests[0].header("host") == "first.example"
        assert first.requests[1].header("host") == "First.Example:80"
    finally:
        first.close()
        second.close()
