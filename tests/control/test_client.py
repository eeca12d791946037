"""The API client turns every failure into a sentence."""

from __future__ import annotations

import httpx
import pytest

from stockade.config import Settings
from stockade.control.client import ApiClient, ClientError
from tests.support.ports import free_port


def _client(handler: httpx.MockTransport) -> ApiClient:
    client = ApiClient("http://control.test/", "stk_token")
    client._http = httpx.Client(
        base_url=client.url, transport=handler, headers={"authorization": "Bearer stk_token"}
    )
    return client


def test_success_returns_the_json_and_sends_the_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"revision": 3})

    with _client(httpx.MockTransport(answer)) as client:
        assert client.post("/v1/zones/forum/unblock") == {"revision": 3}
    assert seen[0].headers["authorization"] == "Bearer stk_token"
    assert seen[0].url == "http://control.test/v1/zones/forum/unblock"


def test_an_api_error_carries_the_api_sentence() -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"status": 409, "message": "Hostname taken."})

    with _client(httpx.MockTransport(answer)) as client, pytest.raises(ClientError) as caught:
        client.get("/v1/zones")
    assert (caught.value.message, caught.value.status) == ("Hostname taken.", 409)


def test_a_bad_token_says_where_tokens_come_from() -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "This API token is not valid."})

    with _client(httpx.MockTransport(answer)) as client, pytest.raises(ClientError) as caught:
        client.get("/v1/zones")
    assert caught.value.message.endswith("Set STOCKADE_TOKEN to a valid token.")


def test_a_non_json_error_is_still_described() -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="Bad Gateway")

    with _client(httpx.MockTransport(answer)) as client, pytest.raises(ClientError) as caught:
        client.get("/v1/zones")
    assert caught.value.message == "The control plane answered 502: Bad Gateway"


def test_an_unreachable_control_plane_says_what_to_check() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with ApiClient(url, None) as client, pytest.raises(ClientError) as caught:
        client.get("/v1/zones")
    assert caught.value.message == (
        f"Cannot connect to the control plane at {url}: is `stockade control` running "
        "there? Set STOCKADE_URL to its address."
    )


def test_settings_give_the_url_and_token() -> None:
    client = ApiClient.from_settings(Settings(url="https://control.example/", token="stk_x"))
    assert client.url == "https://control.example"
    assert client._http.headers["authorization"] == "Bearer stk_x"
    client.close()


def test_get_all_follows_the_next_links() -> None:
    pages = {
        "/v1/zones?limit=2": (["a", "b"], '</v1/zones?after=b&limit=2>; rel="next"'),
        "/v1/zones?after=b&limit=2": (["c"], None),
    }
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        target = request.url.raw_path.decode()
        asked.append(target)
        items, link = pages[target]
        return httpx.Response(200, json=items, headers={"link": link} if link else {})

    with _client(httpx.MockTransport(answer)) as client:
        assert client.get_all("/v1/zones", page_size=2) == ["a", "b", "c"]
    assert asked == ["/v1/zones?limit=2", "/v1/zones?after=b&limit=2"]
