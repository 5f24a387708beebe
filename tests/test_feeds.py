"""Live feeds over real HTTP on a loopback port (the app under uvicorn), and the ``feed-url``/``serve`` commands."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import http.client
import io
import json
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

import walkrun.builtin.commands.serve  # also registers feed-url and serve on the root group
import walkrun.serve.app
from conftest import INJURY
from walkrun.app.athlete import plan_for
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.plugins.manager import Registry
from walkrun.serve import http as feeds
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.http import etag_matches, is_loopback
from walkrun.serve.runner import bind_socket, run_server, running
from walkrun.store import Store

TIMEOUT = 10.0
CLEARANCE_TESTS = [
    "single-leg-step-down",
    "single-leg-squat",
    "single-leg-heel-raise",
    "hip-airplane",
    "loaded-carry-march",
    "bridge-straight-leg-raise",
    "dead-bug-band",
    "lateral-toe-tap-loaded",
    "adductor-plank",
]
EVIL_NAME = '<script>alert("x")</script> Bob & "Co"'
FEED_PATH = re.compile(r"^/feeds/[A-Za-z0-9_-]{32}\.ics$")
COACH_PATH = re.compile(r"^/coach/[A-Za-z0-9_-]{32}$")


# ---- fixtures -----------------------------------------------------------------------------
@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


@dataclass
class Feeds:
    home: Path
    port: int
    log: io.StringIO
    today: dt.date
    run_day: dt.date
    registry: Registry

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, scope: str, *, regenerate: bool = False) -> str:
        with Store(self.home) as store:
            return store.feed_token(scope, regenerate=regenerate)

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return Reply(resp.status, resp.msg, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, {k.replace("_", "-"): v for k, v in headers.items()})


def _ready_runner(store: Store, athlete_id: str) -> dt.date:
    """Twelve-plus weeks out, three weeks of pain-free brisk walks, every clearance test passed."""
    day, end = INJURY + dt.timedelta(weeks=10), INJURY + dt.timedelta(weeks=13)
    while day <= end:
        if day.weekday() in (0, 2, 4, 6):
            store.add_checkin(
                athlete_id, CheckIn(date=day, walk_min=45, pain_during=0, pain_after=0, pain_next_morning=0)
            )
        day += dt.timedelta(days=1)
    for test in CLEARANCE_TESTS:
        store.add_clinical(athlete_id, ClinicalTestResult(test=test, date=end - dt.timedelta(days=2), passed=True))
    return end + dt.timedelta(days=1)


def _profile(athlete_id: str, name: str) -> AthleteProfile:
    return AthleteProfile.model_validate(
        {
            "athlete_id": athlete_id,
            "name": name,
            "condition": "femoral-neck-bsi",
            "injury_date": INJURY,
            "preferences": {"timezone": "Europe/London"},
        }
    )


@pytest.fixture
def feeds_env(tmp_path: Path, registry: Registry) -> Iterator[Feeds]:
    home = tmp_path / "home"
    with Store(home) as store:
        store.save_profile(_profile("ann", "Ann Runner"))
        store.save_profile(_profile("bob", EVIL_NAME))
        after = _ready_runner(store, "ann")
        for offset in (70, 72, 74):
            day = INJURY + dt.timedelta(days=offset)
            store.add_checkin("bob", CheckIn(date=day, walk_min=30, pain_during=0, pain_after=1))
        run_day = next(s.date for s in plan_for(store, registry, "ann", after).plan.sessions if s.run_s)
    log = io.StringIO()
    # The feed is evaluated on Ann's first walk-run day, so a pain report that day changes what follows.
    app = create_app(ServeOptions(home, today=run_day, log=log), registry)
    with running(app) as base:
        yield Feeds(home, _port(base), log, run_day, run_day, registry)


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _events(body: bytes) -> dict[str, dict[str, Any]]:
    cal = Calendar.from_ical(body)
    events = {}
    for ev in cal.walk("VEVENT"):
        content = tuple(
            ev[k].to_ical() if k in ev else b"" for k in ("SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "STATUS")
        )
        events[str(ev["UID"])] = {"seq": int(ev.get("SEQUENCE", 0)), "content": content}
    return events


# ---- the feed -------------------------------------------------------------------------------
def test_feed_is_a_calendar_with_validators_and_no_compression(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    r = feeds_env.get(path, Accept_Encoding="gzip, deflate, br")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert r.headers["Content-Encoding"] is None
    assert not r.body.startswith(b"\x1f\x8b")
    assert int(r.headers["Content-Length"]) == len(r.body)
    assert r.headers["Cache-Control"] == "private, no-cache"
    assert r.headers["ETag"] == f'"{hashlib.sha256(r.body).hexdigest()}"'
    modified = email.utils.parsedate_to_datetime(r.headers["Last-Modified"])
    assert r.headers["Last-Modified"].endswith(" GMT")
    assert abs((dt.datetime.now(dt.UTC) - modified).total_seconds()) < 120
    cal = Calendar.from_ical(r.body)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert len(cal.walk("VEVENT")) > 10
    # Same data, same day: same bytes and the same validators.
    again = feeds_env.get(path)
    assert again.body == r.body
    assert again.headers["ETag"] == r.headers["ETag"]
    assert again.headers["Last-Modified"] == r.headers["Last-Modified"]


def test_if_none_match_gives_304_in_every_spelling(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    first = feeds_env.get(path)
    etag = first.headers["ETag"]
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*", etag.strip('"')):
        r = feeds_env.get(path, If_None_Match=header)
        assert r.status == 304, header
        assert r.body == b""
        assert r.headers["ETag"] == etag
        assert r.headers["Last-Modified"] == first.headers["Last-Modified"]
        assert r.headers["Cache-Control"] == "private, no-cache"
    # A stale ETag wins over a matching If-Modified-Since (RFC 7232 §6).
    r = feeds_env.get(path, If_None_Match='"stale"', If_Modified_Since=first.headers["Last-Modified"])
    assert r.status == 200 and r.body == first.body


def test_if_modified_since(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    first = feeds_env.get(path)
    modified = email.utils.parsedate_to_datetime(first.headers["Last-Modified"])
    assert feeds_env.get(path, If_Modified_Since=first.headers["Last-Modified"]).status == 304
    later = email.utils.format_datetime(modified + dt.timedelta(hours=1), usegmt=True)
    assert feeds_env.get(path, If_Modified_Since=later).status == 304
    earlier = email.utils.format_datetime(modified - dt.timedelta(seconds=1), usegmt=True)
    assert feeds_env.get(path, If_Modified_Since=earlier).status == 200
    assert feeds_env.get(path, If_Modified_Since="not a date").status == 200


def test_keep_alive_connection_serves_200_then_304(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    conn = http.client.HTTPConnection("127.0.0.1", feeds_env.port, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        first = conn.getresponse()
        body = first.read()
        assert first.status == 200 and body
        conn.request("GET", path, headers={"If-None-Match": first.headers["ETag"]})
        second = conn.getresponse()
        assert second.status == 304 and second.read() == b""
    finally:
        conn.close()


def test_concurrent_requests_agree(feeds_env: Feeds) -> None:
    paths = [feeds.feed_path(feeds_env.token(a)) for a in ("ann", "bob")]
    coach = feeds.coach_path(feeds_env.token(Store.COACH_SCOPE))
    results: list[tuple[str, int, str | None]] = []
    lock = threading.Lock()

    def fetch(path: str) -> None:
        r = feeds_env.get(path)
        with lock:
            results.append((path, r.status, r.headers["ETag"]))

    threads = [threading.Thread(target=fetch, args=(p,)) for p in [*paths, coach] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT * 3)
    assert not any(t.is_alive() for t in threads)
    assert len(results) == len(threads)
    assert all(status == 200 for _, status, _ in results), results
    for path in paths:
        assert len({etag for p, _, etag in results if p == path}) == 1


def test_pain_report_changes_the_feed_in_place(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    before = feeds_env.get(path)
    old = _events(before.body)
    with Store(feeds_env.home) as store:
        session = plan_for(store, feeds_env.registry, "ann", feeds_env.run_day).plan.session_on(feeds_env.run_day)
        assert session is not None and session.run_s, "the fixture's today should be a run day"
        store.add_checkin(
            "ann",
            CheckIn(
                date=feeds_env.run_day,
                walk_min=session.walk_s / 60,
                run_min=session.run_s / 60,
                pain_during=3,
                pain_after=1,
            ),
        )
    after = feeds_env.get(path, If_None_Match=before.headers["ETag"])
    assert after.status == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert email.utils.parsedate_to_datetime(after.headers["Last-Modified"]) > email.utils.parsedate_to_datetime(
        before.headers["Last-Modified"]
    )
    new = _events(after.body)
    assert set(new) == set(old), "events must keep their UIDs so clients update them in place"
    changed = [uid for uid in new if new[uid]["content"] != old[uid]["content"]]
    assert changed, "a pain report on a run day should change later sessions"
    for uid in new:
        if uid in changed:
            assert new[uid]["seq"] > old[uid]["seq"], uid
        else:
            assert new[uid]["seq"] == old[uid]["seq"], uid
    # And the new version is stable again.
    assert feeds_env.get(path, If_None_Match=after.headers["ETag"]).status == 304


def test_last_modified_survives_a_restart(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    first = feeds_env.get(path)
    second = create_app(ServeOptions(feeds_env.home, today=feeds_env.today, log=io.StringIO()), feeds_env.registry)
    with running(second) as base:
        conn = http.client.HTTPConnection("127.0.0.1", _port(base), timeout=TIMEOUT)
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        conn.close()
    assert resp.headers["ETag"] == first.headers["ETag"]
    assert resp.headers["Last-Modified"] == first.headers["Last-Modified"]


def test_head_has_headers_but_no_body(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    got = feeds_env.get(path)
    head = feeds_env.request("HEAD", path)
    assert head.status == 200
    assert head.body == b""
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert head.headers["ETag"] == got.headers["ETag"]
    assert head.headers["Last-Modified"] == got.headers["Last-Modified"]
    assert int(head.headers["Content-Length"]) == len(got.body)
    assert feeds_env.request("HEAD", path, {"If-None-Match": got.headers["ETag"]}).status == 304


# ---- what must stay hidden ------------------------------------------------------------------
def test_unknown_tokens_and_bad_paths_are_plain_404s(feeds_env: Feeds) -> None:
    ann = feeds_env.token("ann")
    paths = [
        feeds.feed_path(secrets.token_urlsafe(24)),
        feeds.feed_path("short"),
        f"/feeds/{ann}",
        f"/feeds/{ann}.ics/extra",
        f"/feeds/{ann}.ICS",
        f"/feeds/../feeds/{ann}.ics",
        "/feeds/",
        "/coach/",
        "/",
        "/favicon.ico",
        "/feeds/ann.ics",
        "/coach/" + secrets.token_urlsafe(24),
    ]
    bodies = set()
    for path in paths:
        r = feeds_env.get(path)
        assert r.status == 404, path
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
        for secret in (b"ann", b"bob", b"Ann", b"Bob", ann.encode()):
            assert secret not in r.body, (path, r.body)
        bodies.add(r.body)
    assert len(bodies) == 1, "every miss must look the same"


def test_coach_token_is_not_a_feed_and_athlete_token_is_not_the_coach_page(feeds_env: Feeds) -> None:
    coach = feeds_env.token(Store.COACH_SCOPE)
    ann = feeds_env.token("ann")
    miss = feeds_env.get("/feeds/" + secrets.token_urlsafe(24) + ".ics")
    for path in (feeds.feed_path(coach), feeds.coach_path(ann)):
        r = feeds_env.get(path)
        assert r.status == 404
        assert r.body == miss.body


def test_regenerated_token_retires_the_old_url(feeds_env: Feeds) -> None:
    old = feeds_env.token("ann")
    assert feeds_env.get(feeds.feed_path(old)).status == 200
    new = feeds_env.token("ann", regenerate=True)
    assert new != old
    assert feeds_env.get(feeds.feed_path(old)).status == 404
    assert feeds_env.get(feeds.feed_path(new)).status == 200


def test_other_methods_are_405_with_allow(feeds_env: Feeds) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PROPFIND"):
        r = feeds_env.request(method, path, {"Content-Length": "0"})
        assert r.status == 405, method
        assert r.headers["Allow"] == "GET, HEAD"
        assert b"ann" not in r.body


def test_malformed_request_gets_a_generic_400(feeds_env: Feeds) -> None:
    token = feeds_env.token("ann")
    with socket.create_connection(("127.0.0.1", feeds_env.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET /feeds/{token}.ics HTTP/1.x\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400")
    assert data.endswith(b"\r\n\r\nbad request\n")
    assert token.encode() not in data


def test_errors_are_500_and_the_server_keeps_running(feeds_env: Feeds, monkeypatch: pytest.MonkeyPatch) -> None:
    path = feeds.feed_path(feeds_env.token("ann"))

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(walkrun.serve.app, "feed_calendar", broken)
    r = feeds_env.get(path)
    assert r.status == 500
    assert r.body == b"internal error\n"
    assert "renderer exploded" in feeds_env.log.getvalue()  # the traceback goes to the log only
    monkeypatch.undo()
    assert feeds_env.get(path).status == 200


def test_log_has_one_line_per_request_and_never_a_full_token(feeds_env: Feeds) -> None:
    ann, coach = feeds_env.token("ann"), feeds_env.token(Store.COACH_SCOPE)
    feeds_env.get(feeds.feed_path(ann))
    feeds_env.get(feeds.coach_path(coach))
    feeds_env.get(feeds.feed_path(coach))
    feeds_env.get("/oops/" + ann)
    log = feeds_env.log.getvalue()
    assert ann not in log and coach not in log
    assert ann[4:12] not in log
    lines = log.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].endswith(f"GET /feeds/{ann[:4]}….ics 200")
    assert lines[1].endswith(f"GET /coach/{coach[:4]}… 200")
    assert lines[2].endswith(" 404")


# ---- the coach page ---------------------------------------------------------------------------
def test_coach_page_lists_everyone_with_absolute_feed_urls(feeds_env: Feeds) -> None:
    coach = feeds_env.token(Store.COACH_SCOPE)
    r = feeds_env.get(feeds.coach_path(coach))
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    page = r.body.decode()
    host = f"127.0.0.1:{feeds_env.port}"
    for athlete in ("ann", "bob"):
        path = feeds.feed_path(feeds_env.token(athlete))
        assert f"http://{host}{path}" in page
        assert f'href="webcal://{host}{path}"' in page
    assert "Ann Runner" in page and "walk-run" in page
    assert 'name=viewport content="width=device-width' in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Bob &amp; &quot;Co&quot;" in page
    # Self-contained: every link points back at this server, nothing is loaded from elsewhere.
    for url in re.findall(r'(?:href|src)="([^"]*)"', page):
        assert url.startswith((f"http://{host}/", f"webcal://{host}/")), url
    assert "src=" not in page and "@import" not in page and "url(" not in page
    assert "max-width" in page or "min-width:600px" in page


def test_coach_page_uses_the_host_header_and_ignores_a_hostile_one(feeds_env: Feeds) -> None:
    path = feeds.coach_path(feeds_env.token(Store.COACH_SCOPE))
    ann = feeds.feed_path(feeds_env.token("ann"))
    r = feeds_env.request("GET", path, {"Host": "coach-laptop.local:8765"})
    assert f"http://coach-laptop.local:8765{ann}" in r.body.decode()
    r = feeds_env.request("GET", path, {"Host": 'evil"><img src=x>'})
    page = r.body.decode()
    assert "evil" not in page
    assert f"http://127.0.0.1:{feeds_env.port}{ann}" in page


def test_an_athlete_called_coach_never_gets_the_coach_token_as_a_feed(feeds_env: Feeds) -> None:
    with Store(feeds_env.home) as store:
        store.save_profile(_profile("coach", "Unlucky id"))
        own = store.feed_token("coach")
    coach = feeds_env.token(Store.COACH_SCOPE)
    assert own != coach
    page = feeds_env.get(feeds.coach_path(coach)).body.decode()
    assert "Unlucky id" in page and feeds.feed_path(own) in page
    assert feeds.feed_path(coach) not in page
    assert feeds_env.get(feeds.feed_path(coach)).status == 404
    assert feeds_env.get(feeds.feed_path(own)).status == 200


def test_coach_page_highlights_red_flags(feeds_env: Feeds) -> None:
    with Store(feeds_env.home) as store:
        store.add_checkin("bob", CheckIn(date=feeds_env.today, night_pain=True, pain_during=6))
    page = feeds_env.get(feeds.coach_path(feeds_env.token(Store.COACH_SCOPE))).body.decode()
    assert 'class="card alert"' in page
    flags = re.search(r"<ul class=flags>(.*?)</ul>", page)
    assert flags and "night pain" in flags.group(1) and "pain 5/10 or more" in flags.group(1)


# ---- small pieces ---------------------------------------------------------------------------
def test_etag_matching_and_loopback_rules() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('W/"abc"', '"abc"')
    assert etag_matches('"x", W/"abc" , "y"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abcd"', '"abc"')
    assert not etag_matches("", '"abc"')
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


def test_bind_refuses_a_public_address_unless_asked() -> None:
    with pytest.raises(ValueError, match="allow_public"):
        bind_socket("0.0.0.0", 0)


# ---- CLI ------------------------------------------------------------------------------------
def _init(run_cli: Callable[..., Any], athlete: str, *extra: str) -> None:
    r = run_cli(
        "--today",
        "2026-06-01",
        "init",
        "--athlete",
        athlete,
        "--condition",
        "femoral-neck-bsi",
        "--injury-date",
        str(INJURY),
        *extra,
    )
    assert r.exit_code == 0, r.stderr


def test_feed_url_is_stable_and_regenerates(run_cli: Callable[..., Any]) -> None:
    _init(run_cli, "ann")
    _init(run_cli, "bob")
    first = run_cli("--athlete", "ann", "feed-url")
    assert first.exit_code == 0, first.stderr
    path = first.stdout.strip()
    assert FEED_PATH.match(path), path
    assert run_cli("--athlete", "ann", "feed-url").stdout.strip() == path
    other = run_cli("--athlete", "bob", "feed-url").stdout.strip()
    assert FEED_PATH.match(other) and other != path
    new = run_cli("--athlete", "ann", "feed-url", "--regenerate")
    assert new.exit_code == 0
    assert FEED_PATH.match(new.stdout.strip()) and new.stdout.strip() != path
    assert "old one no longer works" in new.stderr
    assert run_cli("--athlete", "ann", "feed-url").stdout.strip() == new.stdout.strip()


def test_feed_url_json_base_url_and_coach(run_cli: Callable[..., Any]) -> None:
    _init(run_cli, "ann")
    r = run_cli("--athlete", "ann", "feed-url", "--base-url", "http://192.168.1.20:8765/", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["scope"] == "athlete" and data["athlete"] == "ann" and data["regenerated"] is False
    assert FEED_PATH.match(data["path"])
    assert data["url"] == "http://192.168.1.20:8765" + data["path"]
    assert data["webcal"] == "webcal://192.168.1.20:8765" + data["path"]
    text = run_cli("--athlete", "ann", "feed-url", "--base-url", "http://h:1").stdout.splitlines()
    assert text == [data["path"], "http://h:1" + data["path"]]
    coach = run_cli("feed-url", "--coach")
    assert coach.exit_code == 0, coach.stderr
    assert COACH_PATH.match(coach.stdout.strip())
    coach_json = json.loads(run_cli("feed-url", "--coach", "--json").stdout)
    assert coach_json["path"] == coach.stdout.strip() and coach_json["athlete"] is None


def test_feed_url_refusals(run_cli: Callable[..., Any]) -> None:
    _init(run_cli, "ann")
    r = run_cli("--athlete", "ann", "feed-url", "--coach")
    assert r.exit_code != 0 and "--coach" in r.stderr and not r.stdout
    r = run_cli("--athlete", "zed", "feed-url")
    assert r.exit_code != 0 and "unknown athlete" in r.stderr
    r = run_cli("--athlete", "ann", "feed-url", "--base-url", "ftp://x")
    assert r.exit_code != 0 and "--base-url" in r.stderr
    _init(run_cli, "coach")
    coach_path = run_cli("feed-url", "--coach").stdout.strip()
    athlete_path = run_cli("--athlete", "coach", "feed-url").stdout.strip()
    assert athlete_path.startswith("/feeds/") and athlete_path.removeprefix("/feeds/").removesuffix(".ics") != (
        coach_path.removeprefix("/coach/")
    )


def test_feed_url_from_the_cli_works_against_the_server(
    run_cli: Callable[..., Any], home: Path, registry: Registry
) -> None:
    _init(run_cli, "ann")
    path = run_cli("--athlete", "ann", "feed-url").stdout.strip()
    app = create_app(ServeOptions(home, today=dt.date(2026, 6, 1), log=io.StringIO()), registry)
    with running(app) as base:
        conn = http.client.HTTPConnection("127.0.0.1", _port(base), timeout=TIMEOUT)
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    assert resp.status == 200
    assert Calendar.from_ical(body).walk("VEVENT")


def test_serve_needs_public_for_other_hosts(run_cli: Callable[..., Any]) -> None:
    r = run_cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert r.exit_code != 0
    assert "--public" in r.stderr


def test_serve_prints_the_urls_and_stops_cleanly(run_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _init(run_cli, "ann")
    seen: dict[str, Any] = {}

    def fake_run_server(options: ServeOptions, sock: socket.socket, **kwargs: Any) -> None:
        # What Ctrl-C leaves behind: the real runner swallows KeyboardInterrupt and closes.
        seen["port"] = sock.getsockname()[1]
        seen["kwargs"] = kwargs
        sock.close()

    monkeypatch.setattr(walkrun.builtin.commands.serve, "run_server", fake_run_server)
    r = run_cli("serve", "--port", "0")
    assert r.exit_code == 0, r.stderr
    base = f"http://127.0.0.1:{seen['port']}"
    assert re.search(rf"coach page: {re.escape(base)}/coach/[A-Za-z0-9_-]{{32}}$", r.stdout, re.M)
    assert re.search(rf"ann: {re.escape(base)}/feeds/[A-Za-z0-9_-]{{32}}\.ics$", r.stdout, re.M)
    assert "Stopped serving." in r.stdout
    ann_path = run_cli("--athlete", "ann", "feed-url").stdout.strip()
    assert f"{base}{ann_path}" in r.stdout


def test_run_server_turns_ctrl_c_into_a_clean_return(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    sock = bind_socket("127.0.0.1", 0)

    def interrupted(self: object, sockets: object = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("uvicorn.Server.run", interrupted)
    app = create_app(ServeOptions(tmp_path, log=io.StringIO()), registry)
    run_server(ServeOptions(tmp_path), sock, app=app)
    assert sock.fileno() == -1  # the port was released
