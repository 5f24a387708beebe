"""Times in a calendar: the athlete's zone, session start and end, and the VTIMEZONE that defines it.

A timed event carries its zone's TZID; RFC 5545 wants the zone's rules in the
file too, so :func:`build_vtimezone` writes them for the years the events
span, as yearly rules where the zone follows one, else as each transition.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

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
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def zone_for(name: str) -> dt.tzinfo:
    return UTC if name in UTC_ZONES else ZoneInfo(name)


def timed_span(day: dt.date, at: dt.time, zone: dt.tzinfo, seconds: int) -> tuple[dt.datetime, dt.datetime]:
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
