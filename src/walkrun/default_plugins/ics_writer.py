"""iCalendar (RFC 5545) writer: one event per planned session, updated in place on re-export.

Calendar clients only update an event they already hold when the UID matches
and the SEQUENCE went up, so this writer keeps a little state per UID between
exports (SEQUENCE, a hash of what was last published, its DTSTAMP, and enough
to publish a cancellation). Nothing in the output depends on the wall clock:
the same plan and the same state give the same bytes, which also lets a feed
server serve ``render_calendar`` output with stable ETags.

Options (all strings, as the CLI passes them):

``all_day=1``
    all-day ``VALUE=DATE`` events instead of timed ones.
``rest_days=1``
    also publish rest days (as all-day, transparent events).
``cancel_days=N``
    how long a session that left the plan is still published as
    ``STATUS:CANCELLED`` (default 28).
``alarm_min=N``
    add a display reminder N minutes before each session.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vText

from walkrun.errors import UsageError
from walkrun.hookspecs import hookimpl
from walkrun.plan import PastSession, Plan, Session, SessionKind, Step, StepKind
from walkrun.writers import ExportContext, Writer, WriteResult, atomic_write, display_source

__all__ = [
    "DEFAULT_CANCEL_DAYS",
    "IcsWriter",
    "build_vtimezone",
    "event_uid",
    "register_writers",
    "render_calendar",
]

PRODID = "-//walkrun//walkrun return-to-run plan//EN"
UID_DOMAIN = "walkrun"
DEFAULT_CANCEL_DAYS = 28
DEFAULT_SESSION_S = 45 * 60
# Subscribed calendars: ask clients not to poll more often than this (RFC 7986,
# plus the Apple/Outlook X-PUBLISHED-TTL spelling of the same thing).
REFRESH = dt.timedelta(hours=6)
MAX_ALARM_MIN = 7 * 24 * 60

UTC = dt.UTC
# Zones that are UTC under another name: written as ...Z times, which need no
# VTIMEZONE and which every client understands.
UTC_ZONES = frozenset(
    {
        "UTC",
        "UCT",
        "Etc/UTC",
        "Etc/UCT",
        "Universal",
        "Etc/Universal",
        "Zulu",
        "Etc/Zulu",
        "GMT",
        "GMT0",
        "GMT+0",
        "GMT-0",
        "Etc/GMT",
        "Etc/GMT0",
        "Etc/GMT+0",
        "Etc/GMT-0",
        "Greenwich",
        "Etc/Greenwich",
    }
)

_STEP_NAMES = {
    StepKind.WARMUP: "Warm-up",
    StepKind.RUN: "Run",
    StepKind.WALK: "Walk",
    StepKind.BRISK_WALK: "Brisk walk",
    StepKind.COOLDOWN: "Cool-down",
    StepKind.STRENGTH: "Strength",
    StepKind.CROSS_TRAINING: "Cross-training",
    StepKind.REST: "Rest",
}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class _Entry:
    """What was last published for one UID (stored as JSON in ``WriteResult.state``)."""

    slot: str
    seq: int
    digest: str  # hash of the event as published, minus SEQUENCE and DTSTAMP
    stamp: str  # DTSTAMP as written, e.g. 20260420T000000Z
    date: dt.date
    duration_s: int  # 0 means an all-day event (rest day)
    summary: str
    gone: dt.date | None = None  # the plan.today on which the slot left the plan

    def dump(self) -> str:
        data = {
            "slot": self.slot,
            "seq": self.seq,
            "hash": self.digest,
            "stamp": self.stamp,
            "date": self.date.isoformat(),
            "dur": self.duration_s,
            "summary": self.summary,
        }
        if self.gone:
            data["gone"] = self.gone.isoformat()
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def load(cls, raw: str) -> _Entry | None:
        try:
            data = json.loads(raw)
            return cls(
                slot=str(data["slot"]),
                seq=int(data["seq"]),
                digest=str(data["hash"]),
                stamp=str(data["stamp"]),
                date=dt.date.fromisoformat(data["date"]),
                duration_s=int(data["dur"]),
                summary=str(data["summary"]),
                gone=dt.date.fromisoformat(data["gone"]) if data.get("gone") else None,
            )
        except (ValueError, TypeError, KeyError):
            # A damaged entry only costs that event its SEQUENCE history.
            return None


def _load_state(state: dict[str, str], athlete_id: str) -> dict[str, _Entry]:
    out: dict[str, _Entry] = {}
    for uid, raw in state.items():
        entry = _Entry.load(raw)
        # Entries for another athlete (state handed over by mistake) must not be
        # read as this athlete's dropped sessions and cancelled in their calendar.
        if entry is not None and uid == event_uid(athlete_id, entry.slot):
            out[uid] = entry
    return out


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Options:
    all_day: bool
    rest_days: bool
    cancel_days: int
    alarm_min: int | None

    @classmethod
    def parse(cls, options: dict[str, str]) -> _Options:
        alarm = options.get("alarm_min", "").strip()
        return cls(
            all_day=_flag(options, "all_day"),
            rest_days=_flag(options, "rest_days"),
            cancel_days=_int_option(options, "cancel_days", DEFAULT_CANCEL_DAYS, 0, 3650),
            alarm_min=_int_option(options, "alarm_min", 0, 0, MAX_ALARM_MIN) if alarm else None,
        )


def _date_option(options: dict[str, str], key: str) -> dt.date | None:
    raw = options.get(key, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"bad {key} option {raw!r}: use YYYY-MM-DD") from None


def _flag(options: dict[str, str], key: str) -> bool:
    return options.get(key, "").strip().lower() in {"1", "true", "yes", "on"}


def _int_option(options: dict[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = options.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"ics option {key}={raw!r}: expected a whole number") from None
    if not low <= value <= high:
        raise UsageError(f"ics option {key}={value}: expected {low}..{high}")
    return value


# --------------------------------------------------------------------------- text


def event_uid(athlete_id: str, slot: str) -> str:
    """The event UID for one plan slot: stable across regenerations, opaque to clients."""
    digest = hashlib.sha1(f"{athlete_id}\x1f{slot}".encode(), usedforsecurity=False).hexdigest()
    return f"{digest}@{UID_DOMAIN}"


def _duration_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _step_inline(step: Step) -> str:
    """A step as a phrase, e.g. ``run 2 min`` or ``6 × (run 2 min, walk 3 min)``."""
    if step.kind is StepKind.REPEAT:
        inner = ", ".join(_step_inline(child) for child in step.steps)
        return f"{step.repeat_count or 1} × ({inner})"
    head = _STEP_NAMES[step.kind].lower()
    return f"{head} {_duration_text(step.duration_s)}" if step.duration_s else (step.label or head)


def _step_lines(step: Step) -> list[str]:
    if step.kind is StepKind.REPEAT:
        return [f"- {_step_inline(step)}"]
    text = _STEP_NAMES[step.kind]
    if step.duration_s:
        text += f" {_duration_text(step.duration_s)}"
    label = step.label.strip()
    # Labels like "run 2 min" or "Rest day" only repeat what the kind and duration say.
    if label.lower() == text.lower() or (not step.duration_s and label.lower().startswith(text.lower())):
        text = label[:1].upper() + label[1:]
    elif label:
        text += f": {label}"
    return [f"- {text}", *(f"    · {exercise}" for exercise in step.exercises)]


def _description(session: Session) -> str:
    lines = [session.title, ""]
    for step in session.steps:
        lines += _step_lines(step)
    lines.append("")
    if session.total_s:
        split = [f"{name} {_duration_text(s)}" for name, s in (("run", session.run_s), ("walk", session.walk_s)) if s]
        lines.append(f"Total {_duration_text(session.total_s)}" + (f" ({', '.join(split)})" if split else ""))
    if session.intensity:
        lines.append(f"Effort: {session.intensity}")
    # No phase/level line: on strength and walk days it would change whenever the
    # run progression shifts, re-sending events whose content did not change.
    if session.reason:
        lines.append(f"Why this session: {session.reason}")
    if session.provisional:
        lines += [
            "",
            "Provisional: this session assumes the ones before it go cleanly. "
            "Log how each one felt; a pain report changes the sessions after it.",
        ]
    return "\n".join(lines).rstrip("\n")


# --------------------------------------------------------------------------- times


def _zone(name: str) -> dt.tzinfo:
    return UTC if name in UTC_ZONES else ZoneInfo(name)


def _timed_span(day: dt.date, at: dt.time, zone: dt.tzinfo, seconds: int) -> tuple[dt.datetime, dt.datetime]:
    """Start and end, as times every client reads back as the session's real instants.

    Going through UTC moves a start that falls in a spring-forward gap to the
    wall time RFC 5545 would read it as; a start in the repeated autumn hour
    stays its first occurrence, which is how RFC 5545 reads an ambiguous local
    time. An end in the *second* occurrence of that hour cannot be written as
    a local time (it would read as the first, before the start), so that one
    event is written in UTC instead; DURATION would not help, as calendar
    libraries add it to the wall clock (icalendar, ical, ical.js).
    """
    naive = dt.datetime.combine(day, at.replace(tzinfo=None, microsecond=0))
    start_utc = naive.replace(tzinfo=zone).astimezone(UTC)
    end_utc = start_utc + dt.timedelta(seconds=seconds)
    if zone is UTC:
        return start_utc, end_utc
    start, end = start_utc.astimezone(zone), end_utc.astimezone(zone)
    if _reads_back_as(end) != end_utc:
        return start_utc, end_utc
    return start, end


def _reads_back_as(local: dt.datetime) -> dt.datetime:
    """The instant a reader gives a local wall time: its first occurrence (RFC 5545 3.3.5)."""
    return local.replace(fold=0).astimezone(UTC)


def _stamp(day: dt.date) -> str:
    return f"{day:%Y%m%d}T000000Z"


def _next_stamp(previous: str, today: dt.date) -> str:
    """DTSTAMP of a changed event: the plan date, yet always later than what clients saw.

    Deterministic (no clock), never backwards even when exporting "as of" an
    earlier day, and a second re-plan on the same day still moves it on.
    """
    later = _parse_stamp(previous) + dt.timedelta(seconds=1)
    return max(later, _parse_stamp(_stamp(today))).strftime("%Y%m%dT%H%M%SZ")


def _parse_stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


# --------------------------------------------------------------------------- VTIMEZONE


@dataclass(frozen=True)
class _Transition:
    utc: dt.datetime
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    name: str

    @property
    def local(self) -> dt.datetime:
        # RFC 5545: an observance's DTSTART is the wall time *before* the change.
        return (self.utc + self.offset_from).replace(tzinfo=None)


def _zone_state(zone: dt.tzinfo, instant: dt.datetime) -> tuple[dt.timedelta, bool, str]:
    local = instant.astimezone(zone)
    return (local.utcoffset() or dt.timedelta(0), bool(local.dst()), local.tzname() or "")


def _transitions(zone: dt.tzinfo, start: dt.datetime, end: dt.datetime) -> list[_Transition]:
    """Every change of offset, DST flag or abbreviation in [start, end), to the second."""
    out: list[_Transition] = []
    day = dt.timedelta(days=1)
    t, state = start, _zone_state(zone, start)
    while t < end:
        nxt = min(t + day, end)
        new = _zone_state(zone, nxt)
        if new != state:
            lo, hi = t, nxt  # state(lo) is the old one, state(hi) the new one
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) // 2
                mid = mid.replace(microsecond=0)
                if _zone_state(zone, mid) == state:
                    lo = mid
                else:
                    hi = mid
            out.append(_Transition(hi, state[0], new[0], new[2]))
        t, state = nxt, new
    return out


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    days = _calendar.monthrange(year, month)[1]
    if n < 0:
        last = dt.date(year, month, days)
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _yearly_rule(starts: list[dt.datetime], years: range) -> dict[str, object] | None:
    """``FREQ=YEARLY;BYMONTH;BYDAY`` reproducing ``starts`` exactly in ``years``, if one exists."""
    first = starts[0]
    if any((s.month, s.weekday(), s.time()) != (first.month, first.weekday(), first.time()) for s in starts):
        return None
    ordinals: set[int] | None = None
    for s in starts:
        candidates = {(s.day - 1) // 7 + 1}
        if s.day + 7 > _calendar.monthrange(s.year, s.month)[1]:
            candidates.add(-1)
        ordinals = candidates if ordinals is None else ordinals & candidates
    if not ordinals:
        return None
    n = -1 if -1 in ordinals else min(ordinals)
    expected = [dt.datetime.combine(_nth_weekday(y, first.month, first.weekday(), n), first.time()) for y in years]
    if expected != sorted(starts):
        return None
    return {"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": f"{n}{_WEEKDAYS[first.weekday()]}"}


def _observance(
    daylight: bool, start: dt.datetime, offset_from: dt.timedelta, offset_to: dt.timedelta, name: str
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if daylight else TimezoneStandard()
    observance.add("DTSTART", start)
    observance.add("TZOFFSETFROM", offset_from)
    observance.add("TZOFFSETTO", offset_to)
    observance.add("TZNAME", name)
    return observance


def build_vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``tzid`` that is exact for every instant of ``first_year..last_year``.

    Zones with a regular yearly rule get RRULE-based STANDARD/DAYLIGHT
    observances, the form Outlook understands (it mishandles RDATE-only
    definitions). Anything irregular (Morocco's Ramadan changes, a country
    dropping DST mid-range) lists every change in the range as RDATEs instead.
    icalendar's ``Timezone.from_tzid`` is not used: it writes RDATE-only
    zones and, in 7.3, skips short DST periods such as Morocco's.
    """
    zone = ZoneInfo(tzid)
    # Start a year early so an observance is already in force on 1 January of
    # the first year (southern-hemisphere DST starts in the previous spring).
    years = range(first_year - 1, last_year + 1)
    start = dt.datetime(years.start, 1, 1, tzinfo=UTC)
    changes = _transitions(zone, start, dt.datetime(years.stop, 1, 1, tzinfo=UTC))
    tz = Timezone()
    tz.add("TZID", tzid)
    offset, _, name = _zone_state(zone, start)
    in_force = (start + offset).replace(tzinfo=None)
    # DAYLIGHT means "ahead of the zone's usual offset", as clients expect, even
    # where tzdata models it the other way round (Ireland's and Morocco's
    # negative DST).
    floor = min([offset, *(change.offset_to for change in changes)])
    if not changes:
        tz.add_component(_observance(False, in_force, offset, offset, name))
        return tz
    groups: dict[tuple[dt.timedelta, dt.timedelta, str], list[dt.datetime]] = defaultdict(list)
    for change in changes:
        groups[(change.offset_from, change.offset_to, change.name)].append(change.local)
    rules = {key: _yearly_rule(starts, years) for key, starts in groups.items()}
    observances: list[TimezoneStandard | TimezoneDaylight] = []
    regular = all(rules.values())
    if not regular:
        # What is in force before the first listed change; every change follows.
        observances.append(_observance(offset > floor, in_force, offset, offset, name))
    for key, starts in groups.items():
        offset_from, offset_to, tzname = key
        observance = _observance(offset_to > floor, starts[0], offset_from, offset_to, tzname)
        if regular:
            observance.add("RRULE", rules[key])
        elif len(starts) > 1:
            observance.add("RDATE", starts[1:])
        observances.append(observance)
    for observance in sorted(observances, key=lambda o: o.DTSTART):
        tz.add_component(observance)
    return tz


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class _Draft:
    """An event without SEQUENCE and DTSTAMP, which are decided by comparing with state."""

    uid: str
    date: dt.date
    slot: str
    duration_s: int
    summary: str
    event: Event

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.event.to_ical()).hexdigest()[:20]


