"""Pushed items: stored with what the analysers found, signal events with their clustered
target and author; a batch is stored whole or not at all, and sending it again changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from stockade.desk.zones import delete_zone
from stockade.store import Database
from stockade.store.models import SignalEventRecord, WatchItemRecord
from stockade.watch.items import ItemError, PushedItem, ingest, shipped_analyzer
from tests.watch.conftest import add_zone

NOW = datetime.now(UTC)


def item(item_id: str, text: str, *, zone: str = "forum", author: str | None = "ann") -> PushedItem:
    return PushedItem(item_id, zone, f"https://forum.example/{item_id}", author, NOW, text)


def counts(database: Database) -> tuple[int, int]:
    with database.read() as session:
        return (
            session.scalar(select(func.count()).select_from(WatchItemRecord)) or 0,
            session.scalar(select(func.count()).select_from(SignalEventRecord)) or 0,
        )


def test_items_and_their_signal_events_are_stored(forum: Database) -> None:
    batch = [
        item("1", "Jane Doe, I know where you live and I will kill you."),
        item("2", "@janedoe you will pay, I'm going to hurt you", author="bob"),
        item("3", "this traffic is killing me"),
    ]
    with forum.write() as session:
        results = ingest(session, batch, shipped_analyzer())
    assert [result.signals for result in results] == [["targeted_threat"], ["targeted_threat"], []]
    assert "targeted_threat" in results[0].labels and results[2].labels == []
    with forum.read() as session:
        events = session.scalars(select(SignalEventRecord).order_by(SignalEventRecord.id)).all()
        stored = session.scalars(select(WatchItemRecord).order_by(WatchItemRecord.id)).all()
        # The handle joins the full name named in the same batch.
        assert [(e.target_mention, e.target_key, e.target_label, e.author) for e in events] == [
            ("Jane Doe", "jane doe", "Jane Doe", "ann"),
            ("@janedoe", "jane doe", "Jane Doe", "bob"),
        ]
        assert stored[0].url == "https://forum.example/1"
        assert any(
            span["kind"] == "name" and span["text"] == "Jane Doe" for span in stored[0].spans
        )
        assert stored[2].labels == [] and stored[2].spans == []


def test_a_handle_pushed_later_joins_a_name_stored_before(forum: Database) -> None:
    with forum.write() as session:
        ingest(
            session,
            [item("1", "Jane Doe deserves to die, I will find her and kill her")],
            shipped_analyzer(),
        )
    with forum.write() as session:
        ingest(
            session, [item("2", "@jdoe you will pay, I'm going to hurt you")], shipped_analyzer()
        )
    with forum.read() as session:
        keys = session.scalars(select(SignalEventRecord.target_key)).all()
    assert keys == ["jane doe", "jane doe"]


def test_sending_a_batch_again_stores_nothing_twice(forum: Database) -> None:
    batch = [item("1", "I will kill you Mark Smith"), item("2", "nice weather today")]
    with forum.write() as session:
        ingest(session, batch, shipped_analyzer())
    with forum.write() as session:
        again = ingest(session, batch, shipped_analyzer())
    assert [(result.duplicate, result.signals) for result in again] == [
        (True, ["targeted_threat"]),
        (True, []),
    ]
    assert counts(forum) == (2, 1)


def test_the_same_id_in_two_zones_is_two_items(forum: Database) -> None:
    add_zone(forum, "blog")
    with forum.write() as session:
        ingest(session, [item("1", "hello"), item("1", "hello", zone="blog")], shipped_analyzer())
    assert counts(forum) == (2, 0)


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (
            [item("1", "I will kill you Mark Smith"), item("2", "hi", zone="nowhere")],
            "There is no zone named 'nowhere': items can only be pushed to an existing zone",
        ),
        (
            [item("1", "I will kill you Mark Smith"), item("1", "again")],
            "Item '1' of zone 'forum' appears twice in this batch (again at position 1)",
        ),
        (
            [
                item("1", "I will kill you Mark Smith"),
                PushedItem("2", "forum", None, None, NOW + timedelta(hours=2), "later"),
            ],
            "Item '2' is dated",
        ),
        (
            [PushedItem("1", "forum", None, None, NOW.replace(tzinfo=None), "naive")],
            "The time of item '1' has no time zone",
        ),
    ],
)
def test_a_bad_batch_is_refused_with_a_sentence_and_nothing_is_stored(
    forum: Database, batch: list[PushedItem], message: str
) -> None:
    with pytest.raises(ItemError) as raised, forum.write() as session:
        ingest(session, batch, shipped_analyzer())
    assert message in raised.value.message
    assert raised.value.message.endswith(".")
    assert counts(forum) == (0, 0)


def test_the_shipped_analyzer_is_loaded_once() -> None:
    assert shipped_analyzer() is shipped_analyzer()


def test_removing_a_zone_removes_its_items_and_their_events(forum: Database) -> None:
    with forum.write() as session:
        ingest(session, [item("1", "I will kill you Mark Smith")], shipped_analyzer())
    with forum.write() as session:
        delete_zone(session, "forum")
    assert counts(forum) == (0, 0)
