"""Live calendar feeds over HTTP: one secret URL per athlete, one for the coach.

``GET /feeds/<token>.ics`` serves an athlete's current plan as iCalendar and
``GET /coach/<token>`` a small roster page with every athlete's feed URL. The
token is the only credential, so nothing here ever tells a caller whether a
token or an athlete exists, and full tokens never reach the log.

Standard library only: calendar clients poll a few times a day at most, so a
threading ``http.server`` is plenty, and it keeps the install small.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import ipaddress
import re
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from walkrun.export import feed_calendar
from walkrun.plugins import Registry, get_registry
from walkrun.roster import RosterRow, build_roster
from walkrun.store import Store

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "FeedHandler",
    "FeedServer",
    "coach_path",
    "etag_matches",
    "feed_path",
    "format_host",
    "is_loopback",
    "lan_address_hint",
    "make_server",
    "serve_forever",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
ALLOW = "GET, HEAD"
# Kept in the store's per-athlete writer state so Last-Modified survives restarts.
VALIDATORS_STATE = "ics-feed-http"

# Store tokens are secrets.token_urlsafe(24): 32 URL-safe characters. Anything
# else is rejected before the database is asked.
_TOKEN = r"[A-Za-z0-9_-]{16,128}"
_FEED_RE = re.compile(rf"/feeds/({_TOKEN})\.ics")
_COACH_RE = re.compile(rf"/coach/({_TOKEN})/?")
_SECRETISH = re.compile(r"[A-Za-z0-9_-]{12,}")
_HOST_HEADER = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::[0-9]{1,5})?")

_TEXT = "text/plain; charset=utf-8"
_NOT_FOUND = b"not found\n"


def feed_path(token: str) -> str:
    """The server path of an athlete's feed."""
    return f"/feeds/{token}.ics"


def coach_path(token: str) -> str:
    """The server path of the coach's index page."""
    return f"/coach/{token}"


