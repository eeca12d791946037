"""The feed between real processes over real HTTP: a change wakes held long-polls at once,
on the control process that took it and, with PostgreSQL, on every other one."""

from __future__ import annotations

import signal
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from stockade.policy import VerifyKey, verify_snapshot
from tests.support.control_process import ControlProcess

BLOCK: dict[str, Any] = {
    "basis": "emergency",
    "reason": "Threats against a person.",
    "notice_url": "https://provider.example/notices/1",
}


class HeldPoll:
    """A long-poll held in a thread; `at` is when its answer arrived."""

    def __init__(self, control: ControlProcess, after: int, token: str, wait: float = 10) -> None:
        self.response: httpx.Response | None = None
        self.at = 0.0
        self._thread = threading.Thread(
            target=self._run, args=(control.url, after, token, wait), daemon=True
        )
        self._thread.start()

    def _run(self, url: str, after: int, token: str, wait: float) -> None:
        self.response = httpx.get(
            f"{url}/v1/edge/snapshot",
            params={"after": after, "edge": "e2e", "wait": wait},
            headers={"authorization": f"Bearer {token}"},
            timeout=wait + 10,
        )
        self.at = time.perf_counter()

    def join(self, timeout: float = 15) -> httpx.Response:
        self._thread.join(timeout)
        assert self.response is not None, "the long-poll never answered"
        return self.response


def _api(control: ControlProcess) -> httpx.Client:
    return httpx.Client(
        base_url=control.url, headers={"authorization": f"Bearer {control.admin_token}"}
    )


def _revision(api: httpx.Client) -> int:
    revision: int = api.get("/v1/revision").json()["revision"]
    return revision


def _wait_until_held(control: ControlProcess) -> None:
    """Until the control plane has recorded the poll (and so is holding it)."""
    deadline = time.monotonic() + 5
    with _api(control) as api:
        while time.monotonic() < deadline:
            if any(edge["name"] == "e2e" for edge in api.get("/v1/edges").json()["edges"]):
                time.sleep(0.05)
                return
            time.sleep(0.01)
    raise AssertionError("the long-poll was never recorded")


def test_changes_wake_polls_within_100_ms(control_process: type[ControlProcess]) -> None:
    control = control_process.start()
    delays = []
    with _api(control) as api:
        api.post(
            "/v1/zones",
            json={"name": "forum", "hostnames": ["forum.example"], "origins": ["http://10.0.0.5"]},
        ).raise_for_status()
        for index in range(10):
            poll = HeldPoll(control, _revision(api), control.admin_token)
            _wait_until_held(control)
            if index % 2 == 0:
                response = api.post("/v1/zones/forum/enforcements", json=BLOCK)
            else:
                response = api.post("/v1/zones/forum/unblock")
            answered = time.perf_counter()
            assert response.is_success, response.text
            assert poll.join().status_code == 200
            assert int(poll.join().headers["stockade-revision"]) == response.json()["revision"]
            delays.append(poll.at - answered)
    print(
        f"long-poll wake after the API's answer: median {statistics.median(delays) * 1000:.1f} ms,"
        f" max {max(delays) * 1000:.1f} ms"
    )
    assert max(delays) < 0.1


def test_stopping_releases_held_polls(control_process: type[ControlProcess]) -> None:
    control = control_process.start()
    poll = HeldPoll(control, 0, control.admin_token, wait=30)
    _wait_until_held(control)
    stopped = time.perf_counter()
    control.process.send_signal(signal.SIGTERM)
    assert poll.join().status_code == 204
    # uvicorn re-raises the signal once it has shut down cleanly.
    assert control.process.wait(10) in (0, -signal.SIGTERM)
    assert time.perf_counter() - stopped < 3


def test_a_change_through_one_process_wakes_polls_on_another(
    control_process: type[ControlProcess], postgres_url: str, tmp_path: Path
) -> None:
    from tests.support.database import empty_postgres

    empty_postgres(postgres_url)
    data = tmp_path / "data"  # shared: both sign with the same key
    first = control_process.start(data=data, database_url=postgres_url)
    second = control_process.start(data=data, database_url=postgres_url)
    key = VerifyKey.from_text(httpx.get(f"{second.url}/v1/edge/key").json()["key"])
    with _api(first) as api:
        api.post(
            "/v1/zones",
            json={"name": "forum", "hostnames": ["forum.example"], "origins": ["http://10.0.0.5"]},
        ).raise_for_status()
        poll = HeldPoll(second, _revision(api), first.admin_token)
        _wait_until_held(second)
        response = api.post("/v1/zones/forum/enforcements", json=BLOCK)
        answered = time.perf_counter()
    assert response.status_code == 201
    answer = poll.join()
    assert answer.status_code == 200
    snapshot = verify_snapshot(answer.content, key)
    assert snapshot.revision == response.json()["revision"]
    assert snapshot.zones[0].enforcements[0].reason == BLOCK["reason"]
    print(f"cross-process wake (PostgreSQL NOTIFY): {1000 * (poll.at - answered):.1f} ms")
    assert poll.at - answered < 0.1, f"woke {1000 * (poll.at - answered):.0f} ms after the change"
