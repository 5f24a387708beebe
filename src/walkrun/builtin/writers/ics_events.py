"""One calendar event per plan slot: the export's options, each event's text and times, its SEQUENCE.

An event is first built as a :class:`Draft` (no SEQUENCE or DTSTAMP); comparing
its hash with what was last published (:mod:`ics_state`) decides both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from icalendar import Alarm, Event

from walkrun.builtin.writers.ics_state import CalendarEntry, event_uid, next_stamp, parse_stamp, stamp_of
from walkrun.builtin.writers.ics_timezone import timed_span
from walkrun.domain.errors import UsageError
from walkrun.domain.plan import PastSession, Plan, Session, SessionKind, Step, StepKind
from walkrun.plugins.writers import display_source

DEFAULT_CANCEL_DAYS = 28
DEFAULT_SESSION_S = 45 * 60
MAX_ALARM_MIN = 7 * 24 * 60

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


@dataclass(frozen=True)
class IcsOptions:
    all_day: bool
    rest_days: bool
    cancel_days: int
    alarm_min: int | None

    @classmethod
    def parse(cls, options: dict[str, str]) -> IcsOptions:
        alarm = options.get("alarm_min", "").strip()
        return cls(
            all_day=_flag(options, "all_day"),
            rest_days=_flag(options, "rest_days"),
            cancel_days=_int_option(options, "cancel_days", DEFAULT_CANCEL_DAYS, 0, 3650),
            alarm_min=_int_option(options, "alarm_min", 0, 0, MAX_ALARM_MIN) if alarm else None,
        )


def date_option(options: dict[str, str], key: str) -> dt.date | None:
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


def description(session: Session) -> str:
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


@dataclass(frozen=True)
class Draft:
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
    start, end = timed_span(day, at, zone, seconds)
    event.add("DTSTART", start)
    event.add("DTEND", end)


def session_draft(plan: Plan, session: Session, opts: IcsOptions, zone: dt.tzinfo, at: dt.time) -> Draft:
    uid = event_uid(plan.athlete_id, session.slot)
    seconds = 0 if session.kind is SessionKind.REST else (session.total_s or DEFAULT_SESSION_S)
    event = Event()
    event.add("UID", uid)
    event.add("SUMMARY", session.title)
    event.add("DESCRIPTION", description(session))
    _set_times(event, session.date, seconds, zone, at, opts.all_day)
    if opts.alarm_min is not None and session.kind is not SessionKind.REST:
        # Google Calendar ignores VALARM in subscribed calendars; Apple and
        # Outlook honour it, and it is harmless elsewhere.
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", session.title)
        alarm.add("TRIGGER", dt.timedelta(minutes=-opts.alarm_min))
        event.add_component(alarm)
    return Draft(uid, session.date, session.slot, seconds, session.title, event)


PAST_LABELS = {
    "done": "Done",
    "partial": "Partly done",
    "overdone": "More than planned",
    "missed": "Missed",
    "unplanned": "Unplanned",
}


def past_draft(plan: Plan, past: PastSession, opts: IcsOptions, zone: dt.tzinfo, at: dt.time) -> Draft:
    """A day gone by keeps its UID; its content now says what was actually done."""
    session = past.session
    if past.status not in PAST_LABELS:
        return session_draft(plan, session, opts, zone, at)
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
    return Draft(uid, session.date, session.slot, seconds, summary, event)


def cancelled_draft(
    uid: str, entry: CalendarEntry, gone: dt.date, opts: IcsOptions, zone: dt.tzinfo, at: dt.time
) -> Draft:
    event = Event()
    event.add("UID", uid)
    event.add("SUMMARY", f"Cancelled: {entry.summary}")
    event.add("DESCRIPTION", f"This session left your plan on {gone.isoformat()}.")
    event.add("STATUS", "CANCELLED")
    _set_times(event, entry.date, entry.duration_s, zone, at, opts.all_day)
    return Draft(uid, entry.date, entry.slot, entry.duration_s, entry.summary, event)


def published(
    draft: Draft, previous: CalendarEntry | None, today: dt.date, gone: dt.date | None
) -> tuple[Event, CalendarEntry]:
    digest = draft.digest
    if previous is None:
        seq, stamp = 0, stamp_of(today)
    elif previous.digest == digest:
        seq, stamp = previous.seq, previous.stamp
    else:
        seq, stamp = previous.seq + 1, next_stamp(previous.stamp, today)
    event = draft.event
    event.add("DTSTAMP", parse_stamp(stamp))
    event.add("SEQUENCE", seq)
    return event, CalendarEntry(draft.slot, seq, digest, stamp, draft.date, draft.duration_s, draft.summary, gone)
