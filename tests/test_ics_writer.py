"""The iCalendar writer: stable UIDs, SEQUENCE on change only, cancellations, time zones.

Every calendar produced here is read back by two independent parsers:
icalendar (what we write with) and ical (a strict RFC 5545 parser, test-only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from ical.calendar import Calendar as StrictCalendar
from ical.calendar_stream import IcsCalendarStream
from ical.timezone import IcsTimezoneInfo

from walkrun.builtin.writers import ics as ics_writer
from walkrun.builtin.writers.ics import IcsWriter, build_vtimezone, event_uid, render_calendar
from walkrun.domain.errors import UsageError
from walkrun.domain.history import History, history_from_log
from walkrun.domain.models import AthleteProfile, CheckIn
from walkrun.domain.plan import Plan, SessionKind
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan
from walkrun.engine.simulate import follow_plan
from walkrun.plugins import manager as plugins
from walkrun.plugins.writers import ExportContext, WriteResult

FWB = dt.date(2026, 3, 2)
TESTS_ON = dt.date(2026, 3, 31)
TODAY = dt.date(2026, 4, 20)
NASTY = "Ünïcode 🏃, comma; semicolon\nnewline"
UTC = dt.UTC


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def athlete(make_profile: Callable[..., AthleteProfile]) -> Callable[..., AthleteProfile]:
    def make(tz: str = "Europe/London", **kw: Any) -> AthleteProfile:
        prefs = {"timezone": tz, **kw.pop("preferences", {})}
        return make_profile(full_weight_bearing_date=FWB, preferences=prefs, **kw)

    return make


_FOLLOWED: dict[str, tuple[list[CheckIn], list[Any]]] = {}


def _checkins(profile: AthleteProfile, protocol: Protocol) -> tuple[list[CheckIn], list[Any]]:
    """A runner who did every session cleanly up to yesterday (cached: the engine ignores name and zone)."""
    key = protocol.id + profile.model_dump_json(exclude={"name": True, "preferences": {"timezone"}})
    if key not in _FOLLOWED:
        _FOLLOWED[key] = follow_plan(profile, protocol, FWB, TODAY - dt.timedelta(days=1), tests_on=TESTS_ON)
    checkins, clinical = _FOLLOWED[key]
    return list(checkins), list(clinical)


def _plan(
    profile: AthleteProfile,
    protocol: Protocol,
    checkins: list[CheckIn],
    clinical: list[Any],
    today: dt.date = TODAY,
    horizon: int = 56,
) -> Plan:
    return build_plan(profile, protocol, history_from_log(checkins, clinical), today, horizon_days=horizon)


def _context(profile: AthleteProfile, protocol: Protocol, state: dict[str, str] | None = None, **options: str):
    return ExportContext(profile=profile, protocol=protocol, options=options, state=state or {})


def _parse(data: bytes) -> tuple[icalendar.Calendar, StrictCalendar]:
    """Both parsers must accept the file; return both views."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75, line  # RFC 5545 3.1: fold at 75 octets
    return icalendar.Calendar.from_ical(data), IcsCalendarStream.calendar_from_ics(text)


def _blocks(data: bytes) -> dict[str, str]:
    """Raw VEVENT text by UID, to compare bytes event by event."""
    text = data.decode()
    out = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, flags=re.S):
        uid = re.search(r"^UID:(.*)$", block, flags=re.M)
        assert uid
        out[uid.group(1).strip()] = block
    return out


def _without_stamp(block: str) -> str:
    return re.sub(r"(?m)^(SEQUENCE|DTSTAMP):.*\r\n", "", block)


