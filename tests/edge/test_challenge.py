"""The proof-of-work challenge: keys, tokens, proofs, clearance cookies and the answers
the edge gives, checked without sockets."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from stockade.edge.challenge import (
    NOSCRIPT_WAIT,
    TOKEN_LIFETIME,
    VERIFY_PATH,
    ChallengeKey,
    ZoneChallenge,
    leading_zero_bits,
)
from stockade.edge.pages import JSON, Pages
from stockade.policy import Zone
from tests.support.contexts import request_context

PAGES = Pages()


def zone(name: str = "forum", difficulty: int = 8, **fields: object) -> Zone:
    return Zone(
        name=name,
        hostnames=(f"{name}.example",),
        origins=("http://10.0.0.5:8080",),
        security_level="under_attack",
        challenge_difficulty=difficulty,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def key(tmp_path: Path) -> ChallengeKey:
    return ChallengeKey(tmp_path / "challenge.key")


def solve(token: bytes, difficulty: int) -> bytes:
    counter = 0
    while leading_zero_bits(hashlib.sha256(b"%s:%d" % (token, counter)).digest()) < difficulty:
        counter += 1
    return b"%d" % counter


def verify_url(token: bytes, **fields: str) -> bytes:
    query = "&".join(
        f"{name}={value}" for name, value in {"token": token.decode(), **fields}.items()
    )
    return VERIFY_PATH + b"?" + query.encode()


def location_and_cookie(headers: bytes) -> tuple[str, str]:
    text = headers.decode()
    location = re.search(r"location: (\S+)", text)
    cookie = re.search(r"set-cookie: stockade_clearance=([^;]+)", text)
    assert location is not None and cookie is not None, text
    return location.group(1), cookie.group(1)


# keys


def test_a_key_is_made_once_readable_only_by_its_owner_and_shared(key: ChallengeKey) -> None:
    secret = key.secret
    assert len(secret) == 64
    assert stat.S_IMODE(os.stat(key.path).st_mode) == 0o600
    assert ChallengeKey(key.path).secret == secret
    assert [path.name for path in key.path.parent.iterdir()] == ["challenge.key"]


def test_a_key_file_too_short_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "challenge.key"
    path.write_text("short\n")
    with pytest.raises(ValueError, match="too short: give at least 32 characters"):
        _ = ChallengeKey(path).secret


# proofs


@pytest.mark.parametrize(
    ("digest", "bits"),
    [(b"\x80" + bytes(31), 0), (b"\x01" + bytes(31), 7), (bytes(2) + b"\x10" + bytes(29), 19)],
)
def test_leading_zero_bits(digest: bytes, bits: int) -> None:
    assert leading_zero_bits(digest) == bits


def test_leading_zero_bits_of_nothing_but_zeros() -> None:
    assert leading_zero_bits(bytes(32)) == 256


def test_a_solution_passes_and_a_wrong_counter_fails(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(difficulty=12), PAGES, key)
    token = challenge.issue(int(time.time()))
    counter = solve(token, 12)
    assert challenge.solves(token, counter)
    wrong = next(
        b"%d" % guess
        for guess in range(10**6)
        if leading_zero_bits(hashlib.sha256(b"%s:%d" % (token, guess)).digest()) < 12
    )
    assert not challenge.solves(token, wrong)
    assert not challenge.solves(token, b"-1")
    assert not challenge.solves(token, b"1" * 21)


# tokens


def test_tokens_of_another_zone_another_key_or_too_old_are_refused(
    key: ChallengeKey, tmp_path: Path
) -> None:
    challenge = ZoneChallenge(zone(), PAGES, key)
    now = int(time.time())
    token = challenge.issue(now)
    assert challenge.token_age(token, now + 2) == 2
    assert challenge.token_age(token, now + TOKEN_LIFETIME + 1) is None
    assert challenge.token_age(token, now - 1) is None
    assert ZoneChallenge(zone("shop"), PAGES, key).token_age(token, now) is None
    other_key = ChallengeKey(tmp_path / "other.key")
    assert ZoneChallenge(zone(), PAGES, other_key).token_age(token, now) is None
    issued, nonce, mac = token.split(b".")
    for forged in (
        b"%d.%s.%s" % (now + 100, nonce, mac),
        b"%s.%s.%s" % (issued, nonce, mac[:-1] + (b"1" if mac.endswith(b"0") else b"0")),
        b"%s.%s" % (issued, mac),
        b"",
        b"x.y.z",
    ):
        assert challenge.token_age(forged, now) is None


# the phase


def test_a_visitor_without_clearance_gets_the_page_with_a_token(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(), PAGES, key)
    answer = challenge.check(request_context(url=b"/thread/7?page=2"))
    assert answer is not None
    assert answer.status == 403
    html = answer.page(b"text/html").body(b"rid").decode()
    token = re.search(r'data-token="([^"]+)"', html)
    assert token is not None
    assert challenge.token_age(token.group(1).encode(), time.time()) is not None
    assert 'data-return-to="%2Fthread%2F7%3Fpage%3D2"' in html
    assert 'data-difficulty="8"' in html
    assert 'http-equiv="refresh"' in html  # low difficulty: a browser without JavaScript waits
    assert "rid" in html


def test_json_clients_are_told_a_browser_is_needed(key: ChallengeKey) -> None:
    answer = ZoneChallenge(zone(), PAGES, key).check(request_context())
    assert answer is not None
    page = answer.pages[JSON]
    document = json.loads(page.body(b"rid"))
    assert document["status"] == 403
    assert document["error"] == "challenge"
    assert "browser" in document["message"]
    assert document["request_id"] == "rid"


def test_a_solution_earns_a_cookie_that_lets_the_visitor_in(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(), PAGES, key)
    token = challenge.issue(int(time.time()))
    answer = challenge.check(
        request_context(
            url=verify_url(
                token, counter=solve(token, 8).decode(), **{"return": quote("/a?b=c", safe="")}
            )
        )
    )
    assert answer is not None
    assert answer.status == 303
    location, cookie = location_and_cookie(answer.headers)
    assert location == "/a?b=c"
    assert b"HttpOnly; SameSite=Lax" in answer.headers
    assert b"Secure" not in answer.headers  # the visitor came over plain HTTP
    cleared = request_context(headers=[(b"Cookie", b"a=1; stockade_clearance=" + cookie.encode())])
    assert challenge.check(cleared) is None


def test_the_way_back_never_leads_to_another_site(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(), PAGES, key)
    for wanted in ("https://evil.example/", "//evil.example/", "/\\evil.example", "evil"):
        token = challenge.issue(int(time.time()))
        url = verify_url(
            token, counter=solve(token, 8).decode(), **{"return": quote(wanted, safe="")}
        )
        answer = challenge.check(request_context(url=url))
        assert answer is not None
        assert location_and_cookie(answer.headers)[0] == "/"


def test_a_wrong_or_forged_solution_gets_a_new_challenge(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(difficulty=20), PAGES, key)
    token = challenge.issue(int(time.time()))
    for url in (
        verify_url(token, counter="0"),
        verify_url(b"1.2.3", counter="0"),
        VERIFY_PATH,
        VERIFY_PATH + b"?token=%ff%fe&counter=&return=%ff",
    ):
        answer = challenge.check(request_context(url=url))
        assert answer is not None
        assert answer.status == 403
        assert b"set-cookie" not in answer.headers


def test_without_javascript_a_visitor_may_wait_at_low_difficulty(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(difficulty=12), PAGES, key)
    now = int(time.time())
    early = challenge.check(request_context(url=verify_url(challenge.issue(now), wait="1")))
    assert early is not None and early.status == 403
    waited = challenge.check(
        request_context(url=verify_url(challenge.issue(now - NOSCRIPT_WAIT), wait="1"))
    )
    assert waited is not None and waited.status == 303


def test_at_high_difficulty_waiting_is_not_enough(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(difficulty=24), PAGES, key)
    page = challenge.check(request_context())
    assert page is not None
    assert b"http-equiv" not in page.page(b"text/html").before_id
    token = challenge.issue(int(time.time()) - NOSCRIPT_WAIT - 1)
    answer = challenge.check(request_context(url=verify_url(token, wait="1")))
    assert answer is not None and answer.status == 403


def test_clearance_of_another_zone_expired_or_forged_is_refused(
    key: ChallengeKey, tmp_path: Path
) -> None:
    challenge = ZoneChallenge(zone(), PAGES, key)
    now = int(time.time())
    good = challenge.clearance(now)

    def cleared(cookie: bytes, at: float = now, by: ZoneChallenge = challenge) -> bool:
        return by.cleared(
            request_context(headers=[(b"cookie", b"stockade_clearance=" + cookie)]), at
        )

    assert cleared(good)
    assert not cleared(good, at=now + 3600)  # the default clearance_ttl has passed
    assert not cleared(good, by=ZoneChallenge(zone("shop"), PAGES, key))
    assert not cleared(good, by=ZoneChallenge(zone(), PAGES, ChallengeKey(tmp_path / "b.key")))
    expires, mac = good.split(b".")
    assert not cleared(b"%d.%s" % (int(expires) + 86400, mac))
    assert not cleared(expires)
    assert not cleared(b"")
    assert challenge.check(request_context(headers=[(b"cookie", b"other=" + good)])) is not None


def test_over_https_the_cookie_is_secure(key: ChallengeKey) -> None:
    challenge = ZoneChallenge(zone(), PAGES, key)
    token = challenge.issue(int(time.time()))
    ctx = request_context(url=verify_url(token, counter=solve(token, 8).decode()))
    ctx.scheme = b"https"
    answer = challenge.check(ctx)
    assert answer is not None
    assert answer.headers.rstrip().endswith(b"; Secure")


def test_a_zone_not_under_attack_lets_visitors_through(key: ChallengeKey) -> None:
    calm = Zone(name="calm", hostnames=("calm.example",), origins=("http://10.0.0.5:80",))
    assert ZoneChallenge(calm, PAGES, key).check(request_context()) is None
