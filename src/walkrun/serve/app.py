"""Live calendar feeds as an ASGI app: one secret URL per athlete, one for the coach.

``GET /feeds/<token>.ics`` serves an athlete's current plan as iCalendar,
``GET /coach/<token>`` a small roster page with every athlete's feed URL and
``GET /healthz`` says whether the store answers. The token is the only
credential, so nothing here ever tells a caller whether a token or an athlete
exists, and full tokens never reach the log.

Polls are answered from a cache keyed by the athlete's stored inputs (see
``cache``), so an unchanged plan is neither rebuilt nor re-rendered, and a
conditional request can be answered 304 from the stored validators before any
plan exists in this process. The cache is per process and safe to lose, so
several processes or machines can serve one store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from walkrun.app.coaches import Access, access_for_token
from walkrun.app.export import feed_calendar
from walkrun.app.roster import build_roster
from walkrun.plugins.manager import Registry, get_registry
from walkrun.serve import page
from walkrun.serve.cache import ContentKeys, FeedCache, Rendered, registry_fingerprint
from walkrun.serve.http import (
    ALLOW,
    COACH_RE,
    FEED_RE,
    HOST_HEADER,
    feed_path,
    format_host,
    http_date,
    not_modified,
    redact,
)
from walkrun.serve.limits import ProbeLimiter
from walkrun.store import Store

__all__ = ["HOME_ENV", "PLUGINS_ENV", "TODAY_ENV", "FeedService", "ServeOptions", "app_from_env", "create_app"]

# Kept in the store's per-athlete writer state so Last-Modified (and the ETag of the
# latest content key) survive restarts and are shared by every server process.
VALIDATORS_STATE = "ics-feed-http"
# How `walkrun serve --workers N` tells the worker processes what to serve.
HOME_ENV = "WALKRUN_SERVE_HOME"
TODAY_ENV = "WALKRUN_SERVE_TODAY"
PLUGINS_ENV = "WALKRUN_SERVE_PLUGINS"

_TEXT = "text/plain; charset=utf-8"
_NOT_FOUND = b"not found\n"
_PRIVATE = {"X-Content-Type-Options": "nosniff", "X-Robots-Tag": "noindex, nofollow"}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


@dataclass(frozen=True)
class ServeOptions:
    """What a server process needs to know; everything else comes from the store."""

    home: Path
    plugins_dir: Path | None = None
    today: dt.date | None = None  # pins the plan date (tests, demos); else each athlete's own today
    log: TextIO | None = None  # one line per request; stderr when None
    probe_burst: int = 20  # unknown-token misses allowed at once per client
    probe_refill_per_s: float = 0.2  # then one more every 5 s
    database_url: str | None = None  # a shared PostgreSQL store; else $WALKRUN_DATABASE_URL or home's SQLite


def _plain(status: int, body: bytes, **extra: str) -> Response:
    return Response(body, status, {"Content-Type": _TEXT, "Cache-Control": "no-store", **extra})


def _not_found() -> Response:
    # One body for every miss: unknown token, wrong kind of token, bad path.
    return _plain(404, _NOT_FOUND)


class _Local(threading.local):
    store: Store | None = None
    keys: ContentKeys | None = None


class FeedService:
    """The request handling: routing, feeds, coach page, health, probe limiting and the request log."""

    def __init__(self, options: ServeOptions, registry: Registry | None = None) -> None:
        self.options = options
        self.registry = registry or get_registry(options.plugins_dir)
        self.code = registry_fingerprint(self.registry)
        self.cache = FeedCache()
        self.limiter = ProbeLimiter(options.probe_burst, options.probe_refill_per_s)
        self._local = _Local()
        self._log_lock = threading.Lock()

    # ---- per-thread store connections (SQLite connections are not shared across threads) -------
    def _store(self) -> tuple[Store, ContentKeys]:
        local = self._local
        if local.store is None or local.keys is None:
            local.store = Store(self.options.home, self.options.database_url)
            local.keys = ContentKeys(self.code, self.options.today)
        return local.store, local.keys

    # ---- dispatch ----------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        method, path = request.method, request.scope["path"]
        try:
            if method not in ("GET", "HEAD"):
                response = _plain(405, b"method not allowed\n", Allow=ALLOW)
            else:
                response = await self._route(request, path)
        except Exception:
            self.write_log(f"walkrun serve: error on {method} {redact(path)}\n{traceback.format_exc()}")
            response = _plain(500, b"internal error\n")
        self.write_log(f"{time.strftime('%d/%b/%Y %H:%M:%S')} {method} {redact(path)[:200]} {response.status_code}")
        return response

    async def _route(self, request: Request, path: str) -> Response:
        if path in ("/healthz", "/health"):
            return self._health()
        feed, coach = FEED_RE.fullmatch(path), COACH_RE.fullmatch(path)
        if not (feed or coach):
            return _not_found()  # not a token probe: costs the client nothing
        client = request.client.host if request.client else "-"
        wait = self.limiter.retry_after(client)
        if wait is not None:
            return _plain(429, b"too many requests\n", **{"Retry-After": str(wait)})
        if feed:
            response = await self._feed(request, feed.group(1))
        else:
            assert coach is not None
            response = await self._coach(request, coach.group(1))
        if response.status_code == 404:
            self.limiter.charge(client)
        return response

    def _health(self) -> Response:
        try:
            store, _ = self._store()
            store.scope_for_token("-")  # one real query: the store file opens and answers
        except Exception as exc:  # any failure at all means unhealthy; the reason goes to the log
            self.write_log(f"walkrun serve: health check failed: {type(exc).__name__}: {redact(str(exc))}")
            self._local.store = None
            return _plain(503, b"store unavailable\n")
        return _plain(200, b"ok\n")

    # ---- the athlete feed ------------------------------------------------------------------------
    async def _feed(self, request: Request, token: str) -> Response:
        # The token lookup and the content key are a few indexed reads (microseconds with an
        # unchanged store), so they run on the event loop: a thread hop would cost more than
        # the work. Only building a plan, which takes tens of milliseconds, goes to a thread.
        store, keys = self._store()
        keys.sync(store)
        athlete_id = keys.scope(store, token)
        if athlete_id is None or athlete_id == Store.COACH_SCOPE:
            return _not_found()
        found = keys.key(store, athlete_id, synced=True)
        if found is None:
            return _not_found()
        key, today = found
        if_none_match = request.headers.get("if-none-match")
        if_modified_since = request.headers.get("if-modified-since")
        entry = self.cache.get(athlete_id, key)
        if entry is None and (if_none_match is not None or if_modified_since is not None):
            # A fresh process (or another instance's render): the stored validators answer a
            # conditional poll without building the plan, when they belong to this content key.
            stored = _stored_validators(store, athlete_id, key)
            if stored and not_modified(if_none_match, if_modified_since, *stored):
                return _feed_response(None, *stored)
        if entry is None:
            entry = await run_in_threadpool(self._render_feed, athlete_id, key, today)
        if not_modified(if_none_match, if_modified_since, entry.etag, entry.last_modified):
            return _feed_response(None, entry.etag, entry.last_modified)
        return _feed_response(entry.body, entry.etag, entry.last_modified)

    def _render_feed(self, athlete_id: str, key: str, today: dt.date) -> Rendered:
        with self.cache.lock(athlete_id):
            hit = self.cache.get(athlete_id, key)
            if hit is not None:
                return hit  # another request rendered it while this one waited
            store, _ = self._store()
            body = feed_calendar(store, self.registry, athlete_id, today)
            etag = f'"{hashlib.sha256(body).hexdigest()}"'
            entry = Rendered(key, body, etag, _last_modified(store, athlete_id, etag, key))
            self.cache.put(athlete_id, entry)
            return entry

    # ---- the coach page ----------------------------------------------------------------------------
    async def _coach(self, request: Request, token: str) -> Response:
        store, keys = self._store()
        # Remembered only while the store is unchanged: removing or regenerating a secret is a
        # commit, so a revoked secret is dead at the next request.
        version = keys.sync(store)
        access = keys.remember(("coach", token), lambda: access_for_token(store, token))
        if access is None:
            return _not_found()
        # One date for the whole roster: the server's local day, which is the
        # coach's when the coach runs it; each feed still uses its athlete's zone.
        today = self.options.today or dt.date.today()
        base = self._base_url(request)
        # The page shows its athletes and their tokens, so any commit to the store invalidates it.
        key = f"{version}:{today}:{base}" if version is not None else None
        entry = self.cache.get(f"{access.cache_name}:{base}", key) if key else None
        if entry is None:
            entry = await run_in_threadpool(self._render_coach, access, today, base, key)
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            # Belt and braces for "no scripts, no external requests", and no token in Referer.
            "Content-Security-Policy": _CSP,
            "Referrer-Policy": "no-referrer",
            **_PRIVATE,
        }
        return Response(entry.body, 200, headers)

    def _render_coach(self, access: Access, today: dt.date, base: str, key: str | None) -> Rendered:
        store, _ = self._store()
        ids = access.visible(store.athlete_ids())
        rows = {row.athlete: row for row in build_roster(store, self.registry, today, ids)}
        cards = []
        for athlete_id in ids:
            name = store.profile(athlete_id).name
            url = base + feed_path(store.feed_token(athlete_id))
            cards.append(page.card(athlete_id, name, rows.get(athlete_id), url))
        body = page.page(today, cards, coach=access.coach).encode("utf-8")
        entry = Rendered(key or "", body, "", dt.datetime.now(dt.UTC))
        if key is not None:
            # Rendering may have created a token (a commit): the next request re-renders once, then hits.
            self.cache.put(f"{access.cache_name}:{base}", entry)
        return entry

    def _base_url(self, request: Request) -> str:
        """``scheme://<Host header>``: the address the coach's device reached us by."""
        host = (request.headers.get("host") or "").strip()
        if not HOST_HEADER.fullmatch(host):
            server = request.scope.get("server") or ("127.0.0.1", 0)
            host = f"{format_host(str(server[0]))}:{server[1]}"
        scheme = "https" if request.url.scheme == "https" else "http"
        return f"{scheme}://{host}"

    # ---- logging -------------------------------------------------------------------------------------
    def write_log(self, line: str) -> None:
        stream = self.options.log if self.options.log is not None else sys.stderr
        with self._log_lock:
            stream.write(line if line.endswith("\n") else line + "\n")
            stream.flush()