def _set_times(event: Event, day: dt.date, seconds: int, zone: dt.tzinfo, at: dt.time, all_day: bool) -> None:
    if all_day or seconds == 0:
        event.add("DTSTART", day)
        event.add("DTEND", day + dt.timedelta(days=1))
        # All-day entries are reminders, not appointments: don't block the day.
        event.add("TRANSP", "TRANSPARENT")
        return
    start, end = _timed_span(day, at, zone, seconds)
    event.add("DTSTART", start)
    event.add("DTEND", end)


def _session_draft(plan: Plan, session: Session, opts: _Options, zone: dt.tzinfo, at: dt.time) -> _Draft:
    uid = event_uid(plan.athlete_id, session.slot)
    seconds = 0 if session.kind is SessionKind.REST else (session.total_s or DEFAULT_SESSION_S)
    event = Event()
    event.add("UID", uid)
    event.add("SUMMARY", session.title)
    event.add("DESCRIPTION", _description(session))
    _set_times(event, session.date, seconds, zone, at, opts.all_day)
    if opts.alarm_min is not None and session.kind is not SessionKind.REST:
        # Google Calendar ignores VALARM in subscribed calendars; Apple and
        # Outlook honour it, and it is harmless elsewhere.
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", session.title)
        alarm.add("TRIGGER", dt.timedelta(minutes=-opts.alarm_min))
        event.add_component(alarm)
    return _Draft(uid, session.date, session.slot, seconds, session.title, event)


