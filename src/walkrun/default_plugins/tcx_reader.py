"""TCX (Garmin Training Center) activities, parsed with defusedxml's ElementTree.

Elements are matched by local name, so both the default-namespace style
(``<TPX xmlns="...ActivityExtension/v2">``) and the prefixed style
(``<ns3:TPX>``) read the same. TCX's ``Sport`` has only Running, Biking and
Other; walks are exported as Other.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from walkrun.activities import Activity, Lap, Sample
from walkrun.default_plugins._trackmath import (
    as_utc,
    content_hash,
    haversine_m,
    is_foot_sport,
    moving_seconds,
    smoothed_speeds,
)
from walkrun.errors import NotAnActivityError, ReadError
from walkrun.hookspecs import hookimpl
from walkrun.readers import Reader
from walkrun.xmlsafe import local_name, parse_xml, root_element_name

__all__ = ["TcxReader", "looks_like_tcx", "parse_tcx_time", "register_readers"]

ROOT = "TrainingCenterDatabase"
SPORTS: dict[str, str] = {"running": "running", "biking": "cycling", "other": "other"}
INTENSITIES: dict[str, str] = {"active": "active", "resting": "rest"}


def looks_like_tcx(head: bytes) -> bool:
    """An XML document (after any BOM/whitespace) whose root is ``TrainingCenterDatabase``."""
    return root_element_name(head) == ROOT


def parse_tcx_time(text: str | None) -> dt.datetime | None:
    """``xsd:dateTime`` with or without fractions, ``Z`` or an offset; None when unreadable."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


class TcxReader(Reader):
    """One activity per TCX ``Activity`` element."""

    name: ClassVar[str] = "tcx"
    description: ClassVar[str] = "TCX activities (Garmin Training Center / Connect, Strava exports)"
    extensions: ClassVar[tuple[str, ...]] = (".tcx",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return looks_like_tcx(head)

    def read(self, data: bytes, source: str) -> list[Activity]:
        root = parse_xml(data, source)
        if local_name(root.tag) != ROOT:
            raise ReadError(source, f"XML root element is <{local_name(root.tag)}>, not <{ROOT}>")
        digest = content_hash(data)
        elements = [el for el in root.iter() if local_name(el.tag) == "Activity"]
        activities = []
        for index, element in enumerate(elements):
            try:
                activity = _activity(element, index, source, digest)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ReadError(source, f"TCX activity {index + 1} has out-of-range values ({where})") from None
            if activity is not None:
                activities.append(activity)
        if activities:
            return activities
        if elements:
            raise NotAnActivityError(source, "TCX activities have no times; walkrun needs them to measure durations")
        raise NotAnActivityError(source, "TCX has no activities (only courses or workouts)")


@hookimpl
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    register(TcxReader)


# --- element helpers -----------------------------------------------------------


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if local_name(child.tag) == name)


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        element = next(_children(element, name), None)
    return element


