"""The feed cache trusts the store's change counter on SQLite and PostgreSQL alike.

An unchanged store costs a poll one counter read: no input rescan, no plan. A check-in from
another process shows on the next poll. The server's own writes (feed state, validators,
coach-page tokens) cost at most one rescan, never a cache that stays invalid.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import walkrun.serve.app
import walkrun.serve.cache
from conftest import INJURY
from test_serve_cache import get, seed_walker
from walkrun.domain.models import CheckIn
from walkrun.plugins.manager import Registry
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.http import coach_path, feed_path
from walkrun.serve.runner import running
from walkrun.store import Store

OpenStore = Callable[[], Store]
TODAY = INJURY + dt.timedelta(weeks=11)


@pytest.fixture
def seeded(open_store: OpenStore) -> OpenStore:
    with open_store() as store:
        seed_walker(store)
    return open_store


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the inputs were rescanned, a feed rendered and a roster built."""
    seen = {"scans": 0, "renders": 0, "rosters": 0}

    def wrap(module: Any, name: str, what: str) -> None:
        real = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            seen[what] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    wrap(walkrun.serve.cache, "_inputs", "scans")
    wrap(walkrun.serve.app, "feed_calendar", "renders")
    wrap(walkrun.serve.app, "build_roster", "rosters")
    return seen


@pytest.fixture
def served(seeded: OpenStore, tmp_path: Path, store_url: str | None, registry: Registry) -> Iterator[str]:
    options = ServeOptions(tmp_path / "home", today=TODAY, log=io.StringIO(), database_url=store_url)
    with running(create_app(options, registry)) as base:
        yield base


def _poll_until_settled(base: str, path: str) -> None:
    """The first poll renders (and writes feed state); the next rescans once; after that nothing moves."""
    for _ in range(2):
        assert get(base, path).status == 200


def test_an_unchanged_store_costs_a_poll_no_rescan_and_no_plan(
    seeded: OpenStore, served: str, counts: dict[str, int]
) -> None:
    with seeded() as store:
        path = feed_path(store.feed_token("ann"))
    _poll_until_settled(served, path)
    settled = dict(counts)
    assert settled["renders"] == 1
    first = get(served, path)
    for _ in range(5):
        again = get(served, path, If_None_Match=first.headers["ETag"])
        assert again.status == 304
    assert counts == settled, "polls of an unchanged store rescanned or rebuilt"


def test_a_checkin_from_another_process_shows_on_the_next_poll(
    seeded: OpenStore, served: str, counts: dict[str, int]
) -> None:
    with seeded() as store:
        path = feed_path(store.feed_token("ann"))
    _poll_until_settled(served, path)
    before = get(served, path)
    with seeded() as store:  # another connection, as another process would be
        store.add_checkin("ann", CheckIn(date=TODAY, night_pain=True, pain_during=6, pain_after=6))
    after = get(served, path, If_None_Match=before.headers["ETag"])
    assert after.status == 200 and after.body != before.body
    assert after.headers["ETag"] != before.headers["ETag"]
    assert counts["renders"] == 2


def test_the_coach_page_is_cached_until_the_store_changes(
    seeded: OpenStore, served: str, counts: dict[str, int]
) -> None:
    with seeded() as store:
        path = coach_path(store.feed_token(Store.COACH_SCOPE))
    for _ in range(2):  # the first render may create the athlete's feed token (a write): one re-render
        assert get(served, path).status == 200
    settled = counts["rosters"]
    assert settled <= 2
    for _ in range(3):
        assert get(served, path).status == 200
    assert counts["rosters"] == settled
    with seeded() as store:
        store.add_checkin("ann", CheckIn(date=TODAY, walk_min=10, pain_during=0, pain_after=0))
    assert get(served, path).status == 200
    assert counts["rosters"] == settled + 1


def test_looking_up_an_existing_feed_token_is_not_a_write(seeded: OpenStore) -> None:
    with seeded() as store:
        token = store.feed_token("ann")
        version = store.data_version()
        assert store.feed_token("ann") == token
        assert store.data_version() == version
        assert store.feed_token("ann", regenerate=True) != token
        assert store.data_version() != version