PAST_LABELS = {
    "done": "Done",
    "partial": "Partly done",
    "overdone": "More than planned",
    "missed": "Missed",
    "unplanned": "Unplanned",
}


def _past_draft(plan: Plan, past: PastSession, opts: _Options, zone: dt.tzinfo, at: dt.time) -> _Draft:
    """A day gone by keeps its UID; its content now says what was actually done."""
    session = past.session
    if past.status not in PAST_LABELS:
        return _session_draft(plan, session, opts, zone, at)
    uid = event_uid(plan.athlete_id, session.slot)
    seconds = session.total_s or DEFAULT_SESSION_S
    summary = f"{PAST_LABELS[past.status]}: {session.title}"
    lines = [summary, "", f"Planned: {session.title}"]
    if past.adherence:
        lines.append(f"Done: {past.adherence}")
    if past.sources:
        lines.append(f"Recorded by: {', '.join(dict.fromkeys(display_source(x) for x in past.sources))}")
    if past.pain:
        lines.append(f"Pain: {past.pain}")
    event = Event()
    event.add("UID", uid)
    event.add("SUMMARY", summary)
    event.add("DESCRIPTION", "\n".join(lines))
    _set_times(event, session.date, seconds, zone, at, opts.all_day)
    return _Draft(uid, session.date, session.slot, seconds, summary, event)


