"""TCX (Garmin Training Center) activities, streamed through the C XML parser.

Elements are matched by local name, so both the default-namespace style
(``<TPX xmlns="...ActivityExtension/v2">``) and the prefixed style
(``<ns3:TPX>``) read the same. TCX's ``Sport`` has only Running, Biking and
Other; walks are exported as Other. The document is streamed behind
defusedxml (no DTDs or entities), with bounded depth and element count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from walkrun.builtin.readers._cleaning import MAX_ELAPSED_S, MAX_TIME_GAP_S, Points, clean_points
from walkrun.builtin.readers._trackmath import (
    content_hash,
    is_foot_sport,
    moving_seconds,
    number_column,
    parse_number,
    parse_time,
    smoothed_speeds,
    time_column,
    to_samples,
)
from walkrun.domain.activities import Activity, Lap
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.ingest.xmlsafe import Leaf, XmlStream, read_document, root_element_name
from walkrun.ingest.xmlspans import ATTRIBUTES, PREFIX, VALUE, WS, PointTexts, SpanGrammar, leaf
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.readers import Reader

__all__ = ["TcxActivity", "TcxReader", "looks_like_tcx", "parse_tcx", "parse_tcx_time", "register_readers"]

ROOT = "TrainingCenterDatabase"
SPORTS: dict[str, str] = {"running": "running", "biking": "cycling", "other": "other"}
INTENSITIES: dict[str, str] = {"active": "active", "resting": "rest"}
POINT_NUMBERS = frozenset({"DistanceMeters", "Cadence", "LatitudeDegrees", "LongitudeDegrees", "AltitudeMeters"})
LAP_VALUES = frozenset({"TotalTimeSeconds", "DistanceMeters", "Intensity"})
_OPENS = frozenset({"Activity", "Lap", "Track", "Trackpoint"})
_CLOSES = frozenset({"Activity", "Trackpoint", "Id", "Notes", "Name", *LAP_VALUES})
# How a Trackpoint's leaves fill its record: the first value of each wins (several extension blocks).
_LEAVES: dict[str, Leaf] = {
    **{name: Leaf(name, name) for name in ("Time", *POINT_NUMBERS)},
    "Value": Leaf(None, "HeartRate", parent="HeartRateBpm"),
    "Speed": Leaf(None, "Speed", parent="TPX"),
    "RunCadence": Leaf(None, "RunCadence", parent="TPX"),
}
POINT_KEYS = ("Time", *sorted(POINT_NUMBERS), "HeartRate", "Speed", "RunCadence")
# The Trackpoint layout of the TCX schema as Garmin Connect and Strava write it (TPX under any
# prefix); a Track holding anything else is streamed instead, which reads every layout.
SPANS = SpanGrammar(
    b"Track",
    rb"<Trackpoint>" + WS
    + leaf(b"Time", "Time")
    + rb"(?:<Position>%s" % WS + leaf(b"LatitudeDegrees", "LatitudeDegrees")
    + leaf(b"LongitudeDegrees", "LongitudeDegrees") + rb"</Position>%s)?+" % WS
    + leaf(b"AltitudeMeters", "AltitudeMeters")
    + leaf(b"DistanceMeters", "DistanceMeters")
    + rb"(?:<HeartRateBpm%s>%s<Value>(?P<HeartRate>%s)</Value>%s</HeartRateBpm>%s)?+" % (ATTRIBUTES, WS, VALUE, WS, WS)
    + leaf(b"Cadence", "Cadence")
    + leaf(b"SensorState")
    + rb"(?:<Extensions>%s<(?P<_p>%s)TPX%s>%s" % (WS, PREFIX, ATTRIBUTES, WS)
    + leaf(b"Speed", "Speed", "_p") + leaf(b"RunCadence", "RunCadence", "_p") + leaf(b"Watts", None, "_p")
    + rb"</(?P=_p)TPX>%s</Extensions>%s)?+" % (WS, WS)
    + rb"</Trackpoint>" + WS,
)  # fmt: skip
MAX_TEXT_CHARS = 500
# A week of one-second points is 604,800; more in one file is a bomb, not a recording.
MAX_POINTS = 1_000_000


def looks_like_tcx(head: bytes) -> bool:
    """An XML document (after any BOM/whitespace) whose root is ``TrainingCenterDatabase``."""
    return root_element_name(head) == ROOT


def parse_tcx_time(text: str | None) -> dt.datetime | None:
    """``xsd:dateTime`` with or without fractions, ``Z`` or an offset; None when unreadable."""
    return parse_time(text)


@dataclass
class _RawLap:
    start: str | None
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class TcxActivity:
    """One ``<Activity>`` as recorded: raw laps and raw points (cadence as the file gives it)."""

    sport_text: str
    texts: dict[str, str] = field(default_factory=dict)
    laps: list[_RawLap] = field(default_factory=list)
    points: PointTexts = field(default_factory=lambda: PointTexts(POINT_KEYS))  # tagged with their track


class _TcxStream(XmlStream):
    """Collects activities, laps and points; depths are counted from the open ``<Activity>``."""

    open_names = _OPENS
    close_names = _CLOSES
    spans = SPANS

    def __init__(self, source: str) -> None:
        super().__init__(source, "TCX")
        self.points = 0
        self.activities: list[TcxActivity] = []
        self.act: TcxActivity | None = None
        self.base = 0
        self.track = 0

    def leaf(self, name: str) -> Leaf | None:
        return _LEAVES.get(name)

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        act = self.act
        if act is None:
            if name == "Activity":
                self.act, self.base, self.track = TcxActivity((attrib.get("Sport") or "").strip()), len(self.path), 0
            return
        rel = len(self.path) - self.base
        if rel == 3 and name == "Trackpoint":
            self.record = {}
            self.record_depth = len(self.path)
        elif rel == 2 and name == "Track":
            self.track += 1
            block = self.take_block()
            if block is not None:
                act.points.add_block(block, self.track)
                self._add_points(block.size)
        elif rel == 1 and name == "Lap":
            act.laps.append(_RawLap(attrib.get("StartTime")))

    def closed(self, name: str, text: str) -> None:
        act = self.act
        if act is None:
            return
        rel = len(self.path) - self.base
        record = self.record
        if record is not None:
            if rel == 3:
                self._finish(act, record)
        elif rel == 2:
            parent = self.path[-2]
            if name in LAP_VALUES and parent == "Lap" and text and act.laps:
                act.laps[-1].values.setdefault(name, text.strip())
            elif name == "Name" and parent == "Creator" and text:
                act.texts.setdefault("Creator", text.strip()[:MAX_TEXT_CHARS])
        elif rel == 1 and name in ("Id", "Notes") and text:
            act.texts.setdefault(name, text.strip()[:MAX_TEXT_CHARS])
        elif rel == 0:
            self.activities.append(act)
            self.act = None

    def _finish(self, act: TcxActivity, record: dict[str, str]) -> None:
        act.points.add_record(record, self.track)
        self._add_points(1)
        self.record = None

    def _add_points(self, points: int) -> None:
        self.points += points
        if self.points > MAX_POINTS:
            raise ReadError(
                self.source, f"TCX has more than {MAX_POINTS:,} track points (weeks of one-second points); refused"
            )


def parse_tcx(data: bytes, source: str, fast: bool = True) -> list[TcxActivity]:
    """Stream a TCX document into its activities (no judgement beyond parsing).

    ``fast=False`` streams every element (the fast path's oracle in the tests).
    """
    return read_document(data, source, ROOT, lambda: _TcxStream(source), fast).activities


class TcxReader(Reader):
    """One activity per TCX ``Activity`` element."""

    name: ClassVar[str] = "tcx"
    description: ClassVar[str] = "TCX activities (Garmin Training Center / Connect, Strava exports)"
    extensions: ClassVar[tuple[str, ...]] = (".tcx",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return looks_like_tcx(head)

    def read(self, data: bytes, source: str) -> list[Activity]:
        raw = parse_tcx(data, source)
        digest = content_hash(data)
        activities = []
        for index, act in enumerate(raw):
            activity = _activity(act, index, source, digest)
            if activity is not None:
                activities.append(activity)
        if activities:
            return activities
        if raw:
            raise NotAnActivityError(source, "TCX activities have no times; walkrun needs them to measure durations")
        raise NotAnActivityError(source, "TCX has no activities (only courses or workouts)")


@hookimpl
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    register(TcxReader)


# --- activity ----------------------------------------------------------------


def _track_points(act: TcxActivity, foot: bool) -> tuple[Points, int]:
    """The activity's points with a readable time, converted a column at a time (C-level passes)."""
    raws = act.points.finish()
    run_cadence = number_column(raws["RunCadence"])
    cadence = number_column(raws["Cadence"])
    # RunCadence counts one foot (strides/min); Trackpoint <Cadence> is pedal rpm on bikes, strides on foot.
    factor = 2 if foot else 1
    if None not in run_cadence:
        steps: list[float | None] = [2 * run for run in run_cadence]  # type: ignore[operator]
    else:
        steps = [
            2 * run if run is not None else (factor * cad if cad is not None else None)
            for run, cad in zip(run_cadence, cadence, strict=True)
        ]
    return Points.timed(
        time_column(raws["Time"]),
        number_column(raws["LatitudeDegrees"]),
        number_column(raws["LongitudeDegrees"]),
        number_column(raws["AltitudeMeters"]),
        number_column(raws["HeartRate"]),
        steps,
        number_column(raws["Speed"]),
        number_column(raws["DistanceMeters"]),
        segment=list(act.points.tags),
    )


@dataclass
class _LapInfo:
    start: float | None  # POSIX seconds
    timer_s: float | None
    distance_m: float | None
    intensity: str | None


def _lap_infos(act: TcxActivity, warnings: list[str]) -> list[_LapInfo]:
    """Laps with readable, plausible values; a lap repeated with the same start and timer counts once."""
    seen: set[tuple[float | None, float | None]] = set()
    out = []
    dropped = 0
    for lap in act.laps:
        start = parse_time(lap.start)
        timer = parse_number(lap.values.get("TotalTimeSeconds"))
        if timer is not None and not 0 <= timer <= MAX_ELAPSED_S:
            warnings.append(f"a lap timer of {timer:.0f} s is impossible and was ignored")
            timer = None
        dist = parse_number(lap.values.get("DistanceMeters"))
        if dist is not None and not 0 <= dist <= 1e7:
            dist = None
        key = (start.timestamp() if start else None, timer)
        if start is not None and key in seen:
            dropped += 1
            continue
        seen.add(key)
        intensity = lap.values.get("Intensity")
        out.append(_LapInfo(key[0], timer, dist, intensity.lower() if intensity else None))
    if dropped:
        warnings.append(f"{dropped} lap(s) repeating an earlier lap left out (distance and time counted once)")
    return out


def _start_time(act: TcxActivity, laps: list[_LapInfo], points: Points) -> float | None:
    """The activity's start: Id, first lap or first point, ignoring a date far from the recording."""
    id_time = parse_time(act.texts.get("Id"))
    candidates = [id_time.timestamp()] if id_time else []
    candidates += [lap.start for lap in laps if lap.start is not None]
    if len(points):
        first = points.t[0]
        near = [c for c in candidates if abs(c - first) <= MAX_TIME_GAP_S]
        return min([*near, first])
    return candidates[0] if candidates else None


def _activity(act: TcxActivity, index: int, source: str, digest: str) -> Activity | None:
    sport_text = act.sport_text.lower()
    sport = SPORTS.get(sport_text, sport_text or "unknown")
    raw_points, untimed = _track_points(act, is_foot_sport(sport))
    cleaned = clean_points(raw_points)
    points = cleaned.points
    warnings = list(cleaned.warnings)
    if untimed:
        warnings.append(f"{untimed} point(s) without a readable time left out")
    laps = _lap_infos(act, warnings)
    t0 = _start_time(act, laps, points)
    if t0 is None:
        return None
    times = [t - t0 if t > t0 else 0.0 for t in points.t]
    dists = _distances(points, cleaned.steps_m)
    speeds = list(points.speed_mps)
    if None in speeds:
        derived = smoothed_speeds(times, dists)
        speeds = [s if s is not None else derived[i] for i, s in enumerate(speeds)]
    end_s = times[-1] if times else 0.0
    for lap in laps:
        # A lap's timer can outlast its last point; a lap dated far away says nothing.
        if lap.start is not None and lap.timer_s is not None and 0 <= lap.start - t0 <= MAX_ELAPSED_S:
            end_s = max(end_s, lap.start - t0 + lap.timer_s)
    if end_s <= 0:
        return None  # no duration anywhere: nothing walkrun can use
    moving = _moving(laps, times, speeds, points, end_s, warnings)
    distance = _distance(laps, dists, warnings)
    samples = to_samples(points, times, speeds, dists)
    id_time = parse_time(act.texts.get("Id"))
    return Activity(
        source=source,
        content_hash=digest,
        index=index,
        sport=sport,
        start_utc=dt.datetime.fromtimestamp(t0, dt.UTC),
        utc_offset_s=_utc_offset(id_time),
        elapsed_s=end_s,
        moving_s=moving,
        distance_m=distance,
        columns=samples,
        laps=_laps(laps, t0, end_s),
        device=act.texts.get("Creator"),
        description=act.texts.get("Notes", ""),
        warnings=warnings,
    )


def _distance(laps: list[_LapInfo], dists: list[float | None], warnings: list[str]) -> float | None:
    """The laps' total distance, unless it is far above what the track itself covers."""
    lap_dist = [lap.distance_m for lap in laps if lap.distance_m is not None]
    last_dist = next((d for d in reversed(dists) if d is not None), None)
    distance = sum(lap_dist) if lap_dist else last_dist
    if distance is not None and last_dist is not None and distance > last_dist * 1.5 + 100:
        # Lap totals far above the track's own distance: repeated or corrupt laps.
        warnings.append(
            f"lap distances add up to {distance:.0f} m but the track covers {last_dist:.0f} m; using the track"
        )
        distance = last_dist
    return distance


def _moving(
    laps: list[_LapInfo],
    times: list[float],
    speeds: list[float | None],
    points: Points,
    end_s: float,
    warnings: list[str],
) -> float | None:
    """The device's timer (lap TotalTimeSeconds, which excludes pauses) or, without it, an estimate."""
    if laps and all(lap.timer_s is not None for lap in laps):
        timer = sum(lap.timer_s or 0.0 for lap in laps)
        if timer > end_s + 1:
            warnings.append(f"lap timers add up to {timer:.0f} s, more than the {end_s:.0f} s elapsed; capped")
        return min(timer, end_s)
    if times:
        return min(end_s, moving_seconds(times, speeds, points.breaks()))
    return None


def _distances(points: Points, steps: list[float | None]) -> list[float | None]:
    """The file's cumulative distance, or one built from positions when it has none."""
    recorded = points.distance_m
    if recorded.count(None) < len(recorded):
        return list(recorded)
    out: list[float | None] = []
    total = 0.0
    for step, lat in zip(steps, points.lat, strict=True):
        if step is not None:
            total += step
        out.append(total if lat is not None else None)
    return out


def _laps(laps: list[_LapInfo], t0: float, end_s: float) -> list[Lap]:
    offsets = [max(0.0, lap.start - t0) if lap.start is not None else None for lap in laps]
    out = []
    for i, lap in enumerate(laps):
        begin = offsets[i]
        if begin is None or begin > end_s:
            continue
        following = next((o for o in offsets[i + 1 :] if o is not None), None)
        if following is not None:
            elapsed = following - begin
        elif lap.timer_s is not None:
            elapsed = max(end_s - begin, lap.timer_s)
        else:
            elapsed = end_s - begin
        intensity = lap.intensity
        out.append(
            Lap(
                start_s=begin,
                elapsed_s=max(0.0, min(elapsed, end_s)),
                moving_s=lap.timer_s,
                distance_m=lap.distance_m,
                intensity=INTENSITIES.get(intensity, intensity) if intensity else None,
            )
        )
    return out


def _utc_offset(value: dt.datetime | None) -> int | None:
    """Only a non-UTC offset in the file says anything about local time."""
    if value is None or value.tzinfo is None:
        return None
    offset = value.utcoffset()
    return int(offset.total_seconds()) if offset else None
