"""Every clock change of 2026-2028: an event lasts exactly as long as its session (issue 10, item 2).

Sessions are placed inside the spring-forward gap, inside the repeated autumn
hour and just before each change, in zones with 1-hour and 30-minute shifts,
both hemispheres and a half-hour base offset. Both parsers must give back the
same instants: icalendar (with the file's own VTIMEZONE) and the strict ``ical``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from walkrun.builtin.writers.ics import render_calendar
from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan, SessionKind, Step, StepKind
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan
from walkrun.plugins.manager import make_plugin_manager
from walkrun.plugins.writers import ExportContext

UTC = dt.UTC
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "America/St_Johns"]
LENGTHS_MIN = (20, 45, 100)


def _changes(tz: str) -> Iterator[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
    """(instant, offset before, offset after) for every change in 2026-2028, found by brute force."""
    zone = ZoneInfo(tz)
    t = dt.datetime(2026, 1, 1, tzinfo=UTC)
    step = dt.timedelta(minutes=30)  # every zone here changes on a half hour
    before = t.astimezone(zone).utcoffset()
    while t.year < 2029:
        t += step
        after = t.astimezone(zone).utcoffset()
        if after != before:
            assert before is not None and after is not None
            yield t, before, after
        before = after


def _wall_times(instant: dt.datetime, before: dt.timedelta, after: dt.timedelta) -> list[dt.datetime]:
    """Naive local start times around one change: inside the gap or the repeated hour, and just before it."""
    shift = abs(after - before)
    first_affected = (instant + min(before, after)).replace(tzinfo=None)  # gap start or repeated-span start
    return [first_affected + shift / 2, first_affected - dt.timedelta(minutes=15), first_affected + shift]


@pytest.fixture(scope="module")
def base_plan() -> Plan:
    """A real plan from the engine, whose sessions the tests move onto clock-change days."""
    profile = AthleteProfile(athlete_id="ann", condition="femoral-neck-bsi", injury_date=dt.date(2026, 1, 5))
    registry = make_plugin_manager(load_entrypoints=False, env={})
    return build_plan(profile, registry.protocol("femoral-neck-bsi"), History(), dt.date(2026, 2, 1), horizon_days=7)


def _plan(base: Plan, day: dt.date, minutes: int) -> Plan:
    template = next(s for s in base.sessions if s.kind is not SessionKind.REST)
    step = Step(kind=StepKind.BRISK_WALK, duration_s=minutes * 60)
    session = template.model_copy(
        update={
            "date": day,
            "slot": day.isoformat(),
            "kind": SessionKind.BRISK_WALK,
            "title": f"Brisk walk {minutes} min",
            "steps": [step],
            "run_s": 0,
            "walk_s": minutes * 60,
            "total_s": minutes * 60,
        }
    )
    return base.model_copy(update={"today": day, "sessions": [session], "past": []})


def _cases() -> list[tuple[str, dt.datetime, int]]:
    out = []
    for tz in ZONES:
        for instant, before, after in _changes(tz):
            for wall in _wall_times(instant, before, after):
                out += [(tz, wall, minutes) for minutes in LENGTHS_MIN]
    return out


CASES = _cases()


def test_every_zone_changes_clocks_six_times_in_three_years():
    per_zone = {tz: sum(1 for _ in _changes(tz)) for tz in ZONES}
    assert per_zone == dict.fromkeys(ZONES, 6)
    # Lord Howe shifts by 30 minutes; St John's sits on a half-hour offset.
    assert {abs(a - b) for _, b, a in _changes("Australia/Lord_Howe")} == {dt.timedelta(minutes=30)}
    assert {b.seconds % 3600 for _, b, _ in _changes("America/St_Johns")} == {30 * 60}


@pytest.mark.parametrize(("tz", "wall", "minutes"), CASES, ids=[f"{t}-{w:%Y%m%dT%H%M}-{m}" for t, w, m in CASES])
def test_event_lasts_its_session_on_clock_change_days(
    make_profile, femoral: Protocol, base_plan: Plan, tz: str, wall: dt.datetime, minutes: int
):
    profile: AthleteProfile = make_profile(preferences={"timezone": tz, "session_time": wall.time()})
    plan = _plan(base_plan, wall.date(), minutes)
    data, _ = render_calendar(plan, ExportContext(profile=profile, protocol=femoral))
    length = dt.timedelta(minutes=minutes)
    # RFC 5545 3.3.5: a local time in a gap means the same time before the change;
    # one in the repeated hour means its first occurrence.
    expected_start = wall.replace(tzinfo=ZoneInfo(tz), fold=0).astimezone(UTC)

    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    (vtz,) = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    own = vtz.to_tz(lookup_tzid=False)  # the file's own zone, not the system's
    start, end = (_with_zone(v, own) for v in (event.start, event.end))
    assert start == expected_start
    assert end - start == length

    strict = IcsCalendarStream.calendar_from_ics(data.decode()).events[0]
    assert strict.start_datetime == expected_start
    assert strict.end_datetime - strict.start_datetime == length


def _with_zone(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The instant as the file describes it: TZID times read through the file's VTIMEZONE."""
    if value.tzinfo is not None and value.utcoffset() == dt.timedelta(0) and str(value.tzinfo) in {"UTC", "UTC+00:00"}:
        return value.astimezone(UTC)
    return value.replace(tzinfo=zone).astimezone(UTC)