def _cancelled_draft(uid: str, entry: _Entry, gone: dt.date, opts: _Options, zone: dt.tzinfo, at: dt.time) -> _Draft:
    event = Event()
    event.add("UID", uid)
    event.add("SUMMARY", f"Cancelled: {entry.summary}")
    event.add("DESCRIPTION", f"This session left your plan on {gone.isoformat()}.")
    event.add("STATUS", "CANCELLED")
    _set_times(event, entry.date, entry.duration_s, zone, at, opts.all_day)
    return _Draft(uid, entry.date, entry.slot, entry.duration_s, entry.summary, event)


def _published(draft: _Draft, previous: _Entry | None, today: dt.date, gone: dt.date | None) -> tuple[Event, _Entry]:
    digest = draft.digest
    if previous is None:
        seq, stamp = 0, _stamp(today)
    elif previous.digest == digest:
        seq, stamp = previous.seq, previous.stamp
    else:
        seq, stamp = previous.seq + 1, _next_stamp(previous.stamp, today)
    event = draft.event
    event.add("DTSTAMP", _parse_stamp(stamp))
    event.add("SEQUENCE", seq)
    return event, _Entry(draft.slot, seq, digest, stamp, draft.date, draft.duration_s, draft.summary, gone)


def render_calendar(plan: Plan, context: ExportContext) -> tuple[bytes, dict[str, str]]:
    """The plan as iCalendar bytes, plus the state to hand back as ``context.state`` next time.

    Pure: no files, no clock. A feed server can call this per request and keep
    the returned state wherever the exporter keeps it.
    """
    opts = _Options.parse(context.options)
    prefs = context.profile.preferences
    zone = _zone(prefs.timezone)
    at = prefs.session_time
    today = plan.today
    previous = _load_state(context.state, plan.athlete_id)

    drafts: list[tuple[_Draft, dt.date | None]] = []
    live: set[str] = set()
    for past in plan.past:
        if past.session.kind is SessionKind.REST and not opts.rest_days:
            continue
        draft = _past_draft(plan, past, opts, zone, at)
        live.add(draft.uid)
        drafts.append((draft, None))
    for session in plan.sessions:
        if session.kind is SessionKind.REST and not opts.rest_days:
            continue
        draft = _session_draft(plan, session, opts, zone, at)
        if draft.uid in live:  # two sessions in one slot would be one event to a client
            raise UsageError(f"plan has two sessions in slot {session.slot!r}")
        live.add(draft.uid)
        drafts.append((draft, None))

    tombstones: dict[str, _Entry] = {}
    window_start, window_end = _window(plan, context.options)
    for uid, entry in sorted(previous.items()):
        if uid in live or entry.date < today:
            continue  # past events simply fall out of the feed
        if not window_start <= entry.date <= window_end:
            # Outside what this export covers: not dropped from the plan, just not
            # shown this time. Keep its state so it returns unchanged later.
            tombstones[uid] = entry
            continue
        gone = entry.gone or today
        if (today - gone).days < opts.cancel_days:
            drafts.append((_cancelled_draft(uid, entry, gone, opts, zone, at), gone))
        else:
            # Remember the SEQUENCE until the date passes, so a slot that comes
            # back outranks the cancellation clients already saw.
            tombstones[uid] = replace(entry, gone=gone)

    drafts.sort(key=lambda item: (item[0].date, item[0].slot, item[0].uid))
    cal = _calendar_shell(plan, context)
    state: dict[str, str] = {uid: entry.dump() for uid, entry in tombstones.items()}
    timed_years: list[int] = []
    for draft, left_on in drafts:
        event, entry = _published(draft, previous.get(draft.uid), today, left_on)
        cal.add_component(event)
        state[draft.uid] = entry.dump()
        if isinstance(event.start, dt.datetime):
            timed_years.append(draft.date.year)
    if timed_years and zone is not UTC:
        # VTIMEZONE first: some clients read components in order.
        cal.subcomponents.insert(0, build_vtimezone(prefs.timezone, min(timed_years), max(timed_years)))
    return cal.to_ical(), dict(sorted(state.items()))


