"""A real browser (Debian's Chromium, driven by Playwright) meets the challenge of a zone
under attack: the page's own script solves it, the edge gives clearance, the site loads,
and later visits go straight through. Without JavaScript, the browser waits instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from tests.conftest import require_program
from tests.support.origin import Origin, respond
from tests.support.zones import zone

PAGE = b"<!doctype html><title>Forum</title><h1>Welcome to the forum</h1>"


@pytest.fixture
def browser() -> Iterator[object]:
    chromium = require_program("chromium")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    server = Origin(
        handler=lambda request: respond(200, PAGE, {"content-type": "text/html; charset=utf-8"})
    )
    yield server
    server.close()


def start_edge(edge_process, origin: Origin, tmp_path: Path, difficulty: int):  # type: ignore[no-untyped-def]
    # The browser resolves every name to loopback, so the zone's hostname can be used.
    return edge_process.start(
        zone(
            "forum",
            ["forum.test"],
            [origin.url],
            security_level="under_attack",
            challenge_difficulty=difficulty,
        ),
        edge_settings=f'challenge_key_file = "{tmp_path / "challenge.key"}"',
    )


def test_chromium_solves_the_challenge_and_then_goes_straight_through(
    edge_process, origin: Origin, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    edge = start_edge(edge_process, origin, tmp_path, difficulty=16)
    context = browser.new_context(
        # Every visit to forum.test goes to the edge's port on loopback.
        proxy={"server": f"http://127.0.0.1:{edge.port}"},
    )
    page = context.new_page()
    first = page.goto("http://forum.test/thread/7?page=2")
    assert first is not None and first.status == 403
    page.wait_for_selector("text=Welcome to the forum", timeout=30_000)
    assert page.url == "http://forum.test/thread/7?page=2"
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["stockade_clearance"]["httpOnly"]
    again = page.goto("http://forum.test/other")
    assert again is not None and again.status == 200
    pages = [request.url for request in origin.requests if request.url != "/favicon.ico"]
    assert pages == ["/thread/7?page=2", "/other"]
    context.close()


def test_chromium_without_javascript_waits_and_gets_in(
    edge_process, origin: Origin, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    edge = start_edge(edge_process, origin, tmp_path, difficulty=12)
    context = browser.new_context(
        java_script_enabled=False, proxy={"server": f"http://127.0.0.1:{edge.port}"}
    )
    page = context.new_page()
    page.goto("http://forum.test/")
    assert "continues by itself" in page.content()
    page.wait_for_selector("text=Welcome to the forum", timeout=20_000)
    context.close()