def _events_by_uid(cal: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _shown(plan: Plan) -> list[Any]:
    return [s for s in plan.sessions if s.kind is not SessionKind.REST]


# --------------------------------------------------------------------------- basics


def test_one_event_per_session_with_times_uids_and_text(athlete, femoral):
    profile = athlete("Europe/London", name="Ann")
    plan = _plan(profile, femoral, *_checkins(profile, femoral))
    data, state = render_calendar(plan, _context(profile, femoral))
    cal, strict = _parse(data)

    sessions = _shown(plan)
    assert {SessionKind.WALK_RUN, SessionKind.STRENGTH} <= {s.kind for s in sessions}
    assert len(cal.walk("VEVENT")) == len(strict.events) == len(sessions)
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["CALSCALE"]) == "GREGORIAN" and str(cal["VERSION"]) == "2.0"
    assert "PRODID" in cal
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "walkrun: Ann"
    assert strict.name == ["walkrun: Ann"]
    assert strict.refresh_interval == dt.timedelta(hours=6)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in data and b"X-PUBLISHED-TTL:PT6H\r\n" in data

    london = ZoneInfo("Europe/London")
    events = _events_by_uid(cal)
    strict_events = {e.uid: e for e in strict.events}
    assert set(events) == {event_uid("ann", s.slot) for s in sessions} == set(state)
    for s in sessions:
        uid = event_uid("ann", s.slot)
        event, strict_event = events[uid], strict_events[uid]
        minutes = s.total_s / 60 or 45
        start = event.start
        assert start == dt.datetime.combine(s.date, dt.time(7, 0), london)
        assert start.tzinfo is not None and str(start.tzinfo) == "Europe/London"
        assert event.end - start == dt.timedelta(minutes=minutes)
        assert strict_event.dtstart == start
        assert strict_event.dtend - strict_event.dtstart == dt.timedelta(minutes=minutes)
        assert event.sequence == strict_event.sequence == 0
        assert event.stamp == dt.datetime(2026, 4, 20, tzinfo=UTC)
        assert str(event["SUMMARY"]) == strict_event.summary == s.title
        desc = strict_event.description or ""
        assert desc == str(event["DESCRIPTION"])
        if s.intensity:
            assert f"Effort: {s.intensity}" in desc
        assert f"Why this session: {s.reason}" in desc
        assert ("Provisional" in desc) == s.provisional
    assert re.fullmatch(r"[0-9a-f]{40}@walkrun", next(iter(events)))

    walk_run = next(s for s in sessions if s.kind is SessionKind.WALK_RUN)
    desc = str(events[event_uid("ann", walk_run.slot)]["DESCRIPTION"])
    repeat = next(st for st in walk_run.steps if st.kind == "repeat")
    run, walk = repeat.steps

    def spoken(seconds: int) -> str:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")

    assert f"{repeat.repeat_count} × (run {spoken(run.duration_s)}, walk {spoken(walk.duration_s)})" in desc
    assert "Warm-up 5 min" in desc and "Cool-down 5 min" in desc
    strength = next(s for s in sessions if s.kind is SessionKind.STRENGTH)
    desc = str(events[event_uid("ann", strength.slot)]["DESCRIPTION"])
    assert all(ex in desc for st in strength.steps for ex in st.exercises)


def test_rest_days_only_on_request_and_all_day(athlete, femoral):
    profile = athlete()
    plan = _plan(profile, femoral, *_checkins(profile, femoral))
    rests = [s for s in plan.sessions if s.kind is SessionKind.REST]
    assert rests
    data, _ = render_calendar(plan, _context(profile, femoral, rest_days="1"))
    cal, strict = _parse(data)
    assert len(strict.events) == len(plan.sessions)
    rest_event = _events_by_uid(cal)[event_uid("ann", rests[0].slot)]
    assert rest_event.start == rests[0].date and rest_event.end == rests[0].date + dt.timedelta(days=1)
    assert str(rest_event["TRANSP"]) == "TRANSPARENT"


def test_all_day_mode(athlete, femoral):
    profile = athlete("America/New_York")
    plan = _plan(profile, femoral, *_checkins(profile, femoral))
    data, _ = render_calendar(plan, _context(profile, femoral, all_day="1"))
    cal, strict = _parse(data)
    assert not cal.walk("VTIMEZONE") and b"TZID" not in data
    assert len(strict.events) == len(_shown(plan))
    for s, event, strict_event in zip(_shown(plan), cal.walk("VEVENT"), strict.events, strict=True):
        assert event.start == strict_event.dtstart == s.date
        assert not isinstance(event.start, dt.datetime)
        assert event.end == strict_event.dtend == s.date + dt.timedelta(days=1)
    assert data.count(b"DTSTART;VALUE=DATE:") == len(_shown(plan))


def test_utc_athlete_gets_z_times_without_vtimezone(athlete, femoral):
    profile = athlete("UTC")
    plan = _plan(profile, femoral, *_checkins(profile, femoral))
    data, _ = render_calendar(plan, _context(profile, femoral))
    cal, strict = _parse(data)
    assert not cal.walk("VTIMEZONE") and b"TZID" not in data
    first = _shown(plan)[0]
    assert f"DTSTART:{first.date:%Y%m%d}T070000Z".encode() in data
    assert strict.events[0].dtstart == dt.datetime.combine(first.date, dt.time(7), UTC)


