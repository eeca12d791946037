"""The watch worker: a seeded stream of posts goes in, a campaign against one person comes
out as an alert with its evidence; ordinary traffic raises none; a restarted worker
rebuilds its detectors without storing an alert twice; the webhook receives each alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from stockade.store import Database
from stockade.store.models import AlertRecord, SignalEventRecord, WatchItemRecord
from stockade.watch.items import ingest, shipped_analyzer
from stockade.watch.monitors import Monitor, MonitorSchedule
from stockade.watch.surge import TARGET_SETTINGS, ZONE_SETTINGS
from stockade.watch.webhook import Webhook
from stockade.watch.worker import WatchWorker, history_needed
from tests.support.origin import Origin, respond
from tests.support.watch_stream import CAMPAIGN_AUTHORS, CAMPAIGN_ITEMS, seeded_stream
from tests.support.webhook_receiver import webhook_receiver
from tests.watch.conftest import pushed

NOW = datetime.now(UTC).replace(minute=30)


def push(database: Database, *, campaign: bool = True) -> None:
    items = [pushed(item) for item in seeded_stream(NOW, campaign=campaign)]
    with database.write() as session:
        ingest(session, items, shipped_analyzer())


def alerts(database: Database) -> list[AlertRecord]:
    with database.read() as session:
        return list(session.scalars(select(AlertRecord).order_by(AlertRecord.id)))


def test_a_campaign_against_one_person_raises_an_alert_with_its_evidence(forum: Database) -> None:
    push(forum)
    created = WatchWorker(forum, clock=lambda: NOW).run_once()
    found = alerts(forum)
    assert [alert.id for alert in found] == created
    campaign = [alert for alert in found if alert.scope == "target"]
    # One alert as the campaign starts, another each time it reaches a higher severity.
    assert 1 <= len(campaign) <= 3
    assert {(alert.target, alert.series) for alert in campaign} == {("Jane Doe", "jane doe")}
    alert = campaign[-1]
    # Found early in the campaign: a few threats by several authors, far above nothing.
    assert alert.sentence == (
        f"campaign against Jane Doe: {alert.observed} threats by {alert.authors} authors "
        "in 48 h (baseline 0.14 a day)"
    )
    assert 3 <= alert.authors <= CAMPAIGN_AUTHORS
    assert alert.severity == "critical" and alert.delivery == "none"
    evidence = alert.evidence
    assert evidence["item_count"] == alert.observed <= CAMPAIGN_ITEMS
    first = evidence["items"][0]
    assert first["id"].startswith("post-") and first["author"].startswith("raider")
    assert "targeted_threat" in first["signals"]
    assert any(span["label"] == "target" for span in first["spans"])
    # The series: a week before the 48 h window and the window, hour by hour.
    assert len(evidence["series"]) == 7 * 24 + 48
    assert sum(hour["count"] for hour in evidence["series"][-48:]) == alert.observed
    # The zone saw the rise too.
    assert any(alert.scope == "zone" and alert.series == "forum" for alert in found)


def test_ordinary_traffic_raises_no_alert(forum: Database) -> None:
    push(forum, campaign=False)
    assert WatchWorker(forum, clock=lambda: NOW).run_once() == []


def test_a_restarted_worker_rebuilds_its_detectors_and_stores_no_alert_twice(
    forum: Database,
) -> None:
    push(forum)
    first = WatchWorker(forum, clock=lambda: NOW)
    created = first.run_once()
    assert created
    assert first.run_once() == []  # nothing new within the same hour
    assert WatchWorker(forum, clock=lambda: NOW).run_once() == []
    assert len(alerts(forum)) == len(created)


def test_hours_are_read_once_over_and_only_once(forum: Database) -> None:
    clock = [NOW - timedelta(days=1)]
    worker = WatchWorker(forum, clock=lambda: clock[0])
    push(forum)
    assert worker.run_once() == []  # the campaign is still to come for this clock
    assert worker.next_hour == (NOW - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    clock[0] = NOW
    assert worker.run_once()


def test_history_covers_the_baseline_and_the_longest_window() -> None:
    assert history_needed(ZONE_SETTINGS, TARGET_SETTINGS) == timedelta(days=17)


def test_each_alert_is_posted_to_the_webhook(forum: Database) -> None:
    push(forum)
    with webhook_receiver(503) as receiver:
        worker = WatchWorker(forum, Webhook(receiver.url, pause=0.01), clock=lambda: NOW)
        created = worker.run_once()
        received = receiver.wait_for(len(created))
    assert sorted(alert["id"] for alert in received) == created
    campaign = next(alert for alert in received if alert["scope"] == "target")
    assert campaign["sentence"].startswith("campaign against Jane Doe:")
    assert campaign["evidence"]["items"]
    assert receiver.tries == len(created) + 1  # the 503 was tried again
    assert {alert.delivery for alert in alerts(forum)} == {"delivered"}


def test_posts_of_monitored_pages_are_stored_and_analysed(
    forum: Database, caplog: pytest.LogCaptureFixture
) -> None:
    page = (
        b'<article class="post" id="p-7"><span class="author">raider7</span>'
        b"<p>Jane Doe, we know where you live and we will kill you.</p></article>"
        b'<article class="post" id="p-8"><span class="author">calm</span>'
        b"<p>Nice weather today.</p></article>"
    )
    origin = Origin(handler=lambda request: respond(200, page, {"content-type": "text/html"}))
    try:
        monitors = MonitorSchedule(
            [
                Monitor(zone="forum", url=origin.url + "/latest", post="article", author=".author"),
                Monitor(zone="nowhere", url=origin.url + "/other", post="article"),
            ]
        )
        WatchWorker(forum, clock=lambda: NOW, monitors=monitors).run_once()
    finally:
        origin.close()
    with forum.read() as session:
        items = {item.item_id: item for item in session.scalars(select(WatchItemRecord))}
        kinds = set(session.scalars(select(SignalEventRecord.kind)))
    assert set(items) == {"p-7", "p-8"}
    assert items["p-7"].author == "raider7"
    assert items["p-7"].url == origin.url + "/latest#p-7"
    assert "targeted_threat" in items["p-7"].labels
    assert "targeted_threat" in kinds
    assert "its posts were not stored" in caplog.text and "nowhere" in caplog.text
