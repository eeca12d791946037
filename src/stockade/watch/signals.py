"""Signal events and their hourly series, per zone and per target.

A signal event is one analysed item that crossed a threshold: a targeted threat, a doxx, a
swatting call. The surge detector reads them as hourly series: one per zone, one per
target of a zone. A target is named many ways ("Jane Doe", "jane", "@janedoe", "J. Doe"),
so mentions are clustered under one key first, by rules that each say why they matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

KINDS: Final = ("targeted_threat", "doxx", "swat", "incitement")

HOUR: Final = timedelta(hours=1)

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True, slots=True)
class SignalEvent:
    """One item that raised a signal: where, against whom, by whom, when and what."""

    zone: str
    target: str | None  # a key from cluster_targets, None when nobody is identified
    author: str | None
    time: datetime
    kind: str
    item_id: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown signal kind {self.kind!r}: use one of {', '.join(KINDS)}.")
        if self.time.tzinfo is None:
            raise ValueError(
                f"The time of item {self.item_id} has no time zone: give it in UTC "
                "(such as 2025-01-31T12:00:00+00:00)."
            )


def hour_of(time: datetime) -> datetime:
    """The UTC hour `time` falls in: 12:47+02:00 -> 10:00 UTC."""
    return time.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# hourly series


@dataclass(slots=True)
class HourBucket:
    """What one series received in one hour."""

    hour: datetime
    count: int = 0
    authors: set[str] = field(default_factory=set)
    item_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class HourlySeries:
    """The events of one zone or one target, bucketed by UTC hour. Hours without an event
    have no bucket; `dense` fills them in."""

    buckets: dict[datetime, HourBucket] = field(default_factory=dict)

    def add(self, event: SignalEvent) -> None:
        hour = hour_of(event.time)
        bucket = self.buckets.get(hour)
        if bucket is None:
            bucket = self.buckets[hour] = HourBucket(hour)
        bucket.count += 1
        if event.author:
            bucket.authors.add(event.author)
        bucket.item_ids.append(event.item_id)

    def dense(self, start: datetime, end: datetime) -> list[HourBucket]:
        """One bucket for every hour from the hour of `start` to that of `end`, inclusive."""
        hour, last = hour_of(start), hour_of(end)
        found = []
        while hour <= last:
            found.append(self.buckets.get(hour) or HourBucket(hour))
            hour += HOUR
        return found


def hourly_series(
    events: Iterable[SignalEvent], key: Callable[[SignalEvent], Key | None]
) -> dict[Key, HourlySeries]:
    """Events grouped by `key` (skipped when it is None), each group bucketed by hour."""
    series: dict[Key, HourlySeries] = {}
    for event in events:
        group = key(event)
        if group is not None:
            series.setdefault(group, HourlySeries()).add(event)
    return series


def by_zone(events: Iterable[SignalEvent]) -> dict[str, HourlySeries]:
    return hourly_series(events, lambda event: event.zone)


def by_target(events: Iterable[SignalEvent]) -> dict[tuple[str, str], HourlySeries]:
    """Series per (zone, target key); events without a target are left out."""
    return hourly_series(
        events, lambda event: None if event.target is None else (event.zone, event.target)
    )


# target clustering

_NOT_NAME = re.compile(r"[^\w.]+")
_HANDLE_NOISE = re.compile(r"[\W_\d]+")


@dataclass(frozen=True, slots=True)
class TargetMatch:
    """The cluster a mention belongs to, and why."""

    mention: str
    key: str  # "jane doe", or the mention's own form when it matched no name: "@jdoe92"
    label: str  # how people read the key: the most frequent spelling, capitalised on a tie
    reason: str


@dataclass(frozen=True, slots=True)
class _Name:
    first: str
    last: str


def _fold(text: str) -> str:
    """Lower case, without accents or full-width forms: "José" -> "jose"."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(mention: str) -> list[str]:
    return [word for word in _NOT_NAME.split(_fold(mention).replace(".", ". ")) if word]


def _full_name(mention: str) -> _Name | None:
    """First and last name of "Jane Doe" or "Jane A. Doe"; None for other forms."""
    words = [word for word in _words(mention) if len(word.rstrip(".")) > 1]
    if mention.lstrip().startswith("@") or len(words) < 2:
        return None
    if any(word.endswith(".") for word in (words[0], words[-1])):
        return None
    return _Name(words[0], words[-1])


def _handle_spellings(name: _Name) -> dict[str, str]:
    """The compact spellings a handle of `name` may take, and how each is made."""
    first, last = name.first, name.last
    return {
        first + last: "first name and surname",
        last + first: "surname and first name",
        first[0] + last: "initial and surname",
        first + last[0]: "first name and initial",
    }


def cluster_targets(mentions: Iterable[str]) -> dict[str, TargetMatch]:
    """Group the ways one zone's items name their targets. Full names ("Jane Doe", "Jane
    A. Doe") found among the mentions make the clusters; then each other mention joins the
    one cluster it fits, and stays alone when it fits none or several:

    - a handle ("@janedoe", "@jane_doe", "@jdoe", "@doejane") spelling a full name;
    - an initial and a surname ("J. Doe");
    - a first name or a surname alone ("jane", "Doe").

    The result does not depend on the order of `mentions`."""
    counted = Counter(mention.strip() for mention in mentions if mention.strip())
    names: dict[str, _Name] = {}
    spellings: dict[str, Counter[str]] = {}
    for mention in sorted(counted):
        name = _full_name(mention)
        if name is not None:
            key = f"{name.first} {name.last}"
            names[key] = name
            spellings.setdefault(key, Counter())[mention] += counted[mention]
    labels = {
        key: min(found, key=lambda spelling: (-found[spelling], not spelling.istitle(), spelling))
        for key, found in spellings.items()
    }

    def match(mention: str, key: str, reason: str) -> TargetMatch:
        return TargetMatch(mention, key, labels.get(key, mention), reason)

    def only(mention: str, fits: dict[str, str], alone: str) -> TargetMatch:
        if len(fits) == 1:
            ((key, reason),) = fits.items()
            return match(mention, key, reason)
        if fits:
            return match(mention, alone, f"fits several names ({', '.join(sorted(fits))})")
        return match(mention, alone, "fits no full name")

    matches = {}
    for mention in sorted(counted):
        name = _full_name(mention)
        words = _words(mention)
        if not words:
            continue
        if name is not None:
            key = f"{name.first} {name.last}"
            matches[mention] = match(mention, key, f"full name {key}")
        elif mention.lstrip().startswith("@"):
            handle = _HANDLE_NOISE.sub("", _fold(mention))
            fits = {
                key: f"handle spells {key} ({how})"
                for key, candidate in names.items()
                if (how := _handle_spellings(candidate).get(handle))
            }
            matches[mention] = only(mention, fits, "@" + handle)
        elif len(words) >= 2 and len(words[0].rstrip(".")) == 1:
            initial, last = words[0][0], words[-1]
            fits = {
                key: f"initial {initial.upper()}. and surname {last}"
                for key, candidate in names.items()
                if candidate.last == last and candidate.first.startswith(initial)
            }
            matches[mention] = only(mention, fits, f"{initial} {last}")
        else:
            alone = " ".join(word.rstrip(".") for word in words)
            fits = {}
            for key, candidate in names.items():
                if alone == candidate.first:
                    fits[key] = f"first name {alone}, of one full name only"
                elif alone == candidate.last:
                    fits[key] = f"surname {alone}, of one full name only"
            matches[mention] = only(mention, fits, alone)
    return matches
