"""Calendar state per calendar: a shorter export never cancels what it does not cover (issue 10, item 1).

Each test exports through ``export_plan`` into a real store, the way
``walkrun export`` does, and reads the calendar back with icalendar and the
strict ``ical`` parser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from walkrun.app.export import export_plan
from walkrun.domain.models import AthleteProfile, Weekday
from walkrun.plugins.manager import Registry
from walkrun.store import Store

TODAY = dt.date(2026, 2, 16)


@pytest.fixture
def store(tmp_path: Path, make_profile: Callable[..., AthleteProfile]) -> Store:
    s = Store(tmp_path / "home")
    s.save_profile(make_profile(preferences={"timezone": "Europe/London"}))
    return s


def _export(store: Store, registry: Registry, out: Path, weeks: int, **options: str) -> icalendar.Calendar:
    _, exported = export_plan(store, registry, "ann", TODAY, ["ics"], out, horizon_days=weeks * 7, options=options)
    data = exported[0].paths[0].read_bytes()
    IcsCalendarStream.calendar_from_ics(data.decode())  # the strict parser accepts every version
    return icalendar.Calendar.from_ical(data)


def _events(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _day(event: icalendar.Event) -> dt.date:
    start = event.start
    return start.date() if isinstance(start, dt.datetime) else start


def test_twelve_weeks_after_fifty_two_cancels_nothing_beyond_week_twelve(store, registry, tmp_path):
    out = tmp_path / "cal"
    long = _events(_export(store, registry, out, 52))
    assert len(long) > 200  # a year of sessions
    week12_end = TODAY + dt.timedelta(days=12 * 7 - 1)

    short = _events(_export(store, registry, out, 12))
    assert not [e for e in short.values() if e.get("STATUS") == "CANCELLED"]
    assert all(_day(e) <= week12_end for e in short.values())
    assert {u for u, e in long.items() if _day(e) <= week12_end} == set(short)
    assert all(e.sequence == 0 for e in short.values())

    # The long export again: every event comes back as it was, nothing bumped.
    again = _events(_export(store, registry, out, 52))
    assert set(again) == set(long)
    assert all(e.sequence == 0 and e.get("STATUS") is None for e in again.values())
    assert {u: e.to_ical() for u, e in again.items()} == {u: e.to_ical() for u, e in long.items()}


def test_a_session_that_really_left_the_plan_inside_the_window_is_cancelled(store, registry, tmp_path):
    out = tmp_path / "cal"
    before = _events(_export(store, registry, out, 12))
    profile = store.profile("ann")
    # No more Sunday walks: those slots really left the plan.
    prefs = profile.preferences.model_copy(update={"session_weekdays": [Weekday.MON, Weekday.WED, Weekday.FRI]})
    store.save_profile(profile.model_copy(update={"preferences": prefs}))
    after = _events(_export(store, registry, out, 4))
    cancelled = {u for u, e in after.items() if e.get("STATUS") == "CANCELLED"}
    window_end = TODAY + dt.timedelta(days=4 * 7 - 1)
    assert cancelled, "a dropped slot inside the window must be cancelled"
    live = {u for u, e in after.items() if e.get("STATUS") is None}
    assert cancelled == {u for u, e in before.items() if TODAY <= _day(e) <= window_end} - live
    assert {_day(after[u]).weekday() for u in cancelled} == {6}
    for uid in cancelled:
        assert after[uid].sequence == before[uid].sequence + 1
    # Sundays of weeks 5-12 left the plan too, but this export does not cover them.
    assert not [u for u in after if _day(after[u]) > window_end]


def test_option_switches_keep_each_calendar_at_sequence_zero(store, registry, tmp_path):
    out = tmp_path / "cal"
    looks: list[dict[str, str]] = [{}, {"all_day": "1"}, {}, {"alarm_min": "30"}, {"all_day": "1"}]
    for options in looks:
        events = _events(_export(store, registry, out, 8, **options))
        assert events
        assert {e.sequence for e in events.values()} == {0}, options
        assert not [e for e in events.values() if e.get("STATUS") == "CANCELLED"]


def test_two_folders_are_two_calendars(store, registry, tmp_path):
    a = _events(_export(store, registry, tmp_path / "a", 12))
    b = _events(_export(store, registry, tmp_path / "b", 2))
    a2 = _events(_export(store, registry, tmp_path / "a", 12))
    assert {e.sequence for e in (a | b | a2).values()} == {0}
    assert set(a2) == set(a) and len(b) < len(a)


def test_same_calendar_changed_content_bumps_sequence_once(store, registry, tmp_path):
    out = tmp_path / "cal"
    first = _events(_export(store, registry, out, 4))
    profile = store.profile("ann")
    prefs = profile.preferences.model_copy(update={"session_time": dt.time(18, 30)})
    store.save_profile(profile.model_copy(update={"preferences": prefs}))
    moved = _events(_export(store, registry, out, 4))
    assert set(moved) == set(first)
    assert {e.sequence for e in moved.values()} == {1}
    assert {e.sequence for e in _events(_export(store, registry, out, 4)).values()} == {1}