def _text(element: Element | None, *path: str) -> str | None:
    found = _child(element, *path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _number(element: Element | None, *path: str) -> float | None:
    text = _text(element, *path)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _signed(element: Element | None, *path: str) -> float | None:
    text = _text(element, *path)
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _extension(element: Element, name: str) -> float | None:
    """A value from the ActivityExtension ``TPX`` block, prefixed or not."""
    extensions = _child(element, "Extensions")
    if extensions is None:
        return None
    for node in extensions.iter():
        if local_name(node.tag) == "TPX":
            return _number(node, name)
    return None


# --- activity ----------------------------------------------------------------


@dataclass
class _Point:
    time: dt.datetime
    distance: float | None
    heart_rate: float | None
    cadence: float | None
    run_cadence: float | None
    speed: float | None
    lat: float | None
    lon: float | None
    new_track: bool


def _activity(element: Element, index: int, source: str, digest: str) -> Activity | None:
    sport_text = (element.get("Sport") or "").strip().lower()
    sport = SPORTS.get(sport_text, sport_text or "unknown")
    laps = list(_children(element, "Lap"))
    points = _points(laps)
    id_time = parse_tcx_time(_text(element, "Id"))
    lap_starts = [parse_tcx_time(lap.get("StartTime")) for lap in laps]
    candidates = [t for t in (id_time, *lap_starts) if t is not None]
    if points:
        candidates.append(points[0].time)
    if not candidates:
        return None
    start = as_utc(id_time or next((t for t in lap_starts if t is not None), None) or candidates[0])
    times = [max(0.0, (as_utc(p.time) - start).total_seconds()) for p in points]

    file_dists = [p.distance for p in points]
    # Files without DistanceMeters (some phone apps) still have positions.
    dists = file_dists if any(d is not None for d in file_dists) else _position_distances(points)
    derived = smoothed_speeds(times, dists)
    foot = is_foot_sport(sport)
    speeds: list[float | None] = []
    samples = []
    for i, point in enumerate(points):
        speed = point.speed if point.speed is not None else derived[i]
        if point.run_cadence is not None:
            cadence: float | None = 2 * point.run_cadence  # RunCadence counts one foot (strides/min)
        elif point.cadence is not None:
            # Trackpoint <Cadence> is pedal rpm on bikes; on foot devices write strides.
            cadence = 2 * point.cadence if foot else point.cadence
        else:
            cadence = None
        speeds.append(speed)
        samples.append(
            Sample(
                t_s=times[i],
                speed_mps=speed,
                cadence_spm=cadence,
                heart_rate_bpm=round(point.heart_rate) if point.heart_rate is not None else None,
                distance_m=dists[i],
            )
        )

    lap_timer = [_number(lap, "TotalTimeSeconds") for lap in laps]
    lap_dist = [_number(lap, "DistanceMeters") for lap in laps]
    end_s = times[-1] if times else 0.0
    for lap_start, timer in zip(lap_starts, lap_timer, strict=True):
        if lap_start is not None and timer is not None:
            end_s = max(end_s, (as_utc(lap_start) - start).total_seconds() + timer)
    if end_s <= 0:
        return None  # no duration anywhere: nothing walkrun can use

    if laps and all(t is not None for t in lap_timer):
        # TotalTimeSeconds is the device's timer time, which excludes pauses.
        moving: float | None = sum(t for t in lap_timer if t is not None)
    elif times:
        breaks = frozenset(i for i, p in enumerate(points) if p.new_track and i)
        moving = moving_seconds(times, speeds, breaks)
    else:
        moving = None
    if any(d is not None for d in lap_dist):
        distance: float | None = sum(d for d in lap_dist if d is not None)
    else:
        distance = next((d for d in reversed(dists) if d is not None), None)

    return Activity(
        source=source,
        content_hash=digest,
        index=index,
        sport=sport,
        start_utc=start,
        utc_offset_s=_utc_offset(id_time),
        elapsed_s=max(0.0, end_s),
        moving_s=moving,
        distance_m=distance,
        samples=samples,
        laps=_laps(laps, lap_starts, lap_timer, lap_dist, start, end_s),
        device=_text(element, "Creator", "Name"),
        description=_text(element, "Notes") or "",
    )


def _points(laps: list[Element]) -> list[_Point]:
    points = []
    for lap in laps:
        for track in _children(lap, "Track"):
            first = True
            for tp in _children(track, "Trackpoint"):
                moment = parse_tcx_time(_text(tp, "Time"))
                if moment is None:
                    continue
                points.append(
                    _Point(
                        time=moment,
                        distance=_number(tp, "DistanceMeters"),
                        heart_rate=_number(tp, "HeartRateBpm", "Value"),
                        cadence=_number(tp, "Cadence"),
                        run_cadence=_extension(tp, "RunCadence"),
                        speed=_extension(tp, "Speed"),
                        lat=_signed(tp, "Position", "LatitudeDegrees"),
                        lon=_signed(tp, "Position", "LongitudeDegrees"),
                        new_track=first,
                    )
                )
                first = False
    points.sort(key=lambda p: as_utc(p.time))
    return points


def _position_distances(points: list[_Point]) -> list[float | None]:
    """Cumulative distance from positions, for files that carry no DistanceMeters."""
    out: list[float | None] = []
    total = 0.0
    prev: _Point | None = None
    for point in points:
        if point.lat is None or point.lon is None:
            out.append(None)
            continue
        if prev is not None and prev.lat is not None and prev.lon is not None:
            total += haversine_m(prev.lat, prev.lon, point.lat, point.lon)
        out.append(total)
        prev = point
    return out


def _laps(
    laps: list[Element],
    starts: list[dt.datetime | None],
    timers: list[float | None],
    dists: list[float | None],
    start: dt.datetime,
    end_s: float,
) -> list[Lap]:
    offsets = [max(0.0, (as_utc(s) - start).total_seconds()) if s is not None else None for s in starts]
    out = []
    for i, lap in enumerate(laps):
        begin = offsets[i]
        if begin is None:
            continue
        following = next((o for o in offsets[i + 1 :] if o is not None), None)
        if following is not None:
            elapsed = following - begin
        elif timers[i] is not None:
            elapsed = max(end_s - begin, timers[i] or 0.0)
        else:
            elapsed = end_s - begin
        intensity = _text(lap, "Intensity")
        out.append(
            Lap(
                start_s=begin,
                elapsed_s=max(0.0, elapsed),
                moving_s=timers[i],
                distance_m=dists[i],
                intensity=INTENSITIES.get(intensity.lower(), intensity.lower()) if intensity else None,
            )
        )
    return out


def _utc_offset(value: dt.datetime | None) -> int | None:
    """Only a non-UTC offset in the file says anything about local time."""
    if value is None or value.tzinfo is None:
        return None
    offset = value.utcoffset()
    return int(offset.total_seconds()) if offset else None
