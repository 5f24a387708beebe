"""The store on SQLite and PostgreSQL alike: athletes kept apart, transactions, nothing lost on a failed write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from walkrun.domain.activities import Activity
from walkrun.domain.errors import StoreError, UnknownAthleteError
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.ingest.items import ImportItem
from walkrun.store import Store, tables

OpenStore = Callable[[], Store]
T0 = dt.datetime(2026, 3, 1, 7, 30, tzinfo=dt.UTC)


def _profile(athlete_id: str) -> AthleteProfile:
    return AthleteProfile(athlete_id=athlete_id, condition="femoral-neck-bsi", injury_date=dt.date(2026, 1, 5))


def _activity(content_hash: str, start: dt.datetime, elapsed_s: float = 1800.0, source: str = "a.fit") -> Activity:
    """An activity whose id is ``content_hash`` + "-0"."""
    return Activity(content_hash=content_hash, source=source, start_utc=start, elapsed_s=elapsed_s)


def test_athletes_are_kept_apart(open_store: OpenStore) -> None:
    with open_store() as store:
        assert store.save_profile(_profile("ann")) is True
        assert store.save_profile(_profile("bob")) is True
        assert store.save_profile(_profile("ann").model_copy(update={"name": "Ann"})) is False
        store.add_checkin("ann", CheckIn(date=dt.date(2026, 3, 1), pain_during=0))
        assert store.athlete_ids() == ["ann", "bob"]
        assert store.profile("ann").name == "Ann"
        assert len(store.checkins("ann")) == 1 and store.checkins("bob") == []
        with pytest.raises(UnknownAthleteError, match="unknown athlete 'cy'; known: ann, bob"):
            store.profile("cy")
        with pytest.raises(UnknownAthleteError):
            store.add_checkin("cy", CheckIn(date=dt.date(2026, 3, 1)))
        assert store.find_profile("cy") is None


def test_a_failed_write_rolls_back_and_keeps_what_was_stored(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        store.add_checkin("ann", CheckIn(date=dt.date(2026, 3, 1), pain_during=0))
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute(tables.checkins.insert().values(athlete_id="ann", date="2026-03-02", checkin_json="{}"))
            raise RuntimeError("crash mid-write")
    with open_store() as again:  # a new connection sees only committed data
        assert [c.date for c in again.checkins("ann")] == [dt.date(2026, 3, 1)]


def test_checkins_for_the_same_day_are_merged_not_overwritten(open_store: OpenStore) -> None:
    from walkrun.domain.history import merge_checkins

    with open_store() as store:
        store.save_profile(_profile("ann"))
        day = dt.date(2026, 3, 1)
        store.add_checkin("ann", CheckIn(date=day, run_min=6, pain_during=0, pain_after=0))
        store.add_checkin("ann", CheckIn(date=day, pain_next_morning=1, note="stiff"))
        merged = merge_checkins(store.checkins("ann"))[day]
        assert (merged.run_min, merged.pain_during, merged.pain_next_morning, merged.note) == (6, 0, 1, "stiff")
        assert len(store.checkins("ann")) == 2, "both reports are kept"


def test_clinical_tests_come_back_in_date_order(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        late = ClinicalTestResult(test="hop", date=dt.date(2026, 3, 9), passed=True, note="10 hops")
        early = ClinicalTestResult(test="hop", date=dt.date(2026, 3, 2), passed=False)
        store.add_clinical("ann", late)
        store.add_clinical("ann", early)
        assert store.clinical("ann") == [early, late]


def test_plan_revisions_only_when_the_plan_changes(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        store.save_profile(_profile("bob"))
        day = dt.date(2026, 3, 1)
        assert store.save_revision("ann", day, "first", '{"a": 1}') == 1
        assert store.save_revision("ann", day, "same", '{"a": 1}') is None
        assert store.save_revision("ann", day, "changed", '{"a": 2}') == 2
        assert store.save_revision("bob", day, "bob's own numbering", '{"a": 1}') == 1
        assert [r["reason"] for r in store.revisions("ann")] == ["first", "changed"]
        assert store.revision_plan("ann", 2) == {"a": 2}
        with pytest.raises(StoreError, match="athlete 'ann' has no plan revision 3"):
            store.revision_plan("ann", 3)


def test_activities_twins_and_duplicates(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        run = store.start_import("ann", ["watch.zip"])
        assert store.add_activity("ann", run, _activity("a1", T0)) is None
        assert store.add_activity("ann", run, _activity("a1", T0)) == "already imported (same file content)"
        twin = _activity("a2", T0 + dt.timedelta(seconds=40), 1830.0, source="strava.gpx")
        assert store.add_activity("ann", run, twin) == "same activity as a.fit"
        later = _activity("a3", T0 - dt.timedelta(days=1), 600.0)
        assert store.add_activity("ann", run, later) is None
        store.finish_import(run, {"imported": 2})
        assert [a.activity_id for a in store.activities("ann")] == ["a3-0", "a1-0"]
        assert [a.activity_id for a in store.activities("ann", with_samples=False)] == ["a3-0", "a1-0"]
        assert store.activity("ann", "a1-0").start_utc == T0 and store.activity_count("ann") == 2
        with pytest.raises(StoreError, match="athlete 'ann' has no activity 'zz'"):
            store.activity("ann", "zz")


def test_an_import_item_and_the_reimport_cache(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        run = store.start_import("ann", ["a.fit"])
        item = ImportItem(
            source="a.fit",
            status="imported",
            activities=[_activity("a1", T0)],
            classifications=['{"kind": "walk"}'],
            file_key=b"\x00key",
            file_size=771,
            file_stamp=1_796_224_232_900_479_441,  # mtime in ns: more than 32 bits
            content_hash="h1",
        )
        assert store.store_import_item("ann", run, item, fingerprint="fp", reader_tag="r1") == [None]
        again = store.store_import_item("ann", run, item, fingerprint="fp", reader_tag="r1")
        assert [d.reason if d else None for d in again] == ["already imported (same file content)"]
        cache = store.import_cache("ann", "r2")
        assert cache.files == {b"\x00key": (771, 1_796_224_232_900_479_441, "h1")}
        assert cache.contents["h1"].status == "imported"
        assert store.cached_classifications("ann", "fp") == {"a1-0": '{"kind": "walk"}'}
        store.cache_classifications("ann", "fp", {"a1-0": '{"kind": "run"}'})
        assert store.cached_classifications("ann", "fp") == {"a1-0": '{"kind": "run"}'}


def test_import_problems_of_the_last_run(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        first = store.start_import("ann", ["x"])
        store.add_import_problem("ann", first, "x.fit", "error", "truncated")
        second = store.start_import("ann", ["y"])
        store.add_import_problem("ann", second, "y.fit", "non_activity", "settings")
        assert [p["source"] for p in store.import_problems("ann")] == ["x.fit", "y.fit"]
        assert store.import_problems("ann", last_run_only=True) == [
            {"run": second, "source": "y.fit", "status": "non_activity", "reason": "settings"}
        ]


def test_feed_tokens_and_writer_state(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_profile(_profile("ann"))
        token = store.feed_token("ann")
        assert store.feed_token("ann") == token and store.scope_for_token(token) == "ann"
        coach = store.feed_token(Store.COACH_SCOPE)
        assert store.scope_for_token(coach) == Store.COACH_SCOPE
        fresh = store.feed_token("ann", regenerate=True)
        assert fresh != token and store.scope_for_token(token) is None and store.scope_for_token(fresh) == "ann"
        with pytest.raises(UnknownAthleteError):
            store.feed_token("bob")
        store.save_writer_state("ann", "ics", {"uid": "1"})
        store.save_writer_state("ann", "ics", {"uid": "2"})
        assert store.writer_state("ann", "ics") == {"uid": "2"} and store.writer_state("ann", "fit") == {}


def test_deleting_an_athlete_removes_everything_of_theirs_only(open_store: OpenStore) -> None:
    with open_store() as store:
        for athlete in ("ann", "bob"):
            store.save_profile(_profile(athlete))
            run = store.start_import(athlete, ["f"])
            store.add_activity(athlete, run, _activity(f"{athlete}-1", T0))
            store.add_import_problem(athlete, run, "f", "error", "bad")
            store.add_checkin(athlete, CheckIn(date=dt.date(2026, 3, 1)))
            store.add_clinical(athlete, ClinicalTestResult(test="hop", date=dt.date(2026, 3, 1), passed=True))
            store.save_revision(athlete, dt.date(2026, 3, 1), "r", "{}")
            store.save_writer_state(athlete, "ics", {"a": "b"})
        token = store.feed_token("ann")
        store.delete_athlete("ann")
        assert store.athlete_ids() == ["bob"] and store.scope_for_token(token) is None
        assert store.activities("ann") == [] and store.checkins("ann") == [] and store.revisions("ann") == []
        assert store.activity_count("bob") == 1 and len(store.checkins("bob")) == 1
        assert store.save_profile(_profile("ann")) is True
        assert store.athlete_ids() == ["bob", "ann"]


def test_foreign_keys_hold_on_every_backend(open_store: OpenStore) -> None:
    from sqlalchemy.exc import IntegrityError

    with open_store() as store, pytest.raises(IntegrityError), store.transaction() as conn:
        conn.execute(tables.checkins.insert().values(athlete_id="nobody", date="2026-03-02", checkin_json="{}"))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    from sqlalchemy import text

    with Store(tmp_path) as store, store.db.read() as conn:
        settings = [
            conn.execute(text(f"PRAGMA {p}")).scalar() for p in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    assert settings == ["wal", 1, 5000]


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg2"])
def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path, scheme: str) -> None:
    with pytest.raises(StoreError) as caught:
        Store(tmp_path, f"{scheme}://coach:s3cret@127.0.0.1:1/clinic")  # port 1: refused at once
    message = str(caught.value)
    assert "\n" not in message and "s3cret" not in message
    assert "postgresql+psycopg://coach:***@127.0.0.1:1/clinic" in message and "refused" in message


def test_data_version_moves_with_every_committed_write_from_anywhere(open_store: OpenStore) -> None:
    with open_store() as store, open_store() as other:
        store.save_profile(_profile("ann"))
        before = store.data_version()
        store.checkins("ann"), store.athlete_ids(), other.profile("ann")
        assert store.data_version() == before, "reads change nothing"
        other.add_checkin("ann", CheckIn(date=dt.date(2026, 3, 1), pain_during=0))
        after_other = store.data_version()
        assert after_other != before, "another connection's write is seen"
        store.save_writer_state("ann", "ics", {"a": "1"})
        assert store.data_version() != after_other, "and this store's own writes too"
        with pytest.raises(RuntimeError), store.transaction():
            raise RuntimeError("rolled back")
        unchanged = store.data_version()
        assert store.data_version() == unchanged
        assert (store.conn is None) == (store.db.dialect == "postgresql")
