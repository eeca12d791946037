"""Monitors: posts taken out of a real page served over HTTP, with the selectors of the
monitor; bad monitors and unreadable pages answered with a sentence."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import ANY

import httpx
import pytest

from stockade.watch.monitors import (
    MAX_POSTS_PER_PAGE,
    Monitor,
    MonitorError,
    MonitorSchedule,
    extract_posts,
    fetch_posts,
    load_monitors,
)
from tests.support.origin import Origin, OriginRequest, respond
from tests.support.ports import free_port

PAGE = """<!doctype html><html><body>
<nav>Forum &gt; Latest</nav>
<article class="post" id="p-101">
  <span class="author">@grim_reader</span>
  <time datetime="2026-11-24T18:02:00Z">an hour ago</time>
  <div class="body">We know where <b>Dana</b> lives. Someone should pay her a visit.</div>
</article>
<article class="post">
  <span class="author">quiet_one</span>
  <time>not a time</time>
  <div class="body">  Calm down,
     everyone. </div>
</article>
<article class="post" id="p-103"><span class="author">x</span><div class="body"></div></article>
</body></html>"""

FETCHED = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)


def monitor(**fields: object) -> Monitor:
    values: dict[str, object] = {
        "zone": "forum",
        "url": "https://forum.example/latest",
        "post": "article.post",
        "author": ".author",
        "time": "time",
        "text": ".body",
    }
    values.update(fields)
    return Monitor(**values)  # type: ignore[arg-type]


def test_posts_come_out_with_their_author_time_text_and_a_stable_id() -> None:
    first, second = extract_posts(monitor(), PAGE, FETCHED)
    assert first.id == "p-101"
    assert first.url == "https://forum.example/latest#p-101"
    assert first.author == "@grim_reader"
    assert first.time == datetime(2026, 11, 24, 18, 2, tzinfo=UTC)
    assert first.text == "We know where Dana lives. Someone should pay her a visit."
    # No id attribute: a hash of author and text, the same on every fetch; no readable
    # time: the fetch's.
    assert second.text == "Calm down, everyone."
    assert second.time == FETCHED
    assert len(second.id) == 24
    assert extract_posts(monitor(), PAGE, FETCHED)[1].id == second.id


def test_without_a_text_selector_the_whole_post_is_the_text() -> None:
    (first, *_) = extract_posts(monitor(text=None, author=None, time=None), PAGE, FETCHED)
    assert first.author is None
    assert first.text.startswith("@grim_reader an hour ago We know where Dana lives.")


def test_a_page_with_too_many_posts_is_read_up_to_the_limit() -> None:
    page = "".join(f'<p class="post">post {n}</p>' for n in range(MAX_POSTS_PER_PAGE + 5))
    posts = extract_posts(monitor(post="p.post", author=None, time=None, text=None), page, FETCHED)
    assert len(posts) == MAX_POSTS_PER_PAGE


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "forum.example/latest"}, "is not a page address"),
        ({"every": 1}, "would hammer the site"),
        ({"post": "article["}, "the post selector 'article\\[' is not valid CSS"),
        ({"author": "..x"}, "the author selector"),
    ],
)
def test_a_monitor_that_cannot_run_says_why(fields: dict[str, object], message: str) -> None:
    with pytest.raises(MonitorError, match=message):
        monitor(**fields)


def test_posts_are_fetched_over_http() -> None:
    origin = Origin(
        handler=lambda request: respond(200, PAGE.encode(), {"content-type": "text/html"})
    )

    async def fetch() -> list[object]:
        async with httpx.AsyncClient() as client:
            return list(await fetch_posts(monitor(url=origin.url + "/latest"), client))

    try:
        posts = asyncio.run(fetch())
    finally:
        origin.close()
    assert [post.id for post in posts][:1] == ["p-101"]  # type: ignore[attr-defined]
    assert posts[0].url == origin.url + "/latest#p-101"  # type: ignore[attr-defined]


def test_a_page_that_does_not_answer_200_is_a_sentence() -> None:
    origin = Origin(handler=lambda request: respond(503, b"busy"))

    async def fetch() -> None:
        async with httpx.AsyncClient() as client:
            await fetch_posts(monitor(url=origin.url + "/latest"), client)

    try:
        with pytest.raises(MonitorError, match="answered 503; the monitor tries again"):
            asyncio.run(fetch())
    finally:
        origin.close()


def test_an_unreachable_page_is_a_sentence() -> None:
    async def fetch() -> None:
        async with httpx.AsyncClient() as client:
            await fetch_posts(monitor(url=f"http://127.0.0.1:{free_port()}/"), client)

    with pytest.raises(MonitorError, match=r"Could not fetch http://127\.0\.0\.1:"):
        asyncio.run(fetch())


def test_a_post_dated_after_the_fetch_is_dated_at_the_fetch() -> None:
    page = '<article class="post"><time datetime="2099-01-01T00:00:00Z"></time>hi</article>'
    (post,) = extract_posts(monitor(author=None, text=None), page, FETCHED)
    assert post.time == FETCHED


def write_monitors(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_monitors_load_from_a_file(tmp_path: Path) -> None:
    path = write_monitors(
        tmp_path / "monitors.toml",
        '[[monitors]]\nzone = "forum"\nurl = "https://forum.example/latest"\n'
        'post = "article.post"\ntext = ".body"\nevery = 60\n',
    )
    (loaded,) = load_monitors(path)
    assert (loaded.zone, loaded.post, loaded.text, loaded.every) == (
        "forum",
        "article.post",
        ".body",
        60,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[monitors]\n", "is not valid TOML"),
        ('zone = "forum"\n', "should hold only \\[\\[monitors\\]\\] tables"),
        (
            '[[monitors]]\nzone = "forum"\nurl = "https://f.example/"\n',
            "missing required field `post`",
        ),
        (
            '[[monitors]]\nzone = "f"\nurl = "https://f.example/"\npost = "p"\nposts = "q"\n',
            "unknown field `posts`",
        ),
        ('[[monitors]]\nzone = "f"\nurl = "f.example"\npost = "p"\n', "is not a page address"),
    ],
)
def test_a_monitors_file_that_cannot_be_used_says_why(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write_monitors(tmp_path / "monitors.toml", text)
    with pytest.raises(MonitorError, match=message):
        load_monitors(path)
    with pytest.raises(MonitorError, match="Cannot read the monitors file"):
        load_monitors(tmp_path / "absent.toml")


def test_the_schedule_fetches_each_monitor_when_it_is_due() -> None:
    fetched: list[str] = []

    def handler(request: OriginRequest) -> bytes:
        fetched.append(request.url)
        return respond(200, PAGE.encode(), {"content-type": "text/html"})

    origin = Origin(handler=handler)
    try:
        schedule = MonitorSchedule(
            [monitor(url=origin.url + "/a", every=60), monitor(url=origin.url + "/b", every=600)]
        )
        assert len(schedule.poll(1000.0)) == 4  # two posts on each page
        assert schedule.poll(1030.0) == []
        assert [post.url for post in schedule.poll(1060.0)] == [origin.url + "/a#p-101", ANY]
        assert sorted(fetched) == ["/a", "/a", "/b"]
    finally:
        origin.close()


def test_a_page_that_fails_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    origin = Origin(handler=lambda request: respond(200, PAGE.encode()))
    try:
        schedule = MonitorSchedule(
            [monitor(url=f"http://127.0.0.1:{free_port()}/"), monitor(url=origin.url + "/")]
        )
        posts = schedule.poll(0.0)
    finally:
        origin.close()
    assert [post.id for post in posts][:1] == ["p-101"]
    assert "Could not fetch" in caplog.text
