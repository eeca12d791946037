"""The alert webhook: each new alert is posted as JSON to STOCKADE_WATCH_WEBHOOK.

A post that fails (no connection, a timeout, a 5xx, 408 or 429) is tried again at once a
few times, with a growing pause; what became of it is recorded on the alert. An alert
whose post failed stays `failed` and is posted again at the worker's next run, until the
webhook takes it: an alert is never lost for a webhook being down.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Final

import httpx
from sqlalchemy import select

from stockade.store import Database
from stockade.store.models import AlertRecord, utcnow
from stockade.watch.alerts import alert_json

log = logging.getLogger("stockade.watch")

# Answers that a later try may change; any other 4xx is the receiver refusing the alert.
_RETRYABLE: Final = frozenset({408, 429})
UNSENT: Final = ("pending", "failed")


@dataclass(frozen=True, slots=True)
class Delivery:
    tries: int
    error: str | None  # None when the webhook took the alert


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    timeout: float = 10.0
    retries: int = 3
    pause: float = 0.5  # before the first retry; doubled before each next one

    def post(self, payload: dict[str, Any]) -> Delivery:
        error = "not tried"
        tries = 0
        with httpx.Client(timeout=self.timeout) as client:
            for attempt in range(self.retries + 1):
                if attempt:
                    time.sleep(self.pause * 2 ** (attempt - 1))
                tries += 1
                try:
                    response = client.post(self.url, json=payload)
                except httpx.TimeoutException:
                    error = f"{self.url} did not answer within {self.timeout:g} s"
                    continue
                except httpx.HTTPError as failure:
                    error = f"cannot post to {self.url}: {failure}"
                    continue
                if response.is_success:
                    return Delivery(tries, None)
                error = f"{self.url} answered {response.status_code}"
                if response.status_code < 500 and response.status_code not in _RETRYABLE:
                    break
        return Delivery(tries, error)


def deliver_unsent(database: Database, webhook: Webhook) -> int:
    """Post every alert not yet delivered, oldest first; return how many were delivered.
    Each outcome is written in its own transaction, right after its post."""
    with database.read() as session:
        unsent = list(
            session.scalars(
                select(AlertRecord.id)
                .where(AlertRecord.delivery.in_(UNSENT))
                .order_by(AlertRecord.id)
            )
        )
    delivered = 0
    for alert_id in unsent:
        with database.read() as session:
            record = session.get(AlertRecord, alert_id)
            if record is None or record.delivery not in UNSENT:
                continue
            payload = alert_json(record)
        outcome = webhook.post(payload)
        with database.write() as session:
            record = session.get(AlertRecord, alert_id)
            if record is None:
                continue
            record.delivery_attempts += outcome.tries
            if outcome.error is None:
                record.delivery, record.delivered_at, record.delivery_error = (
                    "delivered",
                    utcnow(),
                    None,
                )
                delivered += 1
            else:
                record.delivery, record.delivery_error = "failed", outcome.error
                log.warning(
                    "alert %s not delivered to the webhook after %s tries: %s; it will be "
                    "posted again at the next run",
                    alert_id,
                    outcome.tries,
                    outcome.error,
                )
    return delivered
