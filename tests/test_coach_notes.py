"""Per-athlete coach notes: stored with author and time, shown in the roster, summary page and explain."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import INJURY
from walkrun.domain.errors import UnknownAthleteError, UsageError
from walkrun.domain.models import AthleteProfile
from walkrun.domain.notes import new_note, short
from walkrun.store import Store

OpenStore = Callable[[], Store]
TODAY = (INJURY + dt.timedelta(weeks=9)).isoformat()
LONG = "Wants to try parkrun on Saturday; said no until the hop test passes. " * 3


def _profile(athlete_id: str) -> AthleteProfile:
    return AthleteProfile.model_validate({"athlete_id": athlete_id, "condition": "low-risk-bsi", "injury_date": INJURY})


def test_notes_are_an_append_only_log_with_the_latest_per_athlete(open_store: OpenStore) -> None:
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    with open_store() as store:
        for athlete_id in ("ann", "bob", "cy"):
            store.save_profile(_profile(athlete_id))
        store.add_note(new_note("ann", "first", "Dr Lee", at))
        store.add_note(new_note("bob", "  only one  ", "sam", at))
        store.add_note(new_note("ann", "second", "sam", at + dt.timedelta(hours=1)))
    with open_store() as store:
        assert [(n.text, n.author) for n in store.notes("ann")] == [("first", "Dr Lee"), ("second", "sam")]
        assert store.notes("ann")[1].created_utc == at + dt.timedelta(hours=1)
        latest = store.latest_notes()
        assert {a: n.text for a, n in latest.items()} == {"ann": "second", "bob": "only one"}
        assert list(store.latest_notes(["bob", "cy"])) == ["bob"]
        with pytest.raises(UnknownAthleteError):
            store.add_note(new_note("zed", "x", "sam"))
        with pytest.raises(UsageError, match="empty"):
            new_note("ann", "   ", "sam")
        store.delete_athlete("ann")
        assert [n.athlete for n in store.notes()] == ["bob"]


def test_short_cuts_at_a_word_and_says_so() -> None:
    assert short("fine as it is") == "fine as it is"
    cut = short(LONG, 60)
    assert len(cut) <= 60 and cut.endswith("…") and LONG.startswith(cut[:-1])
    assert cut[:-1].split()[-1] in LONG.split()  # no word cut in two
    assert short("a\nb\n  c") == "a b c"


def _setup(run_cli: Any) -> Callable[..., Any]:
    def ok(*args: str) -> Any:
        r = run_cli("--today", TODAY, *args)
        assert r.exit_code == 0, r.stderr
        return r

    for athlete_id in ("ann", "bob"):
        ok("init", "--athlete", athlete_id, "--condition", "low-risk-bsi", "--injury-date", INJURY.isoformat())
    return ok


def test_note_add_and_list(run_cli: Any) -> None:
    ok = _setup(run_cli)
    added = json.loads(ok("note", "add", LONG, "--athlete", "ann", "--author", "Dr Lee", "--json").stdout)
    assert added["text"] == LONG.strip() and added["author"] == "Dr Lee" and added["athlete"] == "ann"
    ok("note", "add", "bob is fine", "--athlete", "bob", "--author", "sam")
    everyone = json.loads(ok("note", "list", "--json").stdout)["notes"]
    assert [(n["athlete"], n["author"]) for n in everyone] == [("ann", "Dr Lee"), ("bob", "sam")]
    only_bob = json.loads(ok("note", "list", "--athlete", "bob", "--json").stdout)["notes"]
    assert [n["text"] for n in only_bob] == ["bob is fine"]
    assert "bob is fine" in ok("note", "list").stdout
    missing = run_cli("--today", TODAY, "note", "add", "who?")
    assert missing.exit_code != 0 and "--athlete" in missing.stderr
    unknown = run_cli("--today", TODAY, "note", "list", "--athlete", "zed")
    assert unknown.exit_code != 0 and "zed" in unknown.stderr


def test_the_roster_shows_the_latest_note_short_and_json_and_csv_in_full(run_cli: Any) -> None:
    ok = _setup(run_cli)
    ok("note", "add", "old news", "--athlete", "ann", "--author", "sam")
    ok("note", "add", LONG, "--athlete", "ann", "--author", "Dr Lee")
    rows = {r["athlete"]: r for r in json.loads(ok("coach", "--json").stdout)["athletes"]}
    assert rows["ann"]["latest_note"]["text"] == LONG.strip() and rows["ann"]["latest_note"]["author"] == "Dr Lee"
    assert rows["bob"]["latest_note"] is None
    table = ok("coach").stdout
    line = next(x for x in table.splitlines() if x.startswith("  ann (") and "Dr Lee" in x)
    assert line.endswith("…") and LONG.startswith(line.split(": ", 1)[1][:-1]) and "old news" not in table
    by = {r["athlete"]: r for r in csv.DictReader(io.StringIO(ok("coach", "--csv").stdout))}
    assert by["ann"]["latest_note"] == LONG.strip() and by["bob"]["latest_note"] == ""


def test_explain_and_the_summary_page_show_the_notes(run_cli: Any, tmp_path: Path) -> None:
    ok = _setup(run_cli)
    ok("note", "add", "Check the left hip at the visit", "--athlete", "ann", "--author", "Dr Lee")
    assert "Check the left hip at the visit" in ok("explain", "--athlete", "ann").stdout
    data = json.loads(ok("explain", "--athlete", "ann", "--json").stdout)
    assert [n["text"] for n in data["coach_notes"]] == ["Check the left hip at the visit"]
    assert "Coach notes" not in ok("explain", "--athlete", "bob").stdout
    ok("export", "--athlete", "ann", "--format", "summary", "--out", str(tmp_path / "out"))
    page = (tmp_path / "out" / "ann-summary.html").read_text(encoding="utf-8")
    assert "Coach notes" in page and "Check the left hip at the visit" in page and "Dr Lee" in page