def test_alarm_only_when_asked(athlete, femoral):
    profile = athlete()
    plan = _plan(profile, femoral, *_checkins(profile, femoral), horizon=14)
    data, _ = render_calendar(plan, _context(profile, femoral))
    assert b"VALARM" not in data
    data, _ = render_calendar(plan, _context(profile, femoral, alarm_min="30"))
    cal, strict = _parse(data)
    assert all(len(e.alarm) == 1 and e.alarm[0].trigger == dt.timedelta(minutes=-30) for e in strict.events)
    assert len(cal.walk("VALARM")) == len(_shown(plan))


@pytest.mark.parametrize("options", [{"alarm_min": "soon"}, {"alarm_min": "-5"}, {"cancel_days": "x"}])
def test_bad_options_are_usage_errors(athlete, femoral, options):
    profile = athlete()
    plan = build_plan(profile, femoral, History(), TODAY, horizon_days=7)
    with pytest.raises(UsageError):
        render_calendar(plan, _context(profile, femoral, **options))


# --------------------------------------------------------------------------- determinism and updates


def test_same_inputs_same_bytes_and_state_round_trip(athlete, femoral):
    profile = athlete("Europe/Berlin")
    checkins, clinical = _checkins(profile, femoral)
    plan = _plan(profile, femoral, checkins, clinical)
    first, state = render_calendar(plan, _context(profile, femoral))
    again, state_again = render_calendar(_plan(profile, femoral, checkins, clinical), _context(profile, femoral))
    assert first == again and state == state_again
    # Feeding the state back with nothing changed publishes the very same file,
    # even when the export runs "later" with the same plan.
    assert render_calendar(plan, _context(profile, femoral, state)) == (first, state)
    next_day = plan.model_copy(update={"today": plan.today + dt.timedelta(days=1)})
    assert render_calendar(next_day, _context(profile, femoral, state))[0] == first


def test_state_of_another_athlete_is_ignored(athlete, femoral):
    profile = athlete()
    plan = _plan(profile, femoral, *_checkins(profile, femoral), horizon=14)
    data, state = render_calendar(plan, _context(profile, femoral))
    other = plan.model_copy(update={"athlete_id": "bob"})
    bob_data, bob_state = render_calendar(other, _context(profile, femoral, state))
    assert b"STATUS:CANCELLED" not in bob_data and not set(bob_state) & set(state)
    assert bob_data.replace(b"@walkrun", b"") != data.replace(b"@walkrun", b"")


def test_pain_report_updates_changed_events_in_place(athlete, femoral):
    profile = athlete("Europe/London")
    checkins, clinical = _checkins(profile, femoral)
    before_plan = _plan(profile, femoral, checkins, clinical)
    before, state = render_calendar(before_plan, _context(profile, femoral))

    # The runner reports pain for the last run before today, a day late.
    last_run = max((c for c in checkins if c.run_min), key=lambda c: c.date)
    hurt = [c.model_copy(update={"pain_during": 3}) if c is last_run else c for c in checkins]
    after_plan = _plan(profile, femoral, hurt, clinical)
    assert after_plan.sessions != before_plan.sessions
    after, state_after = render_calendar(after_plan, _context(profile, femoral, state))
    cal, strict = _parse(after)

    old, new = _blocks(before), _blocks(after)
    old_events, new_events = _events_by_uid(icalendar.Calendar.from_ical(before)), _events_by_uid(cal)
    slots_after = {s.slot for s in _shown(after_plan)}
    kept = {event_uid("ann", s.slot) for s in _shown(before_plan) if s.slot in slots_after}
    assert kept, "the same slots must keep their UIDs"
    changed = [uid for uid in kept if _without_stamp(old[uid]) != _without_stamp(new[uid])]
    same = [uid for uid in kept if uid not in changed]
    assert changed and same
    for uid in same:
        assert new[uid] == old[uid]
        assert new_events[uid].sequence == 0
    for uid in changed:
        assert new_events[uid].sequence == old_events[uid].sequence + 1 == 1
        # A same-day re-plan still moves DTSTAMP on (clients compare it), within the plan date.
        assert old_events[uid].stamp < new_events[uid].stamp < dt.datetime(2026, 4, 21, tzinfo=UTC)
    # The same re-plan again: same bytes.
    assert render_calendar(after_plan, _context(profile, femoral, state)) == (after, state_after)
    # Nothing published for today or later vanishes: it is updated or cancelled.
    assert set(old) <= set(new_events) == {e.uid for e in strict.events}
    assert set(state_after) >= set(old)


