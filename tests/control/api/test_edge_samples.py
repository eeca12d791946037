"""POST /v1/edge/samples: batches in MessagePack become watch items with their labels,
text taken out of HTML and JSON, bad batches answered with a sentence and nothing
stored."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
import pytest
from sqlalchemy import select

from stockade.control.api.edge_samples import html_text, json_text, sample_text
from stockade.policy import SAMPLES_MEDIA_TYPE
from stockade.store.models import WatchItemRecord
from tests.control.conftest import Control
from tests.support.samples import sample_fields

THREAT_PAGE = (
    "<html><head><title>t</title><style>p {color: red}</style></head><body>"
    "<script>var x = 'kill';</script><p>I will kill you Mark Smith</p></body></html>"
)


def sample(
    request_id: str = "r1", body: bytes = THREAT_PAGE.encode(), **fields: Any
) -> dict[str, Any]:
    return sample_fields(request_id, body, **fields)


def post(control: Control, samples: list[dict[str, Any]], role: str = "edge") -> httpx.Response:
    headers = {**control.auth(role), "content-type": SAMPLES_MEDIA_TYPE}
    body = msgspec.msgpack.encode({"samples": samples})
    return control.client.post("/v1/edge/samples", content=body, headers=headers)


def items(control: Control) -> list[WatchItemRecord]:
    with control.client.app.state.control.database.read() as session:  # type: ignore[attr-defined]
        records = list(session.scalars(select(WatchItemRecord).order_by(WatchItemRecord.id)))
        session.expunge_all()
        return records


def test_html_text_leaves_scripts_and_styles_out() -> None:
    assert html_text(THREAT_PAGE) == "I will kill you Mark Smith"


def test_json_text_is_its_string_values() -> None:
    document = json.dumps({"posts": [{"id": 3, "text": "hello"}, {"text": "there"}], "n": "  "})
    assert json_text(document) == "hello\nthere"
    assert json_text('{"cut at the lim') == ""


def test_sample_text_follows_the_charset() -> None:
    assert (
        sample_text("text/html; charset=iso-8859-1", "<p>caf\xe9</p>".encode("latin-1")) == "café"
    )
    assert sample_text("application/json", b'["a"]') == "a"
    assert sample_text("text/html; charset=nonsense", b"<p>x</p>") == "x"


def test_samples_become_watch_items_with_their_labels(control: Control) -> None:
    control.add_zone("forum")
    blank = sample("r2", b"<html><body><script>1</script></body></html>")
    response = post(control, [sample("r1"), blank])
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "empty": 1}
    (item,) = items(control)
    assert (item.item_id, item.url, item.author) == ("r1", "https://forum.example/t/1?page=2", None)
    assert "targeted_threat" in item.labels
    again = post(control, [sample("r1"), blank])
    assert again.json() == {"stored": 0, "duplicates": 1, "empty": 1}


@pytest.mark.parametrize(
    ("samples", "sentence"),
    [
        ([sample("r1"), sample("r2", zone="nowhere")], "There is no zone named 'nowhere'"),
        ([sample("r1"), sample("r2", body="text")], "samples[1].body: Expected `bytes`"),
        ([sample("r1"), sample("r2", scheme="ftp")], "samples[1].scheme: Expected `str`"),
        ([], "samples: Expected `array` of length >= 1"),
    ],
)
def test_bad_batches_are_answered_with_a_sentence_and_nothing_is_stored(
    control: Control, samples: list[dict[str, Any]], sentence: str
) -> None:
    control.add_zone("forum")
    response = post(control, samples)
    assert response.status_code == 422
    assert sentence in response.json()["message"]
    assert items(control) == []


def test_only_the_edge_and_admin_roles_send_samples(control: Control) -> None:
    control.add_zone("forum")
    assert post(control, [sample()], role="viewer").status_code == 403
    assert post(control, [sample()], role="admin").status_code == 200


def test_a_batch_in_json_or_not_in_messagepack_is_refused_with_what_to_send(
    control: Control,
) -> None:
    control.add_zone("forum")
    as_json = control.client.post(
        "/v1/edge/samples",
        json={"samples": [{**sample(), "body": "PHA+aGk8L3A+"}]},
        headers=control.auth("edge"),
    )
    assert as_json.status_code == 415
    assert as_json.json()["error"] == "unsupported_media_type"
    assert as_json.json()["message"] == (
        "Samples are read as MessagePack only: send them with Content-Type "
        f"{SAMPLES_MEDIA_TYPE}, not application/json."
    )
    garbled = control.client.post(
        "/v1/edge/samples",
        content=b"\xc1 not MessagePack",
        headers={**control.auth("edge"), "content-type": SAMPLES_MEDIA_TYPE},
    )
    assert garbled.status_code == 422
    assert garbled.json()["message"].startswith("The body is not MessagePack")
    assert items(control) == []


def test_the_api_schema_names_the_media_type(control: Control) -> None:
    route = control.client.get("/openapi.json").json()["paths"]["/v1/edge/samples"]["post"]
    assert list(route["requestBody"]["content"]) == [SAMPLES_MEDIA_TYPE]