def is_loopback(host: str) -> bool:
    """True when ``host`` is only reachable from this machine (no name lookups)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        # A host name could resolve to anything: treat it as public.
        return False


def format_host(host: str) -> str:
    """``host`` as it goes into a URL (IPv6 literals need brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def lan_address_hint() -> str | None:
    """This machine's likely LAN address, from the routing table only.

    Connecting a UDP socket sends no packet; it only makes the kernel pick the
    interface it would route through. TEST-NET-1 is never actually reached.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith(("0.", "127.")) else address


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match semantics: weak comparison, ``*`` and comma-separated lists."""
    ours = etag.removeprefix("W/").strip('"')
    for part in header.split(","):
        candidate = part.strip()
        if candidate == "*":
            return True
        # Some clients drop the quotes they were sent; compare the opaque part only.
        if candidate.removeprefix("W/").strip('"') == ours:
            return True
    return False


def _redact(text: str) -> str:
    """Shorten anything token-shaped to its first 4 characters, so logs hold no usable URL."""
    return _SECRETISH.sub(lambda m: m.group(0)[:4] + "…", text)


def _http_date(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def _parse_http_date(value: str) -> dt.datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


class _Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: HTTPStatus, headers: dict[str, str], body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body


def _plain(status: HTTPStatus, body: bytes, **extra: str) -> _Response:
    return _Response(status, {"Content-Type": _TEXT, "Cache-Control": "no-store", **extra}, body)


def _not_found() -> _Response:
    # One body for every miss: unknown token, wrong kind of token, bad path.
    return _plain(HTTPStatus.NOT_FOUND, _NOT_FOUND)


class FeedServer(ThreadingHTTPServer):
    """A threading HTTP server that knows the store folder and serialises feed renders."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        home: Path,
        *,
        registry: Registry,
        today: dt.date | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.home = home
        self.registry = registry
        self.fixed_today = today
        self._log = log
        self._log_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, FeedHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that
        # can hang or leak onto the network; the name is never needed here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Calendar apps often hang up mid-response; that is not worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        self.write_log(f"walkrun serve: connection error\n{traceback.format_exc()}")

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def athlete_lock(self, athlete_id: str) -> threading.Lock:
        """One render at a time per athlete: the feed's SEQUENCE state is read, bumped and written back."""
        with self._locks_guard:
            return self._locks.setdefault(athlete_id, threading.Lock())

    def write_log(self, line: str) -> None:
        stream = self._log if self._log is not None else sys.stderr
        with self._log_lock:
            stream.write(line if line.endswith("\n") else line + "\n")
            stream.flush()


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedServer
    protocol_version = "HTTP/1.1"
    server_version = "walkrun"
    # Idle keep-alive connections each hold a thread; don't let them linger.
    timeout = 30

    def version_string(self) -> str:
        return self.server_version  # no Python version on the wire

    # ---- dispatch ----------------------------------------------------------------
    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def _method_not_allowed(self) -> None:
        # The request body (if any) is never read, so the connection cannot be reused.
        self.close_connection = True
        self._send(_plain(HTTPStatus.METHOD_NOT_ALLOWED, b"method not allowed\n", Allow=ALLOW), head=False)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed
    do_PROPFIND = do_REPORT = do_MKCALENDAR = _method_not_allowed  # CalDAV probes from calendar apps

    def _handle(self, *, head: bool) -> None:
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # an unread body would corrupt the next request
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        try:
            response = self._route(path)
        except Exception:
            self.server.write_log(f"walkrun serve: error on {self.command} {_redact(path)}\n{traceback.format_exc()}")
            response = _plain(HTTPStatus.INTERNAL_SERVER_ERROR, b"internal error\n")
        self._send(response, head=head)

    def _route(self, path: str) -> _Response:
        if m := _FEED_RE.fullmatch(path):
            return self._feed(m.group(1))
        if m := _COACH_RE.fullmatch(path):
            return self._coach(m.group(1))
        return _not_found()

    # ---- the athlete feed ---------------------------------------------------------------
    def _feed(self, token: str) -> _Response:
        server = self.server
        with Store(server.home) as store:
            scope = store.scope_for_token(token)
            if scope is None or scope == Store.COACH_SCOPE:
                return _not_found()
            profile = store.find_profile(scope)
            if profile is None:
                return _not_found()
            today = server.fixed_today or dt.datetime.now(ZoneInfo(profile.preferences.timezone)).date()
            with server.athlete_lock(scope):
                body = feed_calendar(store, server.registry, scope, today)
                etag = f'"{hashlib.sha256(body).hexdigest()}"'
                modified = self._last_modified(store, scope, etag)
        headers = {
            "Content-Type": "text/calendar; charset=utf-8",
            "ETag": etag,
            "Last-Modified": _http_date(modified),
            # Clients may keep a copy but must ask again; the 304 makes that cheap.
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "X-Robots-Tag": "noindex, nofollow",
        }
        if self._not_modified(etag, modified):
            # A 304 carries the validators and caching rules, not the body's metadata.
            del headers["Content-Type"]
            return _Response(HTTPStatus.NOT_MODIFIED, headers)
        return _Response(HTTPStatus.OK, headers, body)

    @staticmethod
    def _last_modified(store: Store, athlete_id: str, etag: str) -> dt.datetime:
        """When this body was first served: unchanged while the ETag is unchanged."""
        record = store.writer_state(athlete_id, VALIDATORS_STATE)
        previous: dt.datetime | None
        try:
            previous = dt.datetime.fromisoformat(record["last_modified"]).astimezone(dt.UTC)
        except (KeyError, ValueError):
            previous = None  # first request ever, or a damaged record: start afresh
        if previous is not None and record.get("etag") == etag:
            return previous
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        if previous is not None and now <= previous:
            # HTTP dates have one-second resolution: a change within the same second
            # (or after a clock step back) must still move Last-Modified forward,
            # or an If-Modified-Since client would be told nothing changed.
            now = previous + dt.timedelta(seconds=1)
        store.save_writer_state(athlete_id, VALIDATORS_STATE, {"etag": etag, "last_modified": now.isoformat()})
        return now

    def _not_modified(self, etag: str, modified: dt.datetime) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            # RFC 7232 §6: when If-None-Match is present, If-Modified-Since is ignored.
            return etag_matches(if_none_match, etag)
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        moment = _parse_http_date(since)
        return moment is not None and modified <= moment

    # ---- the coach page -------------------------------------------------------------------
    def _coach(self, token: str) -> _Response:
        server = self.server
        with Store(server.home) as store:
            if store.scope_for_token(token) != Store.COACH_SCOPE:
                return _not_found()
            # One date for the whole roster: the server's local day, which is the
            # coach's when the coach runs it; each feed still uses its athlete's zone.
            today = server.fixed_today or dt.date.today()
            rows = {row.athlete: row for row in build_roster(store, server.registry, today)}
            base = self._base_url()
            cards = []
            for athlete_id in store.athlete_ids():
                name = store.profile(athlete_id).name
                url = base + feed_path(store.feed_token(athlete_id))
                cards.append(_card(athlete_id, name, rows.get(athlete_id), url))
        body = _page(today, cards).encode("utf-8")
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            # Belt and braces for "no scripts, no external requests", and no token in Referer.
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'none'"
            ),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Robots-Tag": "noindex, nofollow",
        }
        return _Response(HTTPStatus.OK, headers, body)

    def _base_url(self) -> str:
        """``http://<Host header>``: the address the coach's device reached us by."""
        host = (self.headers.get("Host") or "").strip()
        if not _HOST_HEADER.fullmatch(host):
            bound = str(self.server.server_address[0])
            host = f"{format_host(bound)}:{self.server.port}"
        return f"http://{host}"

    # ---- output -----------------------------------------------------------------------------
    def _send(self, response: _Response, *, head: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != HTTPStatus.NOT_MODIFIED:
            # Always the identity length: the body is never compressed, whatever Accept-Encoding says.
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and response.status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests: a generic body instead of the default page, which echoes the request line."""
        try:
            status = HTTPStatus(code)
        except ValueError:
            status = HTTPStatus.BAD_REQUEST
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # The stdlib leaves a request line it could not parse as "HTTP/0.9", which
            # would send the body without a status line; every client today wants one.
            self.request_version = "HTTP/1.0"
        response = _plain(status, f"{status.phrase.lower()}\n".encode())
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            response.headers["Allow"] = ALLOW
        self._send(response, head=getattr(self, "command", "") == "HEAD")

    # ---- logging ------------------------------------------------------------------------------
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        method = getattr(self, "command", None) or "-"
        path = (getattr(self, "path", "") or "-").split("?", 1)[0]
        status = int(code) if isinstance(code, int) else code
        self.server.write_log(f"{self.log_date_time_string()} {method} {_redact(path)[:200]} {status}")

    def log_message(self, format: str, *args: Any) -> None:
        self.server.write_log(f"{self.log_date_time_string()} {_redact(format % args)}")


def _card(athlete_id: str, name: str, row: RosterRow | None, url: str) -> str:
    e = html.escape
    title = f"{e(name)} <span class=id>({e(athlete_id)})</span>" if name else e(athlete_id)
    if row is None:
        facts = [("Phase", "not started (injury date is after today)")]
        flags: list[str] = []
    else:
        since = row.days_since_last_session
        facts = [
            ("Phase", row.phase),
            ("Level", row.level or "—"),
            ("Last session", "none yet" if since is None else ("today" if since == 0 else f"{since} days ago")),
            ("Last pain", row.last_pain or "none reported"),
        ]
        flags = row.red_flags
    dl = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
    flag_html = (
        "<ul class=flags>" + "".join(f"<li>{e(f)}</li>" for f in flags) + "</ul>"
        if flags
        else "<p class=ok>No red flags</p>"
    )
    return (
        f'<section class="card{" alert" if flags else ""}">'
        f"<h2>{title}</h2>"
        f"<dl>{dl}</dl>"
        f"{flag_html}"
        f"{_feed_links(url)}"
        "</section>"
    )


def _feed_links(url: str) -> str:
    e = html.escape
    webcal = "webcal://" + url.split("://", 1)[1]
    return (
        f"<p class=feed>Calendar feed:<br><code>{e(url)}</code></p>"
        f'<p class=links><a href="{e(webcal, quote=True)}">Subscribe (webcal)</a>'
        f' <a href="{e(url, quote=True)}">Download .ics</a></p>'
    )


_CSS = """
*{box-sizing:border-box}
body{margin:0;padding:1rem;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1b1b;background:#f4f5f7}
h1{font-size:1.3rem;margin:0 0 .25rem}
.sub{color:#555;margin:0 0 1rem}
main{display:grid;gap:1rem;grid-template-columns:1fr}
@media (min-width:600px){main{grid-template-columns:repeat(auto-fill,minmax(320px,1fr))}}
.card{background:#fff;border:1px solid #d8dbe0;border-radius:8px;padding:.9rem}
.card.alert{border-color:#c62828;border-width:2px}
h2{font-size:1.1rem;margin:0 0 .5rem}
.id{color:#666;font-weight:normal}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .75rem;margin:0 0 .6rem}
dt{color:#555}
dd{margin:0}
.flags{margin:0 0 .6rem;padding:.5rem .5rem .5rem 1.6rem;background:#fdecea;color:#8e1c1c;border-radius:6px;
font-weight:600}
.ok{color:#2e7d32;margin:0 0 .6rem}
.feed{margin:0 0 .4rem;font-size:.9rem}
code{word-break:break-all;font-size:.85rem}
.links a{display:inline-block;margin:.2rem .6rem .2rem 0;padding:.35rem .7rem;border:1px solid #1565c0;
border-radius:6px;color:#1565c0;text-decoration:none}
footer{color:#666;font-size:.85rem;margin-top:1rem}
"""


def _page(today: dt.date, cards: Iterable[str]) -> str:
    body = "".join(cards) or "<p>No athletes yet (walkrun init).</p>"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        '<meta name=robots content="noindex, nofollow">'
        '<meta name=referrer content="no-referrer">'
        "<title>walkrun: athletes</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>walkrun: athletes</h1>"
        f"<p class=sub>As of {html.escape(today.isoformat())}. Keep this page's address private: "
        "it opens every athlete's plan.</p>"
        f"<main>{body}</main>"
        "<footer>Subscribe to a feed in Apple Calendar or Thunderbird with its http address; "
        "the calendar then updates itself when the plan changes.</footer>"
        "</body></html>"
    )


def make_server(
    home: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    today: dt.date | None = None,
    *,
    registry: Registry | None = None,
    allow_public: bool = False,
    log: TextIO | None = None,
) -> FeedServer:
    """Bind (port 0 picks a free port) without serving yet.

    ``today`` pins the plan date for tests; otherwise each feed uses the
    current date in its athlete's time zone. A non-loopback ``host`` needs
    ``allow_public=True``: every token URL is then readable by anyone who can
    reach the machine and knows it.
    """
    if not is_loopback(host) and not allow_public:
        raise ValueError(f"{host!r} is not a loopback address; pass allow_public=True to serve it")
    return FeedServer((host, port), home, registry=registry or get_registry(), today=today, log=log)


def serve_forever(server: FeedServer, poll_interval: float = 0.5) -> None:
    """Serve until Ctrl-C, then release the port."""
    try:
        server.serve_forever(poll_interval=poll_interval)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