def test_dropped_slot_is_cancelled_then_forgotten(athlete, femoral):
    profile = athlete("Europe/Berlin")
    plan = _plan(profile, femoral, *_checkins(profile, femoral))
    victim = _shown(plan)[3]
    uid = event_uid("ann", victim.slot)
    data, state = render_calendar(plan, _context(profile, femoral))

    thinner = plan.model_copy(update={"sessions": [s for s in plan.sessions if s.slot != victim.slot]})
    data2, state2 = render_calendar(thinner, _context(profile, femoral, state))
    cal, strict = _parse(data2)
    cancelled = _events_by_uid(cal)[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.sequence == 1
    assert cancelled.start == dt.datetime.combine(victim.date, dt.time(7), ZoneInfo("Europe/Berlin"))
    assert victim.title in str(cancelled["SUMMARY"])
    assert next(e for e in strict.events if e.uid == uid).status == "CANCELLED"
    assert len(strict.events) == len(_shown(plan))
    # Everything else is untouched.
    assert {k: v for k, v in _blocks(data2).items() if k != uid} == {k: v for k, v in _blocks(data).items() if k != uid}

    # Re-exporting the same thing is stable (the cancellation does not bump again).
    assert render_calendar(thinner, _context(profile, femoral, state2)) == (data2, state2)

    # After cancel_days the cancellation is no longer published...
    later = thinner.model_copy(update={"today": plan.today + dt.timedelta(days=3)})
    gone_data, gone_state = render_calendar(later, _context(profile, femoral, state2, cancel_days="3"))
    assert uid not in _blocks(gone_data)
    # ...but if the slot comes back it still outranks what clients saw.
    back = plan.model_copy(update={"today": later.today})
    back_data, _ = render_calendar(back, _context(profile, femoral, gone_state, cancel_days="3"))
    assert _events_by_uid(_parse(back_data)[0])[uid].sequence == 2

    # Once its date has passed it leaves the state for good.
    past = thinner.model_copy(update={"today": victim.date + dt.timedelta(days=1)})
    _, past_state = render_calendar(past, _context(profile, femoral, state2))
    assert uid not in past_state


def test_changed_content_on_a_later_day_moves_dtstamp(athlete, femoral):
    profile = athlete()
    plan = _plan(profile, femoral, *_checkins(profile, femoral), horizon=14)
    _, state = render_calendar(plan, _context(profile, femoral))
    target = _shown(plan)[-1]
    sessions = [s.model_copy(update={"title": s.title + " (edited)"}) if s is target else s for s in plan.sessions]
    edited = plan.model_copy(update={"today": plan.today + dt.timedelta(days=2), "sessions": sessions})
    data, _ = render_calendar(edited, _context(profile, femoral, state))
    events = _events_by_uid(_parse(data)[0])
    assert events[event_uid("ann", target.slot)].stamp == dt.datetime(2026, 4, 22, tzinfo=UTC)
    assert events[event_uid("ann", target.slot)].sequence == 1
    untouched = _shown(plan)[-2]
    assert events[event_uid("ann", untouched.slot)].stamp == dt.datetime(2026, 4, 20, tzinfo=UTC)


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("tz", "dst_day", "before", "after"),
    [
        # 07:00 local stays 07:00 local across the change; the UTC instant moves by an hour.
        ("America/New_York", dt.date(2026, 3, 8), dt.time(12, 0), dt.time(11, 0)),
        ("Europe/Berlin", dt.date(2026, 3, 29), dt.time(6, 0), dt.time(5, 0)),
    ],
)
def test_dst_change_days(athlete, femoral, tz, dst_day, before, after):
    profile = athlete(tz)
    plan = build_plan(profile, femoral, History(), FWB, horizon_days=35)
    on_day = plan.session_on(dst_day)
    day_before = next(s for s in reversed(_shown(plan)) if s.date < dst_day)
    assert on_day is not None and on_day.kind is not SessionKind.REST
    data, _ = render_calendar(plan, _context(profile, femoral))
    cal, strict = _parse(data)

    for session, utc_time in ((day_before, before), (on_day, after)):
        uid = event_uid("ann", session.slot)
        event = _events_by_uid(cal)[uid]
        strict_event = next(e for e in strict.events if e.uid == uid)
        assert f"DTSTART;TZID={tz}:{session.date:%Y%m%d}T070000".encode() in data
        assert event.start.astimezone(UTC) == dt.datetime.combine(session.date, utc_time, UTC)
        assert strict_event.dtstart.astimezone(UTC) == dt.datetime.combine(session.date, utc_time, UTC)
        assert event.end - event.start == dt.timedelta(seconds=session.total_s)

    (vtz,) = cal.walk("VTIMEZONE")
    assert str(vtz["TZID"]) == tz
    assert vtz.standard and vtz.daylight
    assert all("RRULE" in obs for obs in vtz.standard + vtz.daylight)  # Outlook ignores RDATE-only zones
    # The file's own VTIMEZONE (not the system zone) must put the event at the right instant.
    for own in (vtz.to_tz(lookup_tzid=False), IcsTimezoneInfo.from_timezone(strict.timezones[0])):
        local = dt.datetime.combine(dst_day, dt.time(7), own)
        assert local.utcoffset() == dt.datetime.combine(dst_day, dt.time(7), ZoneInfo(tz)).utcoffset()


