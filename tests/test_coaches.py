"""Coaches with scoped access: each coach's secret URL shows only their athletes; the admin's shows all.

Store behaviour runs on SQLite and PostgreSQL; the page is fetched over real HTTP on loopback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import INJURY
from test_serve_cache import get
from walkrun.domain.errors import UnknownAthleteError
from walkrun.domain.models import AthleteProfile
from walkrun.domain.notes import new_note
from walkrun.plugins.manager import Registry
from walkrun.serve.app import ServeOptions, create_app
from walkrun.serve.http import coach_path, feed_path
from walkrun.serve.runner import running
from walkrun.store import Store
from walkrun.store import tables as t

OpenStore = Callable[[], Store]
TODAY = INJURY + dt.timedelta(weeks=9)
ATHLETES = ("ann", "bob", "cy")


def _profile(athlete_id: str) -> AthleteProfile:
    return AthleteProfile.model_validate(
        {"athlete_id": athlete_id, "name": f"Runner {athlete_id.title()}", "condition": "low-risk-bsi",
         "injury_date": INJURY}
    )  # fmt: skip


@pytest.fixture
def clinic(open_store: OpenStore) -> OpenStore:
    with open_store() as store:
        for athlete_id in ATHLETES:
            store.save_profile(_profile(athlete_id))
    return open_store


# ---- the store -------------------------------------------------------------------------------------
def test_a_coach_token_opens_only_their_athletes_and_is_stored_hashed(clinic: OpenStore) -> None:
    with clinic() as store:
        token = store.add_coach("Dr Lee", ["bob", "ann"])
        found = store.coach_for_token(token)
        assert found is not None and found.name == "Dr Lee" and found.athletes == ("ann", "bob")
        with store.db.read() as conn:
            stored = list(conn.execute(select(t.coaches.c.token_sha256)).scalars())
        assert stored == [hashlib.sha256(token.encode()).hexdigest()]
        assert store.coach_for_token(stored[0]) is None  # the hash itself opens nothing
        assert store.coach_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_regenerate_kills_the_old_secret_and_leaves_other_coaches_alone(clinic: OpenStore) -> None:
    with clinic() as store:
        lee, sam = store.add_coach("lee", ["ann"]), store.add_coach("sam", ["cy"])
        new = store.regenerate_coach("lee")
        assert new is not None and new != lee
        assert store.coach_for_token(lee) is None
        assert store.coach_for_token(new) is not None and store.coach_for_token(new).name == "lee"  # type: ignore[union-attr]
        assert store.coach_for_token(sam) is not None and store.coach_for_token(sam).athletes == ("cy",)  # type: ignore[union-attr]
        assert store.regenerate_coach("nobody") is None


def test_remove_and_athlete_deletion_revoke_access(clinic: OpenStore) -> None:
    with clinic() as store:
        lee = store.add_coach("lee", ["ann", "bob"])
        store.delete_athlete("bob")
        assert [(c.name, c.athletes) for c in store.coaches()] == [("lee", ("ann",))]
        assert store.remove_coach("lee") and not store.remove_coach("lee")
        assert store.coach_for_token(lee) is None and store.coaches() == []


def test_unknown_athletes_are_refused_and_nothing_is_stored(clinic: OpenStore) -> None:
    with clinic() as store:
        with pytest.raises(UnknownAthleteError, match="'zed'"):
            store.add_coach("lee", ["ann", "zed"])
        assert store.coaches() == []
        store.add_coach("lee", ["ann"])
        assert store.set_coach_athletes("lee", ["cy", "bob"])
        assert store.coaches()[0].athletes == ("bob", "cy")


# ---- the server ------------------------------------------------------------------------------------
@pytest.fixture
def served(clinic: OpenStore, tmp_path: Path, store_url: str | None, registry: Registry) -> Iterator[str]:
    options = ServeOptions(tmp_path / "home", today=TODAY, log=io.StringIO(), probe_burst=3, database_url=store_url)
    with running(create_app(options, registry)) as base:
        yield base


def _cards(body: bytes) -> list[str]:
    return re.findall(r"\(([a-z]+)\)</span></h2>", body.decode())


def test_a_coach_page_shows_only_that_coachs_athletes_and_feeds(clinic: OpenStore, served: str) -> None:
    with clinic() as store:
        lee = store.add_coach("lee", ["ann", "cy"])
        admin = store.feed_token(Store.COACH_SCOPE)
        store.add_note(new_note("ann", "Hop test next visit", "lee", dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)))
        bob_feed = store.feed_token("bob")
    mine = get(served, coach_path(lee))
    assert mine.status == 200
    assert sorted(_cards(mine.body)) == ["ann", "cy"]
    assert b"Runner Bob" not in mine.body and bob_feed.encode() not in mine.body
    assert b"Hop test next visit (2026-03-01 lee)" in mine.body
    with clinic() as store:
        for athlete_id in ("ann", "cy"):
            assert feed_path(store.feed_token(athlete_id)).encode() in mine.body
    everyone = get(served, coach_path(admin))
    assert everyone.status == 200 and sorted(_cards(everyone.body)) == ["ann", "bob", "cy"]


def test_revoked_and_regenerated_secrets_are_404_without_names_at_once(clinic: OpenStore, served: str) -> None:
    with clinic() as store:
        lee, sam = store.add_coach("lee", ["ann"]), store.add_coach("sam", ["bob"])
    assert get(served, coach_path(lee)).status == 200  # now cached in the server
    with clinic() as store:
        new = store.regenerate_coach("lee")
        store.remove_coach("sam")
    assert new is not None
    for dead in (lee, sam):
        reply = get(served, coach_path(dead))
        assert reply.status == 404 and reply.body == b"not found\n"
    assert get(served, coach_path(new)).status == 200
    assert get(served, feed_path(new)).status == 404  # a coach secret is not a feed


def test_unknown_coach_secrets_count_as_probes(clinic: OpenStore, served: str) -> None:
    with clinic() as store:
        lee = store.add_coach("lee", ["ann"])
        store.remove_coach("lee")
    statuses = [get(served, coach_path(lee)).status for _ in range(5)]
    assert statuses[:3] == [404, 404, 404] and set(statuses[3:]) == {429}


# ---- the command line ------------------------------------------------------------------------------
def _cli_clinic(run_cli: Any) -> Any:
    def ok(*args: str) -> Any:
        r = run_cli("--today", TODAY.isoformat(), *args)
        assert r.exit_code == 0, r.stderr
        return r

    for athlete_id in ATHLETES:
        ok("init", "--athlete", athlete_id, "--condition", "low-risk-bsi", "--injury-date", INJURY.isoformat())
    return ok


def test_coach_add_list_regenerate_remove(run_cli: Any, home: Path) -> None:
    ok = _cli_clinic(run_cli)
    added = json.loads(ok("coach", "add", "Dr Lee", "--athletes", "ann, bob", "--json").stdout)
    assert added["athletes"] == ["ann", "bob"] and re.fullmatch(r"/coach/[A-Za-z0-9_-]{32}", added["path"])
    text = ok("coach", "add", "sam", "--athletes", "cy", "--base-url", "http://clinic.example:8765").stdout
    assert re.search(r"^http://clinic\.example:8765/coach/[A-Za-z0-9_-]{32}$", text, re.M)
    listed = json.loads(ok("coach", "list", "--json").stdout)["coaches"]
    assert [(c["coach"], c["athletes"]) for c in listed] == [("Dr Lee", ["ann", "bob"]), ("sam", ["cy"])]
    assert added["path"].split("/")[-1] not in ok("coach", "list").stdout + json.dumps(listed)
    again = json.loads(ok("coach", "regenerate", "Dr Lee", "--json").stdout)
    assert again["path"] != added["path"]
    with Store(home) as store:
        assert store.coach_for_token(added["path"].split("/")[-1]) is None
        assert store.coach_for_token(again["path"].split("/")[-1]) is not None
    ok("coach", "assign", "sam", "--athletes", "ann,cy")
    with Store(home) as store:
        sam = next(r for r in store.coaches() if r.name == "sam")
        assert sam.athletes == ("ann", "cy")
    ok("coach", "remove", "sam")
    assert [c["coach"] for c in json.loads(ok("coach", "list", "--json").stdout)["coaches"]] == ["Dr Lee"]


def test_coach_commands_refuse_bad_input(run_cli: Any) -> None:
    ok = _cli_clinic(run_cli)
    ok("coach", "add", "lee", "--athletes", "ann")
    for args, words in (
        (("coach", "add", "lee", "--athletes", "bob"), "already exists"),
        (("coach", "add", "kim", "--athletes", "zed"), "'zed'"),
        (("coach", "add", "@admin", "--athletes", "ann"), "bad coach name"),
        (("coach", "add", "kim", "--athletes", ","), "at least one athlete"),
        (("coach", "remove", "nobody"), "no coach 'nobody'"),
        (("coach", "regenerate", "nobody"), "no coach 'nobody'"),
        (("coach", "assign", "nobody", "--athletes", "ann"), "no coach 'nobody'"),
        (("coach", "assign", "lee", "--athletes", "zed"), "'zed'"),
    ):
        r = run_cli("--today", TODAY.isoformat(), *args)
        assert r.exit_code != 0 and words in r.stderr, (args, r.stderr)


def test_the_roster_invocations_still_work(run_cli: Any) -> None:
    ok = _cli_clinic(run_cli)
    ok("coach", "add", "lee", "--athletes", "ann")
    assert {"ann", "bob", "cy"} <= set(ok("coach").stdout.split())
    assert sorted(r["athlete"] for r in json.loads(ok("coach", "--json").stdout)["athletes"]) == list(ATHLETES)
    rows = ok("coach", "--csv").stdout.splitlines()
    assert rows[0].startswith("athlete,name,condition") and len(rows) == 1 + len(ATHLETES)
