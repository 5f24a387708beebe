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

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from icalendar import Calendar, vDuration, vText

from walkrun.builtin.writers.ics_events import (
    DEFAULT_CANCEL_DAYS,
    Draft,
    IcsOptions,
    cancelled_draft,
    date_option,
    past_draft,
    published,
    session_draft,
)
from walkrun.builtin.writers.ics_state import CalendarEntry, event_uid, load_state
from walkrun.builtin.writers.ics_timezone import UTC, build_vtimezone, zone_for
from walkrun.domain.errors import UsageError
from walkrun.domain.plan import Plan, SessionKind
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.writers import ExportContext, Writer, WriteResult, atomic_write

__all__ = [
    "DEFAULT_CANCEL_DAYS",
    "IcsWriter",
    "build_vtimezone",
    "event_uid",
    "register_writers",
    "render_calendar",
]

PRODID = "-//walkrun//walkrun return-to-run plan//EN"
# Subscribed calendars: ask clients not to poll more often than this (RFC 7986,
# plus the Apple/Outlook X-PUBLISHED-TTL spelling of the same thing).
REFRESH = dt.timedelta(hours=6)


def render_calendar(plan: Plan, context: ExportContext) -> tuple[bytes, dict[str, str]]:
    """The plan as iCalendar bytes, plus the state to hand back as ``context.state`` next time.

    Pure: no files, no clock. A feed server can call this per request and keep
    the returned state wherever the exporter keeps it.
    """
    opts = IcsOptions.parse(context.options)
    prefs = context.profile.preferences
    zone = zone_for(prefs.timezone)
    today = plan.today
    previous = load_state(context.state, plan.athlete_id)
    drafts = _live_drafts(plan, opts, zone, prefs.session_time)
    live = {draft.uid for draft, _ in drafts}
    window = _window(plan, context.options)
    cancelled, tombstones = _departed(previous, live, today, window, opts, zone, prefs.session_time)
    drafts += cancelled
    drafts.sort(key=lambda item: (item[0].date, item[0].slot, item[0].uid))
    cal = _calendar_shell(plan, context)
    state: dict[str, str] = {uid: entry.dump() for uid, entry in tombstones.items()}
    timed_years: list[int] = []
    for draft, left_on in drafts:
        event, entry = published(draft, previous.get(draft.uid), today, left_on)
        cal.add_component(event)
        state[draft.uid] = entry.dump()
        if isinstance(event.start, dt.datetime):
            timed_years.append(draft.date.year)
    if timed_years and zone is not UTC:
        # VTIMEZONE first: some clients read components in order.
        cal.subcomponents.insert(0, build_vtimezone(prefs.timezone, min(timed_years), max(timed_years)))
    return cal.to_ical(), dict(sorted(state.items()))


def _live_drafts(plan: Plan, opts: IcsOptions, zone: dt.tzinfo, at: dt.time) -> list[tuple[Draft, dt.date | None]]:
    """Every day gone by and every planned session this calendar shows (rest days only if asked)."""
    drafts: list[tuple[Draft, dt.date | None]] = []
    live: set[str] = set()
    for past in plan.past:
        if past.session.kind is SessionKind.REST and not opts.rest_days:
            continue
        draft = past_draft(plan, past, opts, zone, at)
        live.add(draft.uid)
        drafts.append((draft, None))
    for session in plan.sessions:
        if session.kind is SessionKind.REST and not opts.rest_days:
            continue
        draft = session_draft(plan, session, opts, zone, at)
        if draft.uid in live:  # two sessions in one slot would be one event to a client
            raise UsageError(f"plan has two sessions in slot {session.slot!r}")
        live.add(draft.uid)
        drafts.append((draft, None))
    return drafts


def _departed(
    previous: dict[str, CalendarEntry],
    live: set[str],
    today: dt.date,
    window: tuple[dt.date, dt.date],
    opts: IcsOptions,
    zone: dt.tzinfo,
    at: dt.time,
) -> tuple[list[tuple[Draft, dt.date | None]], dict[str, CalendarEntry]]:
    """Published events no longer in the plan: cancellations to publish, and state to keep quietly."""
    cancelled: list[tuple[Draft, dt.date | None]] = []
    tombstones: dict[str, CalendarEntry] = {}
    window_start, window_end = window
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
            cancelled.append((cancelled_draft(uid, entry, gone, opts, zone, at), gone))
        else:
            # Remember the SEQUENCE until the date passes, so a slot that comes
            # back outranks the cancellation clients already saw.
            tombstones[uid] = replace(entry, gone=gone)
    return cancelled, tombstones


def _window(plan: Plan, options: dict[str, str]) -> tuple[dt.date, dt.date]:
    """First and last day this calendar covers (``window_from``/``window_to``, else the plan's own span)."""
    start = max(plan.today, date_option(options, "window_from") or plan.today)
    last_planned = max((s.date for s in plan.sessions), default=plan.today)
    return start, date_option(options, "window_to") or last_planned


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
        opts = IcsOptions.parse(context.options)
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

    def render(self, plan: Plan, context: ExportContext) -> tuple[bytes, dict[str, str]]:
        return render_calendar(plan, context)

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> WriteResult:
        data, state = self.render(plan, context)
        path = atomic_write(out_dir / f"{plan.athlete_id}{self.extension}", data)
        return WriteResult(paths=[path], state=state)


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(IcsWriter)
