"""Alerts: a surge stored with its evidence, the items behind it with their spans and the
hourly series around it, and its one JSON form, which the API answers with and the
webhook receives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockade.store.models import AlertRecord, SignalEventRecord, WatchItemRecord
from stockade.watch.signals import HOUR, HourlySeries, SignalEvent
from stockade.watch.surge import Surge

# The items an alert shows at most, newest first; the count says how many there were.
EVIDENCE_ITEMS: Final = 200
# The series an alert shows starts this long before its window.
SERIES_BEFORE: Final = timedelta(days=7)
TARGETED: Final = "targeted_threat"


def find_alert(session: Session, zone: str, surge: Surge, series: str) -> AlertRecord | None:
    return session.scalar(
        select(AlertRecord).where(
            AlertRecord.zone_name == zone,
            AlertRecord.scope == surge.scope,
            AlertRecord.series == series,
            AlertRecord.hour == surge.hour,
        )
    )


def record_surge(
    session: Session,
    surge: Surge,
    *,
    zone: str,
    zone_id: int,
    target: str | None = None,
    delivery: str = "none",
) -> AlertRecord | None:
    """Store `surge` of `zone` (of `target`, a target key, for a target surge) with its
    evidence; None when that series already has an alert for that hour."""
    series = target if target is not None else zone
    if find_alert(session, zone, surge, series) is not None:
        return None
    record = AlertRecord(
        zone_name=zone,
        scope=surge.scope,
        series=series,
        target=surge.key if surge.scope == "target" else None,
        hour=surge.hour,
        window_hours=surge.window_hours,
        observed=surge.observed,
        expected=surge.expected,
        authors=surge.authors,
        baseline_per_day=surge.baseline_per_day,
        p_value=surge.p_value,
        severity=surge.severity,
        sentence=surge.sentence(),
        evidence=gather_evidence(session, surge, zone_id=zone_id, target=target),
        delivery=delivery,
        delivery_attempts=0,
    )
    session.add(record)
    session.flush()
    return record


def gather_evidence(
    session: Session, surge: Surge, *, zone_id: int, target: str | None
) -> dict[str, Any]:
    """The items of the surge's window with their spans, and the hourly series from a
    week before the window to its end."""
    window_start = surge.hour - (surge.window_hours - 1) * HOUR
    query = (
        select(SignalEventRecord, WatchItemRecord)
        .join(WatchItemRecord, SignalEventRecord.item_ref == WatchItemRecord.id)
        .where(
            SignalEventRecord.zone_id == zone_id,
            SignalEventRecord.posted_at >= window_start - SERIES_BEFORE,
            SignalEventRecord.posted_at < surge.hour + HOUR,
        )
        .order_by(SignalEventRecord.posted_at.desc(), SignalEventRecord.id)
    )
    if target is not None:
        query = query.where(
            SignalEventRecord.target_key == target, SignalEventRecord.kind == TARGETED
        )
    series = HourlySeries()
    items: dict[int, dict[str, Any]] = {}
    for event, item in session.execute(query):
        series.add(
            SignalEvent(
                zone=str(zone_id),
                target=event.target_key,
                author=event.author,
                time=event.posted_at,
                kind=event.kind,
                item_id=item.item_id,
            )
        )
        if event.posted_at >= window_start:
            shown = items.get(item.id)
            if shown is None:
                shown = items[item.id] = _item_json(item)
            shown["signals"].append(event.kind)
    return {
        "item_count": len(items),
        "items": list(items.values())[:EVIDENCE_ITEMS],
        "series": [
            {"hour": _iso(bucket.hour), "count": bucket.count, "authors": len(bucket.authors)}
            for bucket in series.dense(window_start - SERIES_BEFORE, surge.hour)
        ],
        "window_start": _iso(window_start),
    }


def _item_json(item: WatchItemRecord) -> dict[str, Any]:
    return {
        "id": item.item_id,
        "url": item.url,
        "author": item.author,
        "time": _iso(item.posted_at),
        "text": item.text,
        "labels": list(item.labels),
        "spans": list(item.spans),
        "signals": [],
    }


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat().replace("+00:00", "Z")


def alert_json(record: AlertRecord, *, evidence: bool = True) -> dict[str, Any]:
    """The alert as the API and the webhook show it; the list leaves the evidence out."""
    found: dict[str, Any] = {
        "id": record.id,
        "zone": record.zone_name,
        "scope": record.scope,
        "target": record.target,
        "hour": _iso(record.hour),
        "window_hours": record.window_hours,
        "observed": record.observed,
        "expected": round(record.expected, 3),
        "authors": record.authors,
        "baseline_per_day": round(record.baseline_per_day, 3),
        "p_value": record.p_value,
        "severity": record.severity,
        "sentence": record.sentence,
        "created_at": _iso(record.created_at),
        "delivery": {
            "status": record.delivery,
            "attempts": record.delivery_attempts,
            "error": record.delivery_error,
            "delivered_at": _iso(record.delivered_at),
        },
    }
    if evidence:
        found["evidence"] = record.evidence
    return found


def list_alerts(
    session: Session, *, after: int | None = None, limit: int | None = None
) -> Sequence[AlertRecord]:
    """Alerts, newest first; with `after`, those older than that alert; at most `limit`."""
    query = select(AlertRecord).order_by(AlertRecord.id.desc())
    if after is not None:
        query = query.where(AlertRecord.id < after)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def get_alert(session: Session, alert_id: int) -> AlertRecord | None:
    return session.get(AlertRecord, alert_id)
