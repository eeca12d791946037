"""Monitors: pages of a zone fetched on a schedule, their posts taken out with CSS
selectors, for sites that neither push their posts nor are sampled at the edge.

A monitor names a page and, within it, what a post is (`post`) and where in a post its
author, time and text are (`author`, `time`, `text`; each optional). A post's id is the
element's own `id` attribute when it has one (forums give posts stable ids), else a hash
of its author and text, so fetching the same page again yields the same ids and the
store can ignore what it already has.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import httpx
import msgspec
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

log = logging.getLogger("stockade.watch")

# A page larger than this is cut: a monitor reads forum pages, not downloads.
MAX_PAGE_BYTES: Final = 4 * 1024 * 1024
MAX_POSTS_PER_PAGE: Final = 1000


class MonitorError(ValueError):
    """A monitor that cannot run, or a page it could not read; the message says why."""


class Monitor(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One page of a zone to watch."""

    zone: str
    url: str
    post: str
    author: str | None = None
    time: str | None = None
    text: str | None = None
    # Seconds between two fetches.
    every: float = 300.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise MonitorError(
                f"Monitor of zone '{self.zone}': '{self.url}' is not a page address; give an "
                "http(s) URL such as https://forum.example/latest."
            )
        if self.every < 10:
            raise MonitorError(
                f"Monitor of {self.url}: every = {self.every} s would hammer the site; "
                "fetch it every 10 seconds at the most often."
            )
        for role, selector in (
            ("post", self.post),
            ("author", self.author),
            ("time", self.time),
            ("text", self.text),
        ):
            if selector is not None:
                _check_selector(selector, role, self.url)


@dataclass(frozen=True, slots=True)
class Post:
    """A post taken out of a page: what a pushed item holds."""

    id: str
    zone: str
    url: str
    author: str | None
    time: datetime
    text: str


def extract_posts(monitor: Monitor, html: str, fetched_at: datetime) -> list[Post]:
    """Every post of the page, in page order; a post without a time in the page is dated
    when the page was fetched."""
    tree = LexborHTMLParser(html)
    posts = []
    for element in tree.css(monitor.post)[:MAX_POSTS_PER_PAGE]:
        text = _text(element, monitor.text)
        if not text:
            continue
        author = _text(element, monitor.author) or None if monitor.author else None
        # A page's clock may run ahead of ours: no post is dated after it was read.
        posted = min(_time(element, monitor.time) or fetched_at, fetched_at)
        element_id = element.attributes.get("id")
        post_id = element_id or hashlib.sha256(f"{author}\n{text}".encode()).hexdigest()[:24]
        anchor = f"#{element_id}" if element_id else ""
        posts.append(Post(post_id, monitor.zone, monitor.url + anchor, author, posted, text))
    return posts


async def fetch_posts(monitor: Monitor, client: httpx.AsyncClient) -> list[Post]:
    """Fetch the monitor's page and take out its posts; MonitorError if it cannot."""
    try:
        async with client.stream("GET", monitor.url, follow_redirects=True) as response:
            if response.status_code != 200:
                raise MonitorError(
                    f"{monitor.url} answered {response.status_code}; the monitor tries again "
                    "at its next turn."
                )
            body = bytearray()
            async for piece in response.aiter_bytes():
                body += piece
                if len(body) >= MAX_PAGE_BYTES:
                    break
            encoding = response.encoding or "utf-8"
    except httpx.HTTPError as error:
        raise MonitorError(f"Could not fetch {monitor.url}: {error}.") from None
    html = bytes(body[:MAX_PAGE_BYTES]).decode(encoding, errors="replace")
    return extract_posts(monitor, html, datetime.now(UTC))


def load_monitors(path: Path) -> list[Monitor]:
    """The `[[monitors]]` tables of a TOML file; MonitorError names the file and the
    problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MonitorError(f"Cannot read the monitors file {path}: {error.strerror}.") from None
    except tomllib.TOMLDecodeError as error:
        raise MonitorError(f"{path} is not valid TOML: {error}.") from None
    tables = raw.get("monitors", [])
    if set(raw) - {"monitors"} or not isinstance(tables, list):
        raise MonitorError(
            f"{path} should hold only [[monitors]] tables (zone, url, post, author, time, "
            "text, every)."
        )
    try:
        return msgspec.convert(tables, list[Monitor])
    except MonitorError as error:
        raise MonitorError(f"{path}: {error}") from None
    except msgspec.ValidationError as error:
        raise MonitorError(f"{path}: {error}; see docs/watch-surges.md, Monitors.") from None


class MonitorSchedule:
    """The monitors of a worker and when each is due again."""

    def __init__(self, monitors: Sequence[Monitor]) -> None:
        self.monitors = list(monitors)
        self.due = [0.0] * len(self.monitors)

    def poll(self, now: float, timeout: float = 20.0) -> list[Post]:
        """Fetch the monitors due at `now` (seconds, any clock), all at once; a page that
        fails is logged and tried again at the monitor's next turn."""
        due = [index for index, at in enumerate(self.due) if at <= now]
        if not due:
            return []
        for index in due:
            self.due[index] = now + self.monitors[index].every
        return asyncio.run(self._fetch([self.monitors[index] for index in due], timeout))

    async def _fetch(self, monitors: list[Monitor], timeout: float) -> list[Post]:
        async with httpx.AsyncClient(
            timeout=timeout, headers={"user-agent": "stockade-watch"}
        ) as client:
            results = await asyncio.gather(
                *(fetch_posts(monitor, client) for monitor in monitors), return_exceptions=True
            )
        posts: list[Post] = []
        for monitor, result in zip(monitors, results, strict=True):
            if isinstance(result, MonitorError):
                log.warning("monitor of %s: %s", monitor.url, result)
            elif isinstance(result, BaseException):
                raise result
            else:
                posts += result
        return posts


def _check_selector(selector: str, role: str, url: str) -> None:
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except (SelectolaxError, ValueError) as error:
        raise MonitorError(
            f"Monitor of {url}: the {role} selector '{selector}' is not valid CSS ({error}); "
            "write one such as article.post or .post .author."
        ) from None


def _text(element: LexborNode, selector: str | None) -> str:
    found = element.css_first(selector) if selector else element
    if found is None:
        return ""
    return " ".join((found.text(separator=" ") or "").split())


def _time(element: LexborNode, selector: str | None) -> datetime | None:
    """The time of a post: a `datetime` attribute (as <time> has), else the element's text,
    in ISO 8601; None when there is none that reads as a time."""
    if selector is None:
        return None
    found = element.css_first(selector)
    if found is None:
        return None
    written = found.attributes.get("datetime") or found.text() or ""
    try:
        posted = datetime.fromisoformat(written.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return posted if posted.tzinfo is not None else posted.replace(tzinfo=UTC)
