"""The proof-of-work challenge: a visitor without clearance gets a page whose script finds
a number that, hashed with SHA-256 after the challenge token, starts with N zero bits;
the edge checks it with one hash and answers with a clearance cookie.

Nothing is stored between the page and the answer: the token carries its own issue time
and an HMAC of the zone, so any edge holding the same key can check it, and the cookie
is the same kind of signed statement ("this zone, until then"). Keys are compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, quote

from stockade.edge.pages import Answer, Page, Pages, redirect
from stockade.policy import Zone

if TYPE_CHECKING:
    from stockade.edge.lifecycle import RequestContext

# The edge answers this path itself on challenged zones: it checks a solution.
VERIFY_PATH: Final = b"/.well-known/stockade/challenge"
CLEARANCE_COOKIE: Final = b"stockade_clearance"
# A page's token can be solved for this long.
TOKEN_LIFETIME: Final = 300
# At this difficulty or below, a browser without JavaScript may wait instead of working.
NOSCRIPT_MAX_DIFFICULTY: Final = 16
NOSCRIPT_WAIT: Final = 5
# What a proof may be: a decimal counter, as the script sends it.
_MAX_COUNTER_DIGITS: Final = 20


class ChallengeKey:
    """The secret that signs tokens and clearance cookies, shared by every worker (and by
    every edge given the same file). Created on first use if the file does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._secret: bytes | None = None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = self._load_or_create()
        return self._secret

    def _load_or_create(self) -> bytes:
        try:
            return self._read()
        except FileNotFoundError:
            pass
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked: two workers starting at once
        # cannot both create a key, and neither reads a half-written one.
        draft = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, self.path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
        return self._read()

    def _read(self) -> bytes:
        text = self.path.read_text(encoding="ascii").strip()
        if len(text) < 32:
            raise ValueError(
                f"The challenge key in {self.path} is too short: give at least 32 characters "
                "(such as the output of `openssl rand -hex 32`), or delete the file to have "
                "the edge make one."
            )
        return text.encode()


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


