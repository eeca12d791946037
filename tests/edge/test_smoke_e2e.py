"""The whole edge as a process, on real sockets, in front of a real origin."""

from __future__ import annotations

import httpx

from tests.support.origin import Origin


def test_proxies_and_reuses_origin_connection(edge_process) -> None:  # type: ignore[no-untyped-def]
    origin = Origin()
    try:
        edge = edge_process.start(
            f'[[zones]]\nname = "forum"\nhostnames = ["forum.example"]\norigins = ["{origin.url}"]\n'
        )
        with httpx.Client(base_url=edge.url, headers={"host": "forum.example"}) as client:
            for index in range(5):
                response = client.get(f"/page/{index}")
                assert response.status_code == 200
                assert response.text == f"hello from origin /page/{index}"
                assert response.headers["stockade-request-id"]
        assert len(origin.requests) == 5
        assert origin.connections == 1
        first = origin.requests[0]
        assert first.header("x-forwarded-for") == "127.0.0.1"
        assert first.header("x-forwarded-proto") == "http"
        assert first.header("host") == "forum.example"
        assert first.header("via") == "1.1 stockade"
    finally:
        origin.close()