def _feed_response(body: bytes | None, etag: str, modified: dt.datetime) -> Response:
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(modified),
        # Clients may keep a copy but must ask again (the 304 makes that cheap), and a
        # shared cache must not keep it: a regenerated token has to stop working at once.
        "Cache-Control": "private, no-cache",
        **_PRIVATE,
    }
    if body is None:
        # A 304 carries the validators and caching rules, not the body's metadata.
        return Response(None, 304, headers)
    return Response(body, 200, {"Content-Type": "text/calendar; charset=utf-8", **headers})


def _stored_validators(store: Store, athlete_id: str, key: str) -> tuple[str, dt.datetime] | None:
    record = store.writer_state(athlete_id, VALIDATORS_STATE)
    if record.get("key") != key or "etag" not in record:
        return None
    try:
        return record["etag"], dt.datetime.fromisoformat(record["last_modified"]).astimezone(dt.UTC)
    except (KeyError, ValueError):
        return None


def _last_modified(store: Store, athlete_id: str, etag: str, key: str) -> dt.datetime:
    """When this body was first served: unchanged while the ETag is unchanged."""
    record = store.writer_state(athlete_id, VALIDATORS_STATE)
    previous: dt.datetime | None
    try:
        previous = dt.datetime.fromisoformat(record["last_modified"]).astimezone(dt.UTC)
    except (KeyError, ValueError):
        previous = None  # first request ever, or a damaged record: start afresh
    if previous is not None and record.get("etag") == etag:
        if record.get("key") != key:
            store.save_writer_state(athlete_id, VALIDATORS_STATE, {**record, "key": key})
        return previous
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if previous is not None and now <= previous:
        # HTTP dates have one-second resolution: a change within the same second
        # (or after a clock step back) must still move Last-Modified forward,
        # or an If-Modified-Since client would be told nothing changed.
        now = previous + dt.timedelta(seconds=1)
    store.save_writer_state(athlete_id, VALIDATORS_STATE, {"etag": etag, "last_modified": now.isoformat(), "key": key})
    return now


class _Endpoint:
    """A raw ASGI endpoint, so every method reaches ``handle`` (which answers 405 itself with our Allow)."""

    def __init__(self, service: FeedService) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.service.handle(Request(scope, receive))
        await response(scope, receive, send)


def create_app(options: ServeOptions, registry: Registry | None = None) -> Starlette:
    """The ASGI app for one process; ``app.state.service`` is its ``FeedService``."""
    service = FeedService(options, registry)
    app = Starlette(routes=[Route("/{path:path}", _Endpoint(service))])
    app.state.service = service
    return app


def app_from_env() -> Starlette:
    """The app a `walkrun serve --workers N` worker process builds (uvicorn calls this factory)."""
    today, plugins = os.environ.get(TODAY_ENV), os.environ.get(PLUGINS_ENV)
    home = Path(os.environ[HOME_ENV])
    return create_app(
        ServeOptions(home, Path(plugins) if plugins else None, dt.date.fromisoformat(today) if today else None)
    )