class ZoneChallenge:
    """The challenge of one zone, compiled once per snapshot."""

    def __init__(self, zone: Zone, pages: Pages, key: ChallengeKey) -> None:
        self.zone = zone.name.encode()
        self.difficulty = zone.challenge_difficulty
        self.clearance_ttl = zone.clearance_ttl
        self.under_attack = zone.security_level == "under_attack"
        self.noscript = self.difficulty <= NOSCRIPT_MAX_DIFFICULTY
        self._pages = pages
        self._key = key
        self._answer: Answer | None = None

    # the phase

    def check(self, ctx: RequestContext) -> Answer | None:
        """The answer to a solution sent to VERIFY_PATH; otherwise, on a zone under attack,
        the challenge page for a visitor without valid clearance; None for everyone else."""
        path, _, query = ctx.url.partition(b"?")
        if path == VERIFY_PATH:
            return self.verify(ctx, query)
        if not self.under_attack:
            return None
        return self.demand(ctx)

    def demand(self, ctx: RequestContext) -> Answer | None:
        """Challenge this request (the zone is under attack, or a rule says so): None if
        the visitor has clearance, else the challenge page."""
        if self.cleared(ctx, time.time()):
            ctx.challenge = "cleared"
            return None
        ctx.challenge = "issued"
        return self.page(ctx.url)

    def page(self, return_to: bytes) -> Answer:
        """The challenge page, with a fresh token and the way back to `return_to`."""
        token = self.issue(int(time.time()))
        answer = self._template()
        back = quote(return_to.decode("latin-1"), safe="", encoding="latin-1").encode()
        html, json, text = (
            Page(
                page.content_type,
                page.before_id.replace(_TOKEN, token).replace(_RETURN, back),
                page.after_id.replace(_TOKEN, token).replace(_RETURN, back),
            )
            for page in answer.pages
        )
        return Answer(answer.status, answer.headers, (html, json, text))

    def _template(self) -> Answer:
        answer = self._answer
        if answer is None:
            answer = self._answer = self._pages.challenge(
                difficulty=self.difficulty,
                token=_TOKEN.decode(),
                verify_url=VERIFY_PATH.decode(),
                return_to=_RETURN.decode(),
                noscript_wait=NOSCRIPT_WAIT if self.noscript else None,
            )
        return answer

    # tokens

    def issue(self, now: int) -> bytes:
        nonce = secrets.token_hex(8).encode()
        issued = b"%d" % now
        return b"%s.%s.%s" % (issued, nonce, self._sign(b"token", issued, nonce))

    def token_age(self, token: bytes, now: float) -> float | None:
        """Seconds since a token of this zone was issued; None if it is forged, expired or
        from another zone (or another key)."""
        parts = token.split(b".")
        if len(parts) != 3 or not parts[0].isdigit():
            return None
        issued, nonce, mac = parts
        if not hmac.compare_digest(mac, self._sign(b"token", issued, nonce)):
            return None
        age = now - int(issued)
        return age if 0 <= age <= TOKEN_LIFETIME else None

    def solves(self, token: bytes, counter: bytes) -> bool:
        if not counter.isdigit() or len(counter) > _MAX_COUNTER_DIGITS:
            return False
        digest = hashlib.sha256(token + b":" + counter).digest()
        return leading_zero_bits(digest) >= self.difficulty

    # clearance

    def clearance(self, now: int) -> bytes:
        expires = b"%d" % (now + self.clearance_ttl)
        return b"%s.%s" % (expires, self._sign(b"clearance", expires, b""))

    def cleared(self, ctx: RequestContext, now: float) -> bool:
        for name, value in ctx.headers:
            if name.lower() != b"cookie":
                continue
            for pair in value.split(b";"):
                cookie_name, _, cookie = pair.strip().partition(b"=")
                if cookie_name == CLEARANCE_COOKIE and self._valid_clearance(cookie, now):
                    return True
        return False

    def _valid_clearance(self, cookie: bytes, now: float) -> bool:
        expires, _, mac = cookie.partition(b".")
        if not expires.isdigit() or not hmac.compare_digest(
            mac, self._sign(b"clearance", expires, b"")
        ):
            return False
        return now < int(expires)

    def _sign(self, purpose: bytes, value: bytes, nonce: bytes) -> bytes:
        message = b"|".join((purpose, self.zone, value, nonce))
        return hmac.new(self._key.secret, message, hashlib.sha256).hexdigest().encode()

    # the answer to a solution

    def verify(self, ctx: RequestContext, query: bytes) -> Answer:
        fields = parse_qs(query.decode("latin-1"), max_num_fields=8, encoding="latin-1")
        token = _field(fields, "token").encode("latin-1")
        back = _safe_return(_field(fields, "return"))
        now = time.time()
        age = self.token_age(token, now)
        if age is not None and (
            self.solves(token, _field(fields, "counter").encode("latin-1"))
            or (self.noscript and _field(fields, "wait") == "1" and age >= NOSCRIPT_WAIT)
        ):
            ctx.challenge = "passed"
            secure = b"; Secure" if ctx.scheme == b"https" else b""
            headers = (
                b"location: %s\r\nset-cookie: %s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s\r\n"
                % (
                    quote(back, safe="/%:@!$&'()*+,;=-._~?", encoding="latin-1").encode(),
                    CLEARANCE_COOKIE,
                    self.clearance(int(now)),
                    self.clearance_ttl,
                    secure,
                )
            )
            return redirect(headers)
        # Wrong, late or forged: a new challenge, leading back to the same page.
        ctx.challenge = "failed"
        return self.page(back.encode("latin-1"))


def _field(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name)
    return values[0] if values else ""


def _safe_return(wanted: str) -> str:
    """Only a path on this site: never an open redirect to another host."""
    if wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted:
        return wanted
    return "/"


# Markers in the rendered page where each request's token and return path go.
_TOKEN: Final = b"@@stockade-challenge-token@@"
_RETURN: Final = b"@@stockade-challenge-return@@"
