"""Alerts: stored once per series and hour, with the items of their window and the
series around it; listed newest first, a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stockade.store import Database
from stockade.watch.alerts import alert_json, get_alert, list_alerts, record_surge
from stockade.watch.items import PushedItem, ingest, shipped_analyzer
from stockade.watch.surge import Surge

HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def campaign(hour: datetime = HOUR) -> Surge:
    return Surge("Jane Doe", "target", hour, 48, 2, 0.29, 2, 0.14, 1e-5, "watch")


def push(database: Database) -> None:
    items = [
        PushedItem("a", "forum", None, "ann", HOUR + timedelta(minutes=5), "I will kill you Jane Doe"),
        PushedItem("b", "forum", "https://forum.example/b", "bob", HOUR - timedelta(hours=3),
                   "Jane Doe deserves to die, I will find her and kill her"),
        PushedItem("c", "forum", None, "cat", HOUR - timedelta(days=3), "I will kill you Jane Doe"),
        PushedItem("d", "forum", None, "dan", HOUR, "I will kill you Mark Smith"),
    ]  # fmt: skip
    with database.write() as session:
        ingest(session, items, shipped_analyzer())


def test_an_alert_keeps_the_items_of_its_window_and_the_series(forum: Database) -> None:
    push(forum)
    with forum.write() as session:
        record = record_surge(session, campaign(), zone="forum", zone_id=1, target="jane doe")
        assert record is not None
        shown = alert_json(record)
    assert (
        shown["sentence"]
        == "campaign against Jane Doe: 2 threats by 2 authors in 48 h (baseline 0.14 a day)"
    )
    assert (shown["scope"], shown["target"], shown["severity"]) == ("target", "Jane Doe", "watch")
    assert shown["hour"] == HOUR.isoformat().replace("+00:00", "Z")
    evidence = shown["evidence"]
    # Only Jane Doe's threats in the 48 h window: not Mark Smith's, not the one 3 days ago.
    assert [item["id"] for item in evidence["items"]] == ["a", "b"]
    assert evidence["item_count"] == 2
    assert evidence["items"][1]["url"] == "https://forum.example/b"
    assert {span["text"] for span in evidence["items"][0]["spans"]} >= {"Jane Doe"}
    counts = {hour["hour"]: hour["count"] for hour in evidence["series"]}
    assert len(counts) == 7 * 24 + 48 and sum(counts.values()) == 3  # with the one 3 days ago
    assert shown["delivery"] == {
        "status": "none", "attempts": 0, "error": None, "delivered_at": None
    }  # fmt: skip


def test_a_zone_alert_counts_every_signal_of_the_zone(forum: Database) -> None:
    push(forum)
    surge = Surge("forum", "zone", HOUR, 6, 3, 0.5, 3, 2.0, 1e-3, "watch")
    with forum.write() as session:
        record = record_surge(session, surge, zone="forum", zone_id=1)
        assert record is not None
        assert [item["id"] for item in record.evidence["items"]] == ["a", "d", "b"]


def test_one_alert_per_series_and_hour(forum: Database) -> None:
    with forum.write() as session:
        assert record_surge(session, campaign(), zone="forum", zone_id=1, target="jane doe")
        assert record_surge(session, campaign(), zone="forum", zone_id=1, target="jane doe") is None
        assert record_surge(session, campaign(), zone="forum", zone_id=1, target="john roe")


def test_alerts_are_listed_newest_first_a_page_at_a_time(forum: Database) -> None:
    with forum.write() as session:
        for back in range(5):
            record_surge(
                session, campaign(HOUR - timedelta(hours=back)), zone="forum", zone_id=1, target="x"
            )
    with forum.read() as session:
        assert [alert.id for alert in list_alerts(session, limit=2)] == [5, 4]
        assert [alert.id for alert in list_alerts(session, after=4, limit=2)] == [3, 2]
        assert [alert.id for alert in list_alerts(session, after=2)] == [1]
        assert get_alert(session, 3) is not None and get_alert(session, 9) is None
        assert "evidence" not in alert_json(list_alerts(session)[0], evidence=False)
