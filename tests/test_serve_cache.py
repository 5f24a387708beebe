"""Feeds are cached per content key: polls don't rebuild plans, a change shows on the next poll.

Real HTTP on a loopback port. Plan building is replaced by a broken stand-in
where a test must prove that no plan is built.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

import walkrun.serve.app
import walkrun.serve.cache
from conftest import INJURY
from walkrun.app.export import feed_calendar
from walkrun.domain.activities import Activity
from walkrun.domain.models import AthleteProfile, CheckIn
from walkrun.plugins.manager import Registry
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.cache import FeedCache, Rendered
from walkrun.serve.http import feed_path
from walkrun.serve.runner import running
from walkrun.store import Store

TODAY = INJURY + dt.timedelta(weeks=11)


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes


def get(base: str, path: str, **headers: str) -> Reply:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        return Reply(resp.status, resp.msg, resp.read())
    finally:
        conn.close()


def seed_walker(store: Store) -> None:
    """Ann, eleven weeks after a femoral-neck injury, with pain-free 40-minute walks every other day."""
    store.save_profile(
        AthleteProfile.model_validate(
            {
                "athlete_id": "ann",
                "condition": "femoral-neck-bsi",
                "injury_date": INJURY,
                "preferences": {"timezone": "Europe/London"},
            }
        )
    )
    for offset in range(56, 77, 2):
        day = INJURY + dt.timedelta(days=offset)
        store.add_checkin("ann", CheckIn(date=day, walk_min=40, pain_during=0, pain_after=0))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with Store(home) as store:
        seed_walker(store)
    return home


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts real feed renders."""
    seen: list[str] = []

    def counting(store: Store, registry: Registry, athlete_id: str, today: dt.date) -> bytes:
        seen.append(athlete_id)
        return feed_calendar(store, registry, athlete_id, today)

    monkeypatch.setattr(walkrun.serve.app, "feed_calendar", counting)
    return seen


@pytest.fixture
def base(home: Path, registry: Registry) -> Iterator[str]:
    with running(create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)) as url:
        yield url


def token(home: Path) -> str:
    with Store(home) as store:
        return store.feed_token("ann")


