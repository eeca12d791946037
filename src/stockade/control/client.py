"""A small client of the control plane's API, for the CLI and scripts.

Every failure becomes a ClientError whose message is a sentence: the API's own message
when it answered, or what to check when it could not be reached.
"""

from __future__ import annotations

from typing import Any

import httpx

from stockade.config import Settings

TIMEOUT = 30.0


class ClientError(Exception):
    """The call failed; the message says why and what to do."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ApiClient:
    def __init__(self, url: str, token: str | None, *, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiClient:
        return cls(settings.api_url, settings.api_token)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.call("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)

    def get_all(self, path: str, page_size: int = 1000) -> list[Any]:
        """Every item of a paged list, following its `Link: <...>; rel="next"` headers."""
        items: list[Any] = []
        url: str | None = f"{path}?limit={page_size}"
        while url is not None:
            response = self._send("GET", url)
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
        return items

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = self._send(method, path, json=json, params=params)
        return response.json() if response.content else None

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=json, params=params)
        except httpx.ConnectError:
            raise ClientError(
                f"Cannot connect to the control plane at {self.url}: is `stockade control` "
                "running there? Set STOCKADE_URL to its address."
            ) from None
        except httpx.TimeoutException:
            raise ClientError(
                f"The control plane at {self.url} did not answer within {TIMEOUT:.0f} s: "
                "check it and its database."
            ) from None
        except httpx.HTTPError as error:
            raise ClientError(f"The call to {self.url} failed: {error}.") from None
        if response.is_success:
            return response
        raise ClientError(_message(response), response.status_code)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message: str = body["message"]
    else:
        message = f"The control plane answered {response.status_code}: {response.text[:200]}"
    if response.status_code == 401 and "STOCKADE_TOKEN" not in message:
        message += " Set STOCKADE_TOKEN to a valid token."
    return message
