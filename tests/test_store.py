"""The SQLite store: several athletes, transactions, nothing lost on a failed write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from walkrun.errors import UnknownAthleteError
from walkrun.models import AthleteProfile, CheckIn
from walkrun.store import Store


def _profile(athlete_id: str) -> AthleteProfile:
    return AthleteProfile(athlete_id=athlete_id, condition="femoral-neck-bsi", injury_date=dt.date(2026, 1, 5))


def test_athletes_are_kept_apart(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.save_profile(_profile("ann"))
        store.save_profile(_profile("bob"))
        store.add_checkin("ann", CheckIn(date=dt.date(2026, 3, 1), pain_during=0))
        assert store.athlete_ids() == ["ann", "bob"]
        assert len(store.checkins("ann")) == 1 and store.checkins("bob") == []
        with pytest.raises(UnknownAthleteError, match="unknown athlete 'cy'; known: ann, bob"):
            store.profile("cy")


def test_a_failed_write_rolls_back_and_keeps_what_was_stored(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.save_profile(_profile("ann"))
        store.add_checkin("ann", CheckIn(date=dt.date(2026, 3, 1), pain_during=0))
        with pytest.raises(RuntimeError), store.transaction() as cur:
            cur.execute(
                "INSERT INTO checkins(athlete_id, date, checkin_json) VALUES (?, ?, ?)", ("ann", "2026-03-02", "{}")
            )
            raise RuntimeError("crash mid-write")
    with Store(tmp_path) as again:  # a new connection sees only committed data
        assert [c.date for c in again.checkins("ann")] == [dt.date(2026, 3, 1)]


def test_checkins_for_the_same_day_are_merged_not_overwritten(tmp_path: Path) -> None:
    from walkrun.history import merge_checkins

    with Store(tmp_path) as store:
        store.save_profile(_profile("ann"))
        day = dt.date(2026, 3, 1)
        store.add_checkin("ann", CheckIn(date=day, run_min=6, pain_during=0, pain_after=0))
        store.add_checkin("ann", CheckIn(date=day, pain_next_morning=1, note="stiff"))
        merged = merge_checkins(store.checkins("ann"))[day]
        assert (merged.run_min, merged.pain_during, merged.pain_next_morning, merged.note) == (6, 0, 1, "stiff")
        assert len(store.checkins("ann")) == 2, "both reports are kept"


def test_plan_revisions_only_when_the_plan_changes(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.save_profile(_profile("ann"))
        day = dt.date(2026, 3, 1)
        assert store.save_revision("ann", day, "first", '{"a": 1}') == 1
        assert store.save_revision("ann", day, "same", '{"a": 1}') is None
        assert store.save_revision("ann", day, "changed", '{"a": 2}') == 2
        assert [r["reason"] for r in store.revisions("ann")] == ["first", "changed"]
