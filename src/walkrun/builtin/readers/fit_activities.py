"""Activities from decoded FIT messages: sessions cut the records into activities.

Times stay integer seconds on the FIT clock until the activity is built, so a
garbage timestamp can never overflow a datetime. Records outside every session
are reported in the nearest activity's warnings (count and time span), never
dropped silently; they are not made into activities of their own, because an
unknown stretch of records must not become walking evidence by default.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from walkrun.builtin.readers._trackmath import is_foot_sport, moving_seconds, smoothed_speeds
from walkrun.domain.activities import Activity, Lap, SampleColumns, rpe_from_tenths
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.fit.decode import MAX_SESSIONS, FitDecoded, FitGroup
from walkrun.fit.profile import FIT_EPOCH_UNIX, RELATIVE_TIME_LIMIT
from walkrun.fit.records import NAN, RecordColumns

__all__ = ["MAX_ACTIVITY_S", "build_activities"]

FIT_EPOCH = dt.datetime.fromtimestamp(FIT_EPOCH_UNIX, dt.UTC)
# Longer than any walk or ultra; a longer "activity" is a logging device or garbage times.
MAX_ACTIVITY_S = 48 * 3600
MAX_UTC_OFFSET_S = 14 * 3600
SLACK_S = 1.0

SPORTS: dict[int, str] = {0: "generic", 1: "running", 2: "cycling", 5: "swimming", 11: "walking", 17: "hiking"}
INTENSITIES: dict[int, str] = {0: "active", 1: "rest", 2: "warmup", 3: "cooldown", 4: "recovery", 5: "interval"}
FEEL_FIELDS = ("workout_feel",)
RPE_FIELDS = ("workout_rpe",)


class _Unanchored(Exception):
    pass


class _Clock:
    """FIT times (seconds on the FIT clock) made absolute, anchoring device-relative times."""

    def __init__(self, activity: dict[str, Any] | None) -> None:
        self.utc_offset_s: int | None = None
        self._relative_base: int | None = None
        stamp = (activity or {}).get("timestamp")
        local = (activity or {}).get("local_timestamp")
        if not isinstance(stamp, int) or not isinstance(local, int):
            return
        if stamp >= RELATIVE_TIME_LIMIT:
            if abs(local - stamp) <= MAX_UTC_OFFSET_S:
                self.utc_offset_s = local - stamp
        elif stamp >= 0:
            # A device without a clock set (old Forerunners) counts seconds from power-on;
            # its only absolute time is local. Taking local as UTC with offset 0 keeps the
            # local date and time of day right, which is what walkrun's weeks depend on.
            self._relative_base = local - stamp
            self.utc_offset_s = 0

    def __call__(self, value: Any) -> int | None:
        if not isinstance(value, int) or value < 0:
            return None
        if value >= RELATIVE_TIME_LIMIT:
            return value
        if self._relative_base is None:
            raise _Unanchored
        return self._relative_base + value


def _num(value: Any) -> float | None:
    """A finite, non-negative number, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _first_num(values: dict[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        number = _num(values.get(name))
        if number is not None:
            return number
    return None


def _utc(seconds: float) -> dt.datetime:
    return FIT_EPOCH + dt.timedelta(seconds=seconds)


@dataclass
class _Window:
    number: int  # session number, 0 when the records make the only activity
    session: dict[str, Any] | None
    start: float
    end: float | None
    rows: list[int] = field(default_factory=list)  # record indexes, in time order
    laps: list[dict[str, Any]] = field(default_factory=list)
    outside: list[float] = field(default_factory=list)  # times of nearby records outside every session


def build_activities(decoded: FitDecoded, source: str, digest: str) -> list[Activity]:
    wanted = [g for g in decoded.groups if g.is_activity]
    if not wanted:
        if decoded.damage and not decoded.groups:
            raise ReadError(source, f"FIT file is damaged and holds nothing readable: {decoded.damage}")
        kind = decoded.groups[0].file_type if decoded.groups else "unknown"
        raise NotAnActivityError(source, f"FIT file of type '{kind}', not an activity")
    sessions = sum(len(g.sessions) for g in wanted)
    if sessions > MAX_SESSIONS:
        raise ReadError(source, f"FIT file has {sessions} sessions, more than the {MAX_SESSIONS} walkrun accepts")
    notes = list(decoded.warnings)
    if decoded.damage:
        notes.insert(0, f"recovered from a damaged file: {decoded.damage}")
    activities: list[Activity] = []
    for group in wanted:
        try:
            activities.extend(_group_activities(group, source, digest, len(activities), notes))
        except _Unanchored:
            raise ReadError(
                source, "FIT timestamps count from device power-on and the file has no clock time to anchor them"
            ) from None
    if not activities:
        if decoded.damage:
            raise ReadError(source, f"FIT file is damaged and nothing before the damage is usable: {decoded.damage}")
        raise NotAnActivityError(source, "FIT activity file has no sessions and no timestamped records")
    return activities


def _group_activities(group: FitGroup, source: str, digest: str, first: int, notes: list[str]) -> list[Activity]:
    clock = _Clock(group.activity)
    columns = group.records
    times = [clock(t) for t in columns.time]
    untimed = sum(1 for t in times if t is None)
    order = sorted((i for i, t in enumerate(times) if t is not None), key=lambda i: times[i] or 0)
    windows = [_session_window(number, s, clock, source) for number, s in enumerate(group.sessions, start=1)]
    if not windows:
        if not order:
            return []
        start, end = times[order[0]], times[order[-1]]
        assert start is not None and end is not None
        _check_length(end - start, source, "its records")
        windows.append(_Window(0, None, start, end))
    _assign(windows, order, times, group.laps, clock)
    activities = []
    for offset, window in enumerate(windows):
        extra = list(notes)
        if window.outside:
            extra.append(_outside_note(window))
        if untimed and offset == 0:
            extra.append(f"{untimed} record{'s' if untimed != 1 else ''} without a time left out")
        activities.append(_activity(group, window, clock, times, source, digest, first + offset, extra))
    return activities


def _check_length(seconds: float, source: str, what: str) -> None:
    if seconds > MAX_ACTIVITY_S:
        raise ReadError(
            source,
            f"FIT activity lasts {seconds / 3600:.1f} h by {what}, more than the "
            f"{MAX_ACTIVITY_S // 3600} h walkrun accepts for one activity",
        )


def _session_window(number: int, session: dict[str, Any], clock: _Clock, source: str) -> _Window:
    start: float | None = clock(session.get("start_time"))
    stamp = clock(session.get("timestamp"))
    elapsed = _num(session.get("total_elapsed_time"))
    if start is None and stamp is not None and elapsed is not None:
        start = stamp - elapsed
    if start is None:
        raise ReadError(source, f"FIT session {number} has no start time")
    if elapsed is not None:
        _check_length(elapsed, source, f"session {number}'s elapsed time")
        return _Window(number, session, start, start + elapsed)
    if stamp is not None:
        _check_length(stamp - start, source, f"session {number}'s times")
    return _Window(number, session, start, stamp)


def _assign(
    windows: list[_Window], order: list[int], times: list[int | None], laps: list[dict[str, Any]], clock: _Clock
) -> None:
    """Give each record and lap to the session running at its time; note the records no session holds."""
    ranked = sorted(windows, key=lambda w: w.start)
    starts = [w.start for w in ranked]

    def owner(moment: float) -> _Window | None:
        pos = bisect.bisect_right(starts, moment) - 1
        if pos < 0:
            return None
        window = ranked[pos]
        if window.end is not None and moment > window.end + SLACK_S:
            return None
        return window

    def nearest(moment: float) -> _Window:
        pos = bisect.bisect_right(starts, moment)
        if pos == 0:
            return ranked[0]
        before = ranked[pos - 1]
        if pos == len(ranked):
            return before
        gap = moment - (before.end if before.end is not None else before.start)
        return before if gap <= ranked[pos].start - moment else ranked[pos]

    for i in order:
        moment = times[i]
        assert moment is not None
        target = owner(moment)
        if target is not None:
            target.rows.append(i)
        else:
            nearest(moment).outside.append(moment)
    for lap in laps:
        lap_start = clock(lap.get("start_time"))
        if lap_start is None:
            continue
        # The midpoint, because in multisport files one lap ends where the next
        # session starts, and some devices write a lap start before its session's.
        elapsed = _num(lap.get("total_elapsed_time")) or 0.0
        target = owner(lap_start + elapsed / 2)
        if target is not None:
            target.laps.append(lap)


def _outside_note(window: _Window) -> str:
    first, last = min(window.outside), max(window.outside)
    span = f"{_utc(first):%Y-%m-%d %H:%M:%S} to {_utc(last):%Y-%m-%d %H:%M:%S} UTC"
    where = f"session {window.number}'s" if window.number else "the activity's"
    count = len(window.outside)
    return f"{count} record{'s' if count != 1 else ''} outside {where} time ({span}) left out"


def _sport(value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int):
        return SPORTS.get(value, f"sport-{value}")
    return "unknown"


def _sub_sport(value: Any) -> str | None:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int):
        return "generic" if value == 0 else f"sub-sport-{value}"
    return None


def _device(file_id: dict[str, Any]) -> str | None:
    product_name = file_id.get("product_name")
    if isinstance(product_name, str) and product_name.strip():
        return product_name.strip()
    maker = file_id.get("manufacturer")
    product = file_id.get("garmin_product")
    if product is None:
        product = file_id.get("product")
    words = []
    if maker is not None:
        words.append(maker if isinstance(maker, str) else f"manufacturer {maker}")
    if product is not None:
        words.append(str(product))
    return " ".join(words) or None


def _ok(value: float) -> float:
    """A finite, non-negative column value, else NaN (missing)."""
    return value if 0 <= value < math.inf else NAN


def _ok_or_zero(value: float) -> float:
    return value if 0 <= value < math.inf else 0.0


def _samples(
    columns: RecordColumns, rows: list[int], times: list[int | None], start: float, foot: bool
) -> SampleColumns:
    t_s = [max(0.0, moment - start) for i in rows if (moment := times[i]) is not None]
    if len(t_s) != len(rows):
        raise ValueError("a record in the session window has no time")
    enhanced, plain = columns.enhanced_speed, columns.speed
    speeds = [e if 0 <= (e := enhanced[i]) < math.inf else _ok(plain[i]) for i in rows]
    dists = [_ok(columns.distance[i]) for i in rows]
    # FIT running/walking cadence is strides (one foot) per minute.
    factor = 2.0 if foot else 1.0
    whole, frac = columns.cadence, columns.fractional_cadence
    cadences = [(c + _ok_or_zero(frac[i])) * factor if 0 <= (c := whole[i]) < math.inf else NAN for i in rows]
    rates = [float(int(r)) if 0 <= (r := columns.heart_rate[i]) < math.inf else NAN for i in rows]
    if any(s != s for s in speeds) and any(d == d for d in dists):
        derived = smoothed_speeds(t_s, [d if d == d else None for d in dists])
        speeds = [d if s != s and d is not None else s for s, d in zip(speeds, derived, strict=True)]
    return SampleColumns.from_unsorted(
        time_s=t_s, speed_mps=speeds, cadence_spm=cadences, heart_rate_bpm=rates, distance_m=dists
    )


def _activity(
    group: FitGroup,
    window: _Window,
    clock: _Clock,
    times: list[int | None],
    source: str,
    digest: str,
    index: int,
    notes: list[str],
) -> Activity:
    session = window.session or {}
    sport_info = group.sport or {}
    sport = _sport(session.get("sport", sport_info.get("sport")))
    sub_sport = _sub_sport(session.get("sub_sport", sport_info.get("sub_sport")))
    start = window.start
    samples = _samples(group.records, window.rows, times, start, is_foot_sport(sport, sub_sport))

    elapsed = _num(session.get("total_elapsed_time"))
    if elapsed is None:
        end = clock(session.get("timestamp")) or window.end
        elapsed = max(0.0, end - start) if end is not None else (samples.time_s[-1] if len(samples) else 0.0)
    moving = _num(session.get("total_timer_time"))
    if moving is None and len(samples):
        moving = moving_seconds(samples.time_s, [v if v == v else None for v in samples.speed_mps])
    distance = _num(session.get("total_distance"))
    if distance is None:
        distance = next((d for d in reversed(samples.distance_m) if d == d), None)
    rpe = _first_num(session, RPE_FIELDS)
    return Activity(
        source=source,
        content_hash=digest,
        index=index,
        sport=sport,
        sub_sport=sub_sport,
        start_utc=_utc(start),
        utc_offset_s=clock.utc_offset_s,
        elapsed_s=elapsed,
        moving_s=moving,
        distance_m=distance,
        columns=samples,
        laps=_laps(window.laps, start, clock),
        device=_device(group.file_id),
        feel=_first_num(session, FEEL_FIELDS),
        rpe=rpe_from_tenths(rpe),
        warnings=list(notes),
    )


def _laps(laps: list[dict[str, Any]], start: float, clock: _Clock) -> list[Lap]:
    out = []
    for lap in laps:
        lap_start = clock(lap.get("start_time"))
        if lap_start is None:
            continue
        elapsed = _num(lap.get("total_elapsed_time"))
        if elapsed is None:
            stamp = clock(lap.get("timestamp"))
            if stamp is None:
                continue
            elapsed = max(0.0, stamp - lap_start)
        intensity = lap.get("intensity")
        if isinstance(intensity, int):
            intensity = INTENSITIES.get(intensity, f"intensity-{intensity}")
        out.append(
            Lap(
                start_s=max(0.0, lap_start - start),
                elapsed_s=elapsed,
                moving_s=_num(lap.get("total_timer_time")),
                distance_m=_num(lap.get("total_distance")),
                intensity=intensity.lower() if isinstance(intensity, str) else None,
            )
        )
    out.sort(key=lambda lap: lap.start_s)
    return out
