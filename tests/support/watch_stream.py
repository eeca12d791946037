"""Seeded streams of posts for the watch tests: a zone's ordinary traffic over past days
(now and then a threat against someone, and many harmless posts), then a campaign of
targeted threats against one person by many authors."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from stockade.watch.signals import hour_of

ORDINARY = (
    "Tom Baker you are dead meat, I will stab you",
    "I will find you and break your legs, Paul Martin",
    "I will kill you Mark Smith",
    "@lucy_k you will pay, I'm going to hurt you",
)
HARMLESS = (
    "this traffic is killing me",
    "nice weather today",
    "kill the process and restart it",
    "I'll destroy you next match, gg",
)
CAMPAIGN = (
    "Jane Doe, I know where you live and I will kill you.",
    "@janedoe you will pay, I'm going to hurt you",
    "Someone should shoot Jane Doe, she lives at 12 Rose Street",
    "Jane Doe deserves to die, I will find her and kill her",
    "Call the cops on Jane Doe and tell them she has a gun, swat her",
)
CAMPAIGN_AUTHORS = 17
CAMPAIGN_ITEMS = 40


def seeded_stream(
    now: datetime,
    *,
    zone: str = "forum",
    seed: int = 5,
    days: int = 14,
    campaign: bool = True,
    campaign_hours: int = 24,
) -> list[dict[str, Any]]:
    """Items as the push API takes them, oldest first, all in hours completed by `now`:
    about one threat every four hours and as many harmless posts for `days` days, then
    (with `campaign`) 40 targeted threats against Jane Doe by 17 authors over the last
    `campaign_hours` hours."""
    rng = random.Random(seed)
    end = hour_of(now)
    start = end - timedelta(days=days)
    campaign_start = end - timedelta(hours=campaign_hours) if campaign else end
    items = []

    def item(time: datetime, text: str, author: str) -> None:
        number = len(items)
        items.append(
            {
                "id": f"post-{number}",
                "zone": zone,
                "url": f"https://{zone}.example/t/{number}",
                "author": author,
                "time": time.isoformat(),
                "text": text,
            }
        )

    hour = start
    while hour < campaign_start:
        minute = timedelta(minutes=rng.randrange(60))
        if rng.random() < 0.25:
            item(hour + minute, rng.choice(ORDINARY), f"user{rng.randrange(50)}")
        if rng.random() < 0.25:
            item(hour + minute, rng.choice(HARMLESS), f"user{rng.randrange(50)}")
        hour += timedelta(hours=1)
    if campaign:
        for number in range(CAMPAIGN_ITEMS):
            offset = timedelta(seconds=rng.randrange(campaign_hours * 3600))
            text = CAMPAIGN[number % len(CAMPAIGN)]
            item(campaign_start + offset, text, f"raider{number % CAMPAIGN_AUTHORS}")
    return sorted(items, key=lambda found: str(found["time"]))
