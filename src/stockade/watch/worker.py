"""The watch worker: at each run, the signal events of the hours completed since the last
run go to one surge detector per zone and one per target of a zone; each surge found is
stored as an alert with its evidence, and alerts not yet delivered are posted to the
webhook.

The detectors live in memory. On start they are rebuilt from the stored events of the
hours a baseline needs (the baseline days, the days the longest window reaches, and one
more), so a restarted worker knows the same baselines and cooldowns; a surge found again
while rebuilding is not stored twice (one alert per series and hour).

An hour is read once it is over. Events that arrive for an hour already read are stored
and shown as evidence, but do not count in that hour's test.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from stockade.config import Settings
from stockade.store import Database
from stockade.store.models import SignalEventRecord, ZoneRecord, utcnow
from stockade.watch.alerts import TARGETED, record_surge
from stockade.watch.items import ItemError, PushedItem, ingest, shipped_analyzer
from stockade.watch.monitors import MonitorSchedule, Post, load_monitors
from stockade.watch.signals import HourlySeries, SignalEvent, by_target, by_zone, hour_of
from stockade.watch.surge import TARGET_SETTINGS, ZONE_SETTINGS, SurgeDetector, SurgeSettings
from stockade.watch.webhook import Webhook, deliver_unsent

log = logging.getLogger("stockade.watch")

Clock = Callable[[], datetime]


def history_needed(*settings: SurgeSettings) -> timedelta:
    """How far back a new worker reads, so its detectors have their baselines."""
    return timedelta(days=max(each.baseline_days + each.gap_days + 1 for each in settings))


class WatchWorker:
    def __init__(
        self,
        database: Database,
        webhook: Webhook | None = None,
        *,
        zone_settings: SurgeSettings = ZONE_SETTINGS,
        target_settings: SurgeSettings = TARGET_SETTINGS,
        clock: Clock = utcnow,
        monitors: MonitorSchedule | None = None,
    ) -> None:
        self.database = database
        self.webhook = webhook
        self.monitors = monitors
        self.zone_settings = zone_settings
        self.target_settings = target_settings
        self.clock = clock
        self.zones: dict[str, SurgeDetector] = {}
        self.targets: dict[tuple[str, str], SurgeDetector] = {}
        self.next_hour: datetime | None = None  # the first hour not read yet
        self.first_hours: dict[str, datetime] = {}  # the first hour of each zone's detector

    def run_once(self) -> list[int]:
        """Fetch the monitors that are due, then read the hours completed since the last
        run; return the ids of new alerts."""
        if self.monitors is not None:
            self._store(self.monitors.poll(self.clock().timestamp()))
        end = hour_of(self.clock())
        start = self.next_hour or end - history_needed(self.zone_settings, self.target_settings)
        created: list[int] = []
        if start < end:
            events, labels = self._events(start, end)
            for zone, series in sorted(by_zone(events).items()):
                detector = self.zones.get(zone)
                if detector is None:
                    detector = self.zones[zone] = SurgeDetector(zone, "zone", self.zone_settings)
                    self.first_hours[zone] = min(series.buckets)
                created += self._feed(detector, series, zone, None)
            targeted = [event for event in events if event.kind == TARGETED]
            for (zone, target), series in sorted(by_target(targeted).items()):
                detector = self.targets.get((zone, target))
                if detector is None:
                    label = labels.get((zone, target), target)
                    detector = SurgeDetector(label, "target", self.target_settings)
                    self.targets[(zone, target)] = detector
                    # A target first named today was named by nobody while the zone was
                    # watched: its history is the zone's, not only its own.
                    zone_start = self.first_hours[zone]
                    if zone_start < min(series.buckets):
                        detector.observe(zone_start, 0)
                created += self._feed(detector, series, zone, target)
            self.next_hour = end
        if self.webhook is not None:
            deliver_unsent(self.database, self.webhook)
        return created

    def run(self, interval: float, stopping: threading.Event) -> None:
        """Run every `interval` seconds until `stopping` is set. A database that cannot
        be reached is logged and tried again at the next run."""
        while not stopping.is_set():
            try:
                created = self.run_once()
            except SQLAlchemyError as error:
                log.error("watch run failed, tried again in %g s: %s", interval, error)
            else:
                if created:
                    log.info("new alerts: %s", ", ".join(map(str, created)))
            stopping.wait(interval)

    def _store(self, posts: list[Post]) -> None:
        """Posts the monitors read, stored as pushed items are: each page in a transaction
        of its own, so that one monitor's unknown zone loses no other page."""
        by_page: dict[str, list[PushedItem]] = {}
        for post in posts:
            item = PushedItem(post.id, post.zone, post.url, post.author, post.time, post.text)
            by_page.setdefault(post.url.partition("#")[0], []).append(item)
        for url, items in by_page.items():
            try:
                with self.database.write() as session:
                    ingest(session, items, shipped_analyzer())
            except ItemError as error:
                log.warning("monitor of %s: its posts were not stored: %s", url, error)

    def _events(
        self, start: datetime, end: datetime
    ) -> tuple[list[SignalEvent], dict[tuple[str, str], str]]:
        """The events posted in [start, end), and the label of each (zone, target key)."""
        events: list[SignalEvent] = []
        labels: dict[tuple[str, str], str] = {}
        query = (
            select(SignalEventRecord, ZoneRecord.name)
            .join(ZoneRecord, SignalEventRecord.zone_id == ZoneRecord.id)
            .where(SignalEventRecord.posted_at >= start, SignalEventRecord.posted_at < end)
            .order_by(SignalEventRecord.posted_at, SignalEventRecord.id)
        )
        with self.database.read() as session:
            for event, zone in session.execute(query):
                events.append(
                    SignalEvent(
                        zone=zone,
                        target=event.target_key,
                        author=event.author,
                        time=event.posted_at,
                        kind=event.kind,
                        item_id=str(event.item_ref),
                    )
                )
                if event.target_key is not None and event.target_label is not None:
                    labels[(zone, event.target_key)] = event.target_label
        return events, labels

    def _feed(
        self, detector: SurgeDetector, series: HourlySeries, zone: str, target: str | None
    ) -> list[int]:
        created = []
        for hour in sorted(series.buckets):
            bucket = series.buckets[hour]
            surge = detector.observe(hour, bucket.count, bucket.authors)
            if surge is None:
                continue
            try:
                with self.database.write() as session:
                    zone_id = session.scalar(select(ZoneRecord.id).where(ZoneRecord.name == zone))
                    if zone_id is None:
                        continue  # the zone was removed since
                    record = record_surge(
                        session,
                        surge,
                        zone=zone,
                        zone_id=zone_id,
                        target=target,
                        delivery="pending" if self.webhook is not None else "none",
                    )
                    if record is not None:
                        created.append(record.id)
                        log.warning("alert %s on %s: %s", record.id, zone, record.sentence)
            except IntegrityError:
                pass  # another worker stored this alert first
        return created


def webhook_of(settings: Settings) -> Webhook | None:
    if settings.watch_webhook is None:
        return None
    return Webhook(
        settings.watch_webhook,
        timeout=settings.watch_webhook_timeout,
        retries=settings.watch_webhook_retries,
    )


def run_worker(settings: Settings, stopping: threading.Event) -> None:
    """`stockade watch run`: bring the database up to date, then run until stopped."""
    database = Database(settings.database)
    try:
        database.migrate()
        monitors = (
            MonitorSchedule(load_monitors(settings.watch_monitors))
            if settings.watch_monitors is not None
            else None
        )
        WatchWorker(database, webhook_of(settings), monitors=monitors).run(
            settings.watch_interval, stopping
        )
    finally:
        database.dispose()