def _window(plan: Plan, options: dict[str, str]) -> tuple[dt.date, dt.date]:
    """First and last day this calendar covers (``window_from``/``window_to``, else the plan's own span)."""
    start = max(plan.today, _date_option(options, "window_from") or plan.today)
    last_planned = max((s.date for s in plan.sessions), default=plan.today)
    return start, _date_option(options, "window_to") or last_planned


def _calendar_shell(plan: Plan, context: ExportContext) -> Calendar:
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    name = f"walkrun: {context.profile.name or plan.athlete_id}"
    # vText explicitly: icalendar 7.3 types NAME/X-WR-CALNAME as "unknown" and
    # would not escape a newline or comma in the athlete's name.
    cal.add("NAME", vText(name))
    cal.add("X-WR-CALNAME", vText(name))
    # Apple and Google read this as the calendar's home zone (times still carry their own TZID).
    cal.add("X-WR-TIMEZONE", vText(context.profile.preferences.timezone))
    about = vText(f"Return-to-run plan: {context.protocol.name}")
    cal.add("DESCRIPTION", about)
    cal.add("X-WR-CALDESC", about)
    cal.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    return cal


# --------------------------------------------------------------------------- plugin


class IcsWriter(Writer):
    """Writes ``<athlete>.ics``: one event per session, updated in place on re-export."""

    name: ClassVar[str] = "ics"
    description: ClassVar[str] = "iCalendar file for Google, Apple and Outlook calendars (subscribe or import)"
    extension: ClassVar[str] = ".ics"

    def state_scope(self, context: ExportContext, out_dir: Path) -> str:
        """One calendar = athlete + file + the options and zone that shape its events."""
        opts = _Options.parse(context.options)
        key = json.dumps(
            [
                str((out_dir / f"{context.profile.athlete_id}{self.extension}").resolve()),
                opts.all_day,
                opts.rest_days,
                opts.alarm_min,
                context.profile.preferences.timezone,
            ]
        )
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> WriteResult:
        data, state = render_calendar(plan, context)
        path = atomic_write(out_dir / f"{plan.athlete_id}{self.extension}", data)
        return WriteResult(paths=[path], state=state)


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(IcsWriter)
