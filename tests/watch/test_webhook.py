"""The webhook, against a real HTTP server on loopback: a post that fails is tried again,
a refusal is not, and every outcome is recorded on the alert; an alert whose post failed
is posted again at the next run, so none is lost."""

from __future__ import annotations

from datetime import UTC, datetime

from stockade.store import Database
from stockade.store.models import AlertRecord
from stockade.watch.alerts import record_surge
from stockade.watch.surge import Surge
from stockade.watch.webhook import Webhook, deliver_unsent
from tests.support.ports import free_port
from tests.support.webhook_receiver import webhook_receiver

HOUR = datetime(2026, 3, 2, 14, tzinfo=UTC)
PAYLOAD = {"id": 1, "sentence": "surge on forum"}


def surge(hour: datetime = HOUR) -> Surge:
    return Surge("forum", "zone", hour, 6, 18, 1.5, 9, 6.3, 1e-12, "critical")


def stored_alert(database: Database) -> int:
    with database.write() as session:
        record = record_surge(session, surge(), zone="forum", zone_id=1, delivery="pending")
        assert record is not None
        return record.id


def alert(database: Database, alert_id: int) -> AlertRecord:
    with database.read() as session:
        record = session.get(AlertRecord, alert_id)
        assert record is not None
        return record


def test_a_post_the_webhook_takes() -> None:
    with webhook_receiver() as receiver:
        outcome = Webhook(receiver.url).post(PAYLOAD)
    assert (outcome.tries, outcome.error) == (1, None)
    assert receiver.received == [PAYLOAD]


def test_a_failing_post_is_tried_again() -> None:
    with webhook_receiver(503, 429) as receiver:
        outcome = Webhook(receiver.url, pause=0.01).post(PAYLOAD)
    assert (outcome.tries, outcome.error) == (3, None)
    assert receiver.received == [PAYLOAD]


def test_a_refusal_is_not_tried_again() -> None:
    with webhook_receiver(400) as receiver:
        outcome = Webhook(receiver.url, pause=0.01).post(PAYLOAD)
    assert (outcome.tries, outcome.error) == (1, f"{receiver.url} answered 400")


def test_a_webhook_nobody_listens_on() -> None:
    url = f"http://127.0.0.1:{free_port()}/alerts"
    outcome = Webhook(url, retries=2, pause=0.01).post(PAYLOAD)
    assert outcome.tries == 3
    assert outcome.error is not None and outcome.error.startswith(f"cannot post to {url}")


def test_a_failed_alert_is_recorded_then_delivered_at_the_next_run(forum: Database) -> None:
    alert_id = stored_alert(forum)
    down = Webhook(f"http://127.0.0.1:{free_port()}/alerts", retries=1, pause=0.01)
    assert deliver_unsent(forum, down) == 0
    failed = alert(forum, alert_id)
    assert (failed.delivery, failed.delivery_attempts) == ("failed", 2)
    assert failed.delivery_error is not None and "cannot post to" in failed.delivery_error
    with webhook_receiver() as receiver:
        assert deliver_unsent(forum, Webhook(receiver.url)) == 1
        assert deliver_unsent(forum, Webhook(receiver.url)) == 0  # delivered once only
    delivered = alert(forum, alert_id)
    assert (delivered.delivery, delivered.delivery_attempts) == ("delivered", 3)
    assert delivered.delivery_error is None and delivered.delivered_at is not None
    assert [posted["id"] for posted in receiver.received] == [alert_id]
    assert receiver.received[0]["delivery"]["status"] == "failed"  # as it was when posted
