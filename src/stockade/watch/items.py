"""Pushed items: each is stored with what the analysers found in it, and each signal it
raises (a targeted threat, a doxx, a swatting call, an incitement) is stored as a signal
event, with the target it names clustered among the zone's targets and its author.

One batch is one transaction: every item is checked before any is written, so a batch
with one bad item stores nothing. An item already stored (same zone, same id) is left as
it is, so a platform may send a batch again after a timeout.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from stockade.store.models import SignalEventRecord, WatchItemRecord, ZoneRecord, utcnow
from stockade.watch.analyze import Analyzer, Result
from stockade.watch.model import default_model
from stockade.watch.signals import KINDS, TargetMatch, cluster_targets

# Spans that name someone, in the order one is preferred as an item's target.
TARGET_KINDS: Final = ("protected_person", "name", "handle", "first_name")
# A clock ahead of ours by this much is tolerated; beyond, the time is refused.
CLOCK_SKEW: Final = timedelta(minutes=5)
MENTION_LENGTH: Final = 200


class ItemError(ValueError):
    """A batch that cannot be stored; the message says which item and how to fix it."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass(frozen=True, slots=True)
class PushedItem:
    item_id: str
    zone: str
    url: str | None
    author: str | None
    time: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Ingested:
    """What became of one pushed item: stored now, or already stored before."""

    item_id: str
    zone: str
    duplicate: bool
    labels: list[str]
    signals: list[str]


@functools.cache
def shipped_analyzer() -> Analyzer:
    """The analyser with the model shipped in the package, loaded once per process."""
    return Analyzer(default_model())


def target_mention(result: Result) -> str | None:
    """The name, handle or protected person the item's spans point at, if any."""
    for kind in TARGET_KINDS:
        for span in result.spans:
            if span.label == "target" and span.kind == kind:
                return span.text.strip()[:MENTION_LENGTH] or None
    return None


def signal_kinds(result: Result) -> list[str]:
    return [kind for kind in KINDS if kind in result.labels]


def ingest(session: Session, items: Sequence[PushedItem], analyzer: Analyzer) -> list[Ingested]:
    """Store `items` and their signal events in the session's transaction."""
    _check_batch(items)
    zone_ids = _zone_ids(session, {item.zone for item in items})
    stored = {
        (record.zone_id, record.item_id): record
        for record in session.scalars(
            select(WatchItemRecord).where(
                tuple_(WatchItemRecord.zone_id, WatchItemRecord.item_id).in_(
                    [(zone_ids[item.zone], item.item_id) for item in items]
                )
            )
        )
    }
    fresh = [item for item in items if (zone_ids[item.zone], item.item_id) not in stored]
    results = {(item.zone, item.item_id): analyzer.analyze(item.text) for item in fresh}
    mentions = {
        key: mention for key, result in results.items() if (mention := target_mention(result))
    }
    clusters = _clusters(session, zone_ids, mentions.items())
    answers = []
    for item in items:
        previous = stored.get((zone_ids[item.zone], item.item_id))
        if previous is not None:
            kinds = sorted({event.kind for event in _events_of(session, previous.id)})
            answers.append(Ingested(item.item_id, item.zone, True, previous.labels, kinds))
            continue
        result = results[(item.zone, item.item_id)]
        record = WatchItemRecord(
            zone_id=zone_ids[item.zone],
            item_id=item.item_id,
            url=item.url,
            author=item.author,
            posted_at=item.time,
            text=item.text,
            labels=result.labels,
            scores={label: round(score, 4) for label, score in result.scores.items()},
            spans=[span.as_json() for span in result.spans],
        )
        session.add(record)
        session.flush()
        mention = mentions.get((item.zone, item.item_id))
        match = clusters[item.zone].get(mention) if mention else None
        kinds = signal_kinds(result)
        for kind in kinds:
            session.add(
                SignalEventRecord(
                    zone_id=record.zone_id,
                    item_ref=record.id,
                    kind=kind,
                    target_mention=mention,
                    target_key=match.key[:MENTION_LENGTH] if match else None,
                    target_label=match.label[:MENTION_LENGTH] if match else None,
                    author=item.author,
                    posted_at=item.time,
                )
            )
        answers.append(Ingested(item.item_id, item.zone, False, result.labels, kinds))
    session.flush()
    return answers


def _check_batch(items: Sequence[PushedItem]) -> None:
    seen: set[tuple[str, str]] = set()
    latest = utcnow() + CLOCK_SKEW
    for position, item in enumerate(items):
        key = (item.zone, item.item_id)
        if key in seen:
            raise ItemError(
                f"Item '{item.item_id}' of zone '{item.zone}' appears twice in this batch "
                f"(again at position {position}): send each item once.",
                item=item.item_id,
                zone=item.zone,
            )
        seen.add(key)
        if item.time.tzinfo is None:
            raise ItemError(
                f"The time of item '{item.item_id}' has no time zone: give it with one, "
                "such as 2026-01-31T12:00:00Z.",
                item=item.item_id,
            )
        if item.time > latest:
            raise ItemError(
                f"Item '{item.item_id}' is dated {item.time.isoformat()}, in the future: "
                "send the time it was posted, with its time zone.",
                item=item.item_id,
            )


def _zone_ids(session: Session, names: set[str]) -> dict[str, int]:
    rows = session.execute(select(ZoneRecord.name, ZoneRecord.id).where(ZoneRecord.name.in_(names)))
    found = {name: zone_id for name, zone_id in rows}
    unknown = sorted(names - set(found))
    if unknown:
        raise ItemError(
            f"There is no zone named {', '.join(repr(name) for name in unknown)}: items "
            "can only be pushed to an existing zone; list them with `stockade zone list` "
            "(GET /v1/zones). Nothing of this batch was stored.",
            zones=unknown,
        )
    return found


def _clusters(
    session: Session,
    zone_ids: dict[str, int],
    mentions: Iterable[tuple[tuple[str, str], str]],
) -> dict[str, dict[str, TargetMatch]]:
    """For each zone, every mention it knows (stored and new) with its cluster."""
    by_zone: dict[str, set[str]] = {zone: set() for zone in zone_ids}
    for (zone, _item_id), mention in mentions:
        by_zone[zone].add(mention)
    names = {zone_id: zone for zone, zone_id in zone_ids.items()}
    known = session.execute(
        select(SignalEventRecord.zone_id, SignalEventRecord.target_mention)
        .where(
            SignalEventRecord.zone_id.in_(list(names)),
            SignalEventRecord.target_mention.is_not(None),
        )
        .distinct()
    )
    for zone_id, stored in known:
        if stored is not None:
            by_zone[names[zone_id]].add(stored)
    return {zone: dict(cluster_targets(found)) for zone, found in by_zone.items()}


def _events_of(session: Session, item_ref: int) -> list[SignalEventRecord]:
    return list(
        session.scalars(select(SignalEventRecord).where(SignalEventRecord.item_ref == item_ref))
    )