@pytest.mark.parametrize(
    "tz",
    [
        "America/New_York",
        "Europe/Berlin",
        "Europe/Dublin",
        "Australia/Sydney",
        "America/Santiago",
        "Asia/Kolkata",
        "Asia/Tokyo",
        "Africa/Casablanca",
    ],
)
def test_vtimezone_matches_zoneinfo_over_range(tz):
    vtz = build_vtimezone(tz, 2026, 2027)
    text = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + vtz.to_ical() + b"END:VCALENDAR\r\n"
    strict = IcsCalendarStream.calendar_from_ics(text.decode())
    zone = ZoneInfo(tz)
    mine: list[dt.tzinfo] = [vtz.to_tz(lookup_tzid=False)]
    if all(obs.rrule for obs in strict.timezones[0].standard + strict.timezones[0].daylight):
        # ical only counts RRULE/RDATE occurrences as onsets, not a bare DTSTART
        # (RFC 5545 does), so it can only check the rule-based zones.
        mine.append(IcsTimezoneInfo.from_timezone(strict.timezones[0]))
    t = dt.datetime(2026, 1, 1, tzinfo=UTC)
    while t < dt.datetime(2028, 1, 1, tzinfo=UTC):
        # Compare wall-clock readings: hourly steps hit both sides of every change.
        wall = t.astimezone(zone).replace(tzinfo=None)
        if wall.replace(tzinfo=zone, fold=1).utcoffset() == wall.replace(tzinfo=zone, fold=0).utcoffset():
            for own in mine:
                assert wall.replace(tzinfo=own).utcoffset() == t.astimezone(zone).utcoffset(), (tz, wall)
        t += dt.timedelta(hours=1)


def test_regular_zones_use_rrules_irregular_fall_back():
    ny = build_vtimezone("America/New_York", 2026, 2027).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in ny and "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in ny
    berlin = build_vtimezone("Europe/Berlin", 2026, 2027).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in berlin and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in berlin
    # tzdata models Irish summer time as standard and winter as negative DST;
    # clients expect DAYLIGHT to be the summer offset.
    dublin = build_vtimezone("Europe/Dublin", 2026, 2027)
    assert [str(o["TZNAME"]) for o in dublin.daylight] == ["IST"]
    assert [str(o["TZNAME"]) for o in dublin.standard] == ["GMT"]
    tokyo = build_vtimezone("Asia/Tokyo", 2026, 2027).to_ical().decode()
    assert tokyo.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in tokyo
    # Casablanca's Ramadan changes have no yearly rule: every change is listed instead.
    assert "RDATE" in build_vtimezone("Africa/Casablanca", 2026, 2027).to_ical().decode()


# --------------------------------------------------------------------------- text, size, plugin


