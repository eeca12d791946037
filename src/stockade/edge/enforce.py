"""Enforcement at the edge: block a zone, some of its paths, some countries, or put a
warning in front of it. Compiled once per snapshot; zones without enforcement skip it."""

from __future__ import annotations

import posixpath
import re
import time
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, unquote, urlsplit

from stockade.edge.pages import Answer, Pages, redirect
from stockade.policy import Enforcement, Zone

if TYPE_CHECKING:
    from stockade.edge.geo import CountryLookup
    from stockade.edge.lifecycle import RequestContext

# The edge answers this path itself on zones with an interstitial: it records consent.
CONSENT_PATH: Final = b"/.well-known/stockade/consent"
CONSENT_COOKIE: Final = b"stockade_consent"


class CompiledEnforcement:
    __slots__ = (
        "_answer",
        "_hostname",
        "_pages",
        "action",
        "countries",
        "enforcement",
        "path_pattern",
    )

    def __init__(self, enforcement: Enforcement, zone: Zone, pages: Pages) -> None:
        self.enforcement = enforcement
        self.action = enforcement.action
        self.countries = frozenset(enforcement.countries)
        self.path_pattern = _path_pattern(enforcement.paths) if enforcement.paths else None
        self._hostname = zone.hostnames[0].removeprefix("*.")
        self._pages = pages
        self._answer: Answer | None = None

    @property
    def answer(self) -> Answer:
        """The block page, rendered at its first use: a snapshot may carry thousands of
        enforcements, and loading it must not wait for every page."""
        answer = self._answer
        if answer is None:
            enforcement = self.enforcement
            answer = self._answer = self._pages.block(
                status=enforcement.status,
                reason=enforcement.reason,
                basis=enforcement.basis,
                notice_url=enforcement.notice_url,
                hostname=self._hostname,
                continue_url=CONSENT_PATH.decode() if self.action == "interstitial" else None,
            )
        return answer

    def active(self, now: float) -> bool:
        ends_at = self.enforcement.ends_at
        return self.enforcement.starts_at <= now and (ends_at is None or now < ends_at)


class ZoneEnforcement:
    """Every enforcement of one zone, checked in a fixed order: block, geo, path, warning."""

    _ORDER = {"block": 0, "geo_block": 1, "path_block": 2, "interstitial": 3}

    def __init__(self, zone: Zone, pages: Pages, countries: CountryLookup | None) -> None:
        self.zone_name = zone.name
        self.countries = countries
        self.rules = sorted(
            (CompiledEnforcement(enforcement, zone, pages) for enforcement in zone.enforcements),
            key=lambda rule: self._ORDER[rule.action],
        )

    def blocks_everything(self, now: float) -> bool:
        return any(rule.action == "block" and rule.active(now) for rule in self.rules)

    def check(self, ctx: RequestContext) -> Answer | None:
        now = time.time()
        for rule in self.rules:
            if not rule.active(now):
                continue
            action = rule.action
            if action == "block":
                return rule.answer
            if action == "geo_block":
                if self._from_blocked_country(ctx, rule):
                    return rule.answer
            elif action == "path_block":
                assert rule.path_pattern is not None
                if rule.path_pattern.match(normalize_path(ctx.url)):
                    return rule.answer
            elif not _has_consent(ctx, rule.enforcement.id):
                if ctx.url.split(b"?", 1)[0] == CONSENT_PATH:
                    return consent_answer(ctx, rule.enforcement.id)
                return rule.answer
        return None

    def _from_blocked_country(self, ctx: RequestContext, rule: CompiledEnforcement) -> bool:
        if self.countries is None:
            # Without a country database nobody can be told apart: a legal geo block must
            # then hold for every visitor rather than for none.
            return True
        return self.countries.country(ctx.client_ip) in rule.countries


def normalize_path(url: bytes) -> str:
    """The path a visitor asked for as the origin will see it: decoded, without dot
    segments or repeated slashes, so that encodings cannot slip past a path block."""
    path = unquote(url.split(b"?", 1)[0].decode("latin-1"), errors="replace")
    if not path.startswith("/"):
        path = "/" + path.split("/", 3)[-1] if "://" in path else "/" + path
    normalized = posixpath.normpath(re.sub(r"/{2,}", "/", path))
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return normalized


def _path_pattern(paths: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for all paths. A plain path covers itself and what is below it, so
    /threads/12 covers /threads/12/page-2 but not /threads/123. In a glob, `*` stands for
    part of one segment, `**` for any number of segments, `?` for one character."""
    parts = []
    for path in paths:
        if "*" in path or "?" in path:
            parts.append(_glob(path))
        elif path.endswith("/"):
            parts.append(re.escape(path) + ".*")
        else:
            parts.append(re.escape(path) + "(?:/.*)?")
    return re.compile("(?:" + "|".join(parts) + r")\Z", re.DOTALL)


def _glob(path: str) -> str:
    pieces = re.split(r"(\*\*|\*|\?)", path)
    wildcards = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return "".join(wildcards.get(piece, re.escape(piece)) for piece in pieces)


def _has_consent(ctx: RequestContext, enforcement_id: str) -> bool:
    wanted = CONSENT_COOKIE + b"=" + enforcement_id.encode()
    for name, value in ctx.headers:
        if name.lower() == b"cookie" and any(part.strip() == wanted for part in value.split(b";")):
            return True
    return False


def consent_answer(ctx: RequestContext, enforcement_id: str) -> Answer:
    """303 back to the page the visitor came from, with the consent cookie set."""
    back = "/"
    query = ctx.url.partition(b"?")[2].decode("latin-1")
    wanted = [
        unquote(value)
        for key, _, value in (pair.partition("=") for pair in query.split("&"))
        if key == "next"
    ]
    if not wanted:
        referer = ctx.header(b"referer")
        if referer is not None:
            wanted = [urlsplit(referer.decode("latin-1")).path]
    # Only a path on this site: never an open redirect to another host.
    if wanted and wanted[0].startswith("/") and not wanted[0].startswith("//"):
        back = wanted[0]
    secure = b"; Secure" if ctx.scheme == b"https" else b""
    headers = (
        b"location: %s\r\nset-cookie: %s=%s; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax%s\r\n"
        % (
            quote(back, safe="/%:@!$&'()*+,;=-._~").encode(),
            CONSENT_COOKIE,
            enforcement_id.encode(),
            secure,
        )
    )
    return redirect(headers)