def no_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, building a plan or a calendar fails the request."""

    def boom(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("a plan was built")

    monkeypatch.setattr(walkrun.serve.app, "feed_calendar", boom)


def test_polls_are_answered_from_the_cache(
    base: str, home: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = feed_path(token(home))
    first = get(base, path)
    assert first.status == 200 and renders == ["ann"]
    no_plans(monkeypatch)
    for _ in range(3):
        again = get(base, path)
        assert again.status == 200
        assert again.body == first.body and again.headers["ETag"] == first.headers["ETag"]
    assert get(base, path, If_None_Match=first.headers["ETag"]).status == 304


def test_a_checkin_is_visible_on_the_next_poll(base: str, home: Path, renders: list[str]) -> None:
    path = feed_path(token(home))
    before = get(base, path)
    with Store(home) as store:
        # Night pain is a red flag: the plan stops loading, which the calendar must show at once.
        store.add_checkin("ann", CheckIn(date=TODAY, night_pain=True, pain_during=6, pain_after=6))
    after = get(base, path, If_None_Match=before.headers["ETag"])
    assert after.status == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.body != before.body
    assert renders == ["ann", "ann"]


def test_an_import_or_profile_change_invalidates_the_cache(base: str, home: Path, renders: list[str]) -> None:
    path = feed_path(token(home))
    get(base, path)
    with Store(home) as store:
        run = store.start_import("ann", [])
        start = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(7), tzinfo=dt.UTC)
        store.add_activity(
            "ann",
            run,
            Activity(source="w.gpx", content_hash="ab" * 32, sport="walking", start_utc=start, elapsed_s=2400),
        )
    get(base, path)
    assert len(renders) == 2
    with Store(home) as store:
        profile = store.profile("ann")
        store.save_profile(profile.model_copy(update={"name": "Ann Renamed"}))
    get(base, path)
    assert len(renders) == 3
    get(base, path)
    assert len(renders) == 3


def test_a_fresh_process_answers_304_without_building_a_plan(
    home: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = feed_path(token(home))
    with running(create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)) as first:
        served = get(first, path)
    no_plans(monkeypatch)
    # Another instance (or this one restarted) with an empty cache, sharing the store.
    with running(create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)) as second:
        assert get(second, path, If_None_Match=served.headers["ETag"]).status == 304
        assert get(second, path, If_Modified_Since=served.headers["Last-Modified"]).status == 304
        # A client without validators needs the body, so that one must be built (and fails here).
        assert get(second, path).status == 500


def test_two_instances_on_one_store_agree_after_a_checkin(home: Path, registry: Registry) -> None:
    path = feed_path(token(home))
    app_a = create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)
    app_b = create_app(ServeOptions(home, today=TODAY, log=io.StringIO()), registry)
    with running(app_a) as a, running(app_b) as b:
        old = get(a, path)
        assert get(b, path).headers["ETag"] == old.headers["ETag"]
        with Store(home) as store:
            store.add_checkin("ann", CheckIn(date=TODAY, walk_min=20, pain_during=4, pain_after=4))
        new_b = get(b, path, If_None_Match=old.headers["ETag"])
        new_a = get(a, path, If_None_Match=old.headers["ETag"])
        assert new_a.status == new_b.status == 200
        assert new_a.body == new_b.body and new_a.headers["ETag"] == new_b.headers["ETag"]


def test_without_a_change_counter_every_request_rescans_and_stays_correct(
    base: str, home: Path, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store without SQLite's data_version (e.g. PostgreSQL) rescans the inputs each time.
    monkeypatch.setattr(walkrun.serve.cache, "data_version", lambda store: None)
    path = feed_path(token(home))
    first = get(base, path)
    assert get(base, path).body == first.body and len(renders) == 1
    with Store(home) as store:
        store.add_checkin("ann", CheckIn(date=TODAY, walk_min=20, pain_during=4, pain_after=4))
    assert get(base, path).headers["ETag"] != first.headers["ETag"]
    assert len(renders) == 2


def test_a_new_day_in_the_athletes_zone_is_a_new_key(
    home: Path, registry: Registry, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = feed_path(token(home))
    clock = {"today": TODAY}
    zones: list[str] = []

    def today_in(zone: str) -> dt.date:
        zones.append(zone)
        return clock["today"]

    monkeypatch.setattr(walkrun.serve.cache, "today_in", today_in)
    with running(create_app(ServeOptions(home, log=io.StringIO()), registry)) as base:
        first = get(base, path)
        assert get(base, path, If_None_Match=first.headers["ETag"]).status == 304
        clock["today"] = TODAY + dt.timedelta(days=1)
        second = get(base, path, If_None_Match=first.headers["ETag"])
    assert len(renders) == 2
    assert second.status == 200 and second.body != first.body
    assert set(zones) == {"Europe/London"}  # the athlete's own zone, not the server's


def test_the_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = FeedCache(max_entries=3, max_bytes=250)
    now = dt.datetime.now(dt.UTC)
    for i in range(5):
        cache.put(f"a{i}", Rendered("k", b"x" * 50, '"e"', now))
    assert len(cache) == 3
    assert cache.get("a0", "k") is None and cache.get("a4", "k") is not None
    assert cache.get("a4", "other key") is None  # a stale key is a miss, never an old body
    cache.put("big", Rendered("k", b"x" * 200, '"e"', now))
    assert len(cache) == 2  # 50 + 200 bytes fit, 100 + 200 would not
    cache.put("huge", Rendered("k", b"x" * 1000, '"e"', now))
    assert len(cache) == 1 and cache.get("huge", "k") is not None


class _CountingStore:
    """Just enough of a store for ContentKeys' token memory: a change counter and token lookups."""

    def __init__(self) -> None:
        self.version = 1
        self.tokens = {"good": "ann"}
        self.lookups = 0

    def data_version(self) -> int:
        return self.version

    def scope_for_token(self, token: str) -> str | None:
        self.lookups += 1
        return self.tokens.get(token)


def test_token_answers_are_remembered_only_while_the_store_is_unchanged() -> None:
    from walkrun.serve.cache import ContentKeys

    store = _CountingStore()
    keys = ContentKeys("code", None)
    for _ in range(3):
        keys.sync(store)  # type: ignore[arg-type]
        assert keys.scope(store, "good") == "ann"  # type: ignore[arg-type]
    assert store.lookups == 1, "an unchanged store answers a known token from memory"
    for _ in range(3):
        keys.sync(store)  # type: ignore[arg-type]
        assert keys.scope(store, "probe") is None  # type: ignore[arg-type]
    assert store.lookups == 4, "unknown tokens are looked up every time, never remembered"
    del store.tokens["good"]
    store.version += 1  # revoking a token is a commit
    keys.sync(store)  # type: ignore[arg-type]
    assert keys.scope(store, "good") is None  # type: ignore[arg-type]