def test_user_text_is_escaped_folded_and_round_trips(athlete, femoral):
    profile = athlete("Europe/Berlin", name=NASTY)
    plan = _plan(profile, femoral, *_checkins(profile, femoral), horizon=14)
    first = _shown(plan)[0]
    reason = f"{NASTY} " * 8  # long enough to need folding inside multi-byte text
    odd = plan.model_copy(
        update={
            "sessions": [
                s.model_copy(update={"title": NASTY, "reason": reason}) if s is first else s for s in plan.sessions
            ]
        }
    )
    data, _ = render_calendar(odd, _context(profile, femoral))
    cal, strict = _parse(data)
    expected_name = f"walkrun: {NASTY}"
    assert strict.name == [expected_name]
    # icalendar 7.3 reads NAME/X-WR-CALNAME back as untyped values, verbatim:
    # what it holds must be exactly the RFC 5545 TEXT escaping of the name.
    escaped = "walkrun: Ünïcode 🏃\\, comma\\; semicolon\\nnewline"
    for key in ("NAME", "X-WR-CALNAME"):
        assert str(cal[key]) == escaped
    uid = event_uid("ann", first.slot)
    event = _events_by_uid(cal)[uid]
    strict_event = next(e for e in strict.events if e.uid == uid)
    assert str(event["SUMMARY"]) == strict_event.summary == NASTY
    assert f"Why this session: {reason}" in str(event["DESCRIPTION"])
    assert f"Why this session: {reason}" in (strict_event.description or "")
    assert b"SUMMARY:\xc3\x9cn\xc3\xafcode \xf0\x9f\x8f\x83\\, comma\\; semicolon\\nnewline\r\n" in data


def test_twelve_month_plan_stays_under_one_megabyte(athlete, femoral, capsys):
    profile = athlete("America/New_York", name="Ann")
    plan = _plan(profile, femoral, *_checkins(profile, femoral), horizon=365)
    data, state = render_calendar(plan, _context(profile, femoral, alarm_min="30", rest_days="1"))
    _, strict = _parse(data)
    assert len(strict.events) == len(plan.sessions) == 365
    assert {SessionKind.WALK_RUN, SessionKind.RUN} <= {s.kind for s in plan.sessions}
    with capsys.disabled():
        print(f"\n12-month calendar: {len(strict.events)} events, {len(data):,} bytes, {len(state)} state entries")
    assert len(data) < 1_000_000


def test_writer_writes_one_file_and_returns_state(athlete, femoral, tmp_path: Path):
    profile = athlete()
    plan = _plan(profile, femoral, *_checkins(profile, femoral), horizon=14)
    result = IcsWriter().write(plan, _context(profile, femoral), tmp_path)
    assert isinstance(result, WriteResult)
    assert result.paths == [tmp_path / "ann.ics"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann.ics"]
    data, state = render_calendar(plan, _context(profile, femoral))
    assert result.paths[0].read_bytes() == data and result.state == state


def test_registered_through_the_plugin_hook():
    if "walkrun.builtin.writers.ics" in plugins.BUILTIN_PLUGINS:
        registry = plugins.make_plugin_manager(load_entrypoints=False, env={})
    else:
        registry = plugins.make_plugin_manager(load_entrypoints=False, env={}, extra=[ics_writer])
    assert registry.writer("ics") is IcsWriter
    assert IcsWriter.extension == ".ics" and IcsWriter.description
    assert not registry.failures


def test_start_in_a_spring_forward_gap_is_moved_not_broken(athlete, femoral):
    profile = athlete("America/New_York", preferences={"session_time": "02:30"})
    plan = build_plan(profile, femoral, History(), FWB, horizon_days=10)
    day = plan.session_on(dt.date(2026, 3, 8))
    assert day is not None and day.kind is not SessionKind.REST
    data, _ = render_calendar(plan, _context(profile, femoral))
    cal, strict = _parse(data)
    event = _events_by_uid(cal)[event_uid("ann", day.slot)]
    # 02:30 does not exist that night; RFC 5545 reads it as 03:30 EDT, so write that.
    assert b"DTSTART;TZID=America/New_York:20260308T033000" in data
    assert event.end.astimezone(UTC) - event.start.astimezone(UTC) == dt.timedelta(seconds=day.total_s)
    assert all(e.dtend > e.dtstart for e in strict.events)


def test_a_plan_with_nothing_to_show_is_still_a_calendar(athlete, femoral):
    profile = athlete()
    plan = build_plan(profile, femoral, History(), TODAY, horizon_days=7)
    rest_only = plan.model_copy(update={"sessions": [s for s in plan.sessions if s.kind is SessionKind.REST]})
    data, state = render_calendar(rest_only, _context(profile, femoral))
    cal, strict = _parse(data)
    assert not cal.walk("VEVENT") and not strict.events and state == {}
