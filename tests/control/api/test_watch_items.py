"""POST /v1/watch/items over HTTP: posts stored and analysed, bad input answered with a
sentence and nothing stored, a batch sent again stored once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from stockade.store.models import SignalEventRecord, WatchItemRecord
from tests.control.conftest import Control

NOW = datetime.now(UTC)


def post(
    item_id: str = "1", text: str = "I will kill you Mark Smith", **fields: Any
) -> dict[str, Any]:
    return {
        "id": item_id,
        "zone": "forum",
        "url": f"https://forum.example/t/{item_id}",
        "author": "ann",
        "time": NOW.isoformat(),
        "text": text,
        **fields,
    }


def stored(control: Control) -> tuple[int, int]:
    with control.client.app.state.control.database.read() as session:  # type: ignore[attr-defined]
        return (
            session.scalar(select(func.count()).select_from(WatchItemRecord)),
            session.scalar(select(func.count()).select_from(SignalEventRecord)),
        )


def test_a_batch_is_stored_and_analysed(control: Control) -> None:
    control.add_zone("forum")
    body = {"items": [post("1"), post("2", "nice weather today", author=None, url=None)]}
    response = control.client.post("/v1/watch/items", json=body, headers=control.auth("operator"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["stored"], answer["duplicates"]) == (2, 0)
    first, second = answer["items"]
    assert first["signals"] == ["targeted_threat"] and "threat" in first["labels"]
    assert (second["signals"], second["labels"], second["duplicate"]) == ([], [], False)
    assert stored(control) == (2, 1)


def test_sending_a_batch_again_stores_it_once(control: Control) -> None:
    control.add_zone("forum")
    body = {"items": [post("1"), post("2")]}
    control.client.post("/v1/watch/items", json=body, headers=control.auth())
    again = control.client.post("/v1/watch/items", json=body, headers=control.auth()).json()
    assert (again["stored"], again["duplicates"]) == (0, 2)
    assert [item["duplicate"] for item in again["items"]] == [True, True]
    assert stored(control) == (2, 2)


@pytest.mark.parametrize(
    ("items", "sentence"),
    [
        ([post("1"), post("2", zone="nowhere")], "There is no zone named 'nowhere'"),
        ([post("1"), post("1")], "Item '1' of zone 'forum' appears twice in this batch"),
        ([post("1"), post("2", time=(NOW + timedelta(days=1)).isoformat())], "in the future"),
        ([post("1"), post("2", time="2026-01-31T12:00:00")], "'items.1.time': Input should have timezone info"),
        ([post("1"), post("2", text=None)], "'items.1.text': Input should be a valid string"),
        ([post("1"), post("", "x")], "'items.1.id': String should have at least 1 character"),
        ([post("1"), {**post("2"), "likes": 3}], "'items.1.likes': Extra inputs are not permitted"),
        ([post(str(n)) for n in range(501)], "'items': List should have at most 500 items"),
        ([], "'items': List should have at least 1 item"),
    ],
)  # fmt: skip
def test_bad_input_is_answered_with_a_sentence_and_nothing_is_stored(
    control: Control, items: list[dict[str, Any]], sentence: str
) -> None:
    control.add_zone("forum")
    response = control.client.post("/v1/watch/items", json={"items": items}, headers=control.auth())
    assert response.status_code == 422, response.text
    assert sentence in response.json()["message"]
    assert response.json()["message"].endswith(".")
    assert stored(control) == (0, 0)


def test_pushing_needs_a_token_that_may_write(control: Control) -> None:
    control.add_zone("forum")
    body = {"items": [post()]}
    assert control.client.post("/v1/watch/items", json=body).status_code == 401
    refused = control.client.post("/v1/watch/items", json=body, headers=control.auth("viewer"))
    assert refused.status_code == 403
    assert "cannot change zones and enforcements, or push posts" in refused.json()["message"]
    assert stored(control) == (0, 0)
