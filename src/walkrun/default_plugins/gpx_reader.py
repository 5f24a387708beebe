"""GPX tracks (Strava, Garmin Connect, phone apps) read with gpxpy.

GPX carries no summary: durations, moving time and speed are derived from
the track points here. Files pass :func:`walkrun.xmlsafe.check_xml` first,
because gpxpy parses with whatever XML library is installed (lxml when
present, which expands entities) and has no option to refuse DTDs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable
from typing import Any, ClassVar

import gpxpy
import gpxpy.gpx
from pydantic import ValidationError

from walkrun.activities import Activity, Sample
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
from walkrun.xmlsafe import check_xml, local_name, root_element_name, xml_text

__all__ = ["GpxReader", "looks_like_gpx", "register_readers", "sport_from_type"]

# Strava's older GPX exports write its numeric activity type; 9 (Run) is seen in
# real exports, the others follow Strava's legacy activity-type numbering.
STRAVA_TYPE_NUMBERS: dict[str, str] = {"1": "cycling", "4": "hiking", "9": "running", "10": "walking"}
TYPE_WORDS: dict[str, str] = {
    "run": "running",
    "running": "running",
    "trail_running": "running",
    "walk": "walking",
    "walking": "walking",
    "hike": "hiking",
    "hiking": "hiking",
    "ride": "cycling",
    "biking": "cycling",
    "cycling": "cycling",
    "bike": "cycling",
}
HEART_RATE_TAGS = frozenset({"hr", "heartrate"})
CADENCE_TAGS = frozenset({"cad", "cadence"})
SPEED_TAGS = frozenset({"speed"})


def looks_like_gpx(head: bytes) -> bool:
    """An XML document (after any BOM/whitespace) whose root element is ``gpx``."""
    return root_element_name(head) == "gpx"


def sport_from_type(value: str | None) -> str:
    """Map a track's ``<type>`` (free text in GPX) to walkrun's sport names."""
    if not value or not value.strip():
        return "unknown"
    text = value.strip().lower().replace(" ", "_").replace("-", "_")
    if text.isdigit():
        return STRAVA_TYPE_NUMBERS.get(text, "unknown")
    return TYPE_WORDS.get(text, text)


class GpxReader(Reader):
    """One activity per GPX track that has timestamps."""

    name: ClassVar[str] = "gpx"
    description: ClassVar[str] = "GPX tracks with times (gpxpy, Garmin TrackPointExtension heart rate/cadence)"
    extensions: ClassVar[tuple[str, ...]] = (".gpx",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return looks_like_gpx(head)

    def read(self, data: bytes, source: str) -> list[Activity]:
        root = root_element_name(data[:4096])
        if root != "gpx":
            raise ReadError(source, f"XML root element is <{root}>, not <gpx>" if root else "not a GPX document")
        check_xml(data, source)
        text = xml_text(data, source)
        try:
            gpx = gpxpy.parse(text)
        except Exception as exc:
            # gpxpy raises GPXException for most problems but lets ValueError and
            # friends through for odd values; every one of them means "unreadable".
            raise ReadError(source, f"GPX could not be parsed: {_one_line(exc)}") from None
        digest = content_hash(data)
        device = (gpx.creator or "").strip() or None
        activities: list[Activity] = []
        untimed = 0
        for position, track in enumerate(gpx.tracks):
            try:
                activity = _track_activity(track, position, source, digest, device)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ReadError(source, f"GPX track {position + 1} has out-of-range values ({where})") from None
            if activity is None:
                untimed += 1
            else:
                activities.append(activity)
        if activities:
            return activities
        if untimed:
            raise NotAnActivityError(
                source,
                "GPX has no track with times (timestamps missing or never advancing); "
                "walkrun needs them to measure durations",
            )
        raise NotAnActivityError(source, "GPX has no track with times (only routes or waypoints)")


@hookimpl
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    register(GpxReader)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _track_activity(
    track: gpxpy.gpx.GPXTrack, position: int, source: str, digest: str, device: str | None
) -> Activity | None:
    points: list[tuple[dt.datetime, Any]] = []
    breaks: set[int] = set()
    for segment in track.segments:
        timed = [(as_utc(p.time), p) for p in segment.points if p.time is not None]
        if not timed:
            continue
        if points:
            breaks.add(len(points))  # a new segment means the recording was paused
        points.extend(timed)
    if not points:
        return None
    start = points[0][0]
    # Fix reversed or repeated clocks so times never run backwards.
    times = [max(0.0, (t - start).total_seconds()) for t, _ in points]
    for i in range(1, len(times)):
        times[i] = max(times[i], times[i - 1])
    if times[-1] <= 0:
        return None  # one instant (a single point, or a GPS that wrote a placeholder time)

    dists: list[float | None] = []
    total = 0.0
    for i, (_, point) in enumerate(points):
        if i and i not in breaks:
            prev = points[i - 1][1]
            total += haversine_m(prev.latitude, prev.longitude, point.latitude, point.longitude)
        dists.append(total)
    derived = _speeds_by_segment(times, dists, breaks)

    sport = sport_from_type(getattr(track, "type", None))
    foot = is_foot_sport(sport)
    speeds: list[float | None] = []
    samples = []
    for i, (_, point) in enumerate(points):
        ext = _extension_values(point.extensions)
        speed = _first_present(_non_negative(point.speed), ext.get("speed"), derived[i])
        cadence = ext.get("cadence")
        if cadence is not None and foot:
            # Garmin's TrackPointExtension <cad> and Strava's GPX export count one
            # foot (strides/min, like FIT); walkrun stores steps/min. Cycling
            # cadence is pedal rpm and is kept as given.
            cadence *= 2
        rate = ext.get("heart_rate")
        speeds.append(speed)
        samples.append(
            Sample(
                t_s=times[i],
                speed_mps=speed,
                cadence_spm=cadence,
                heart_rate_bpm=round(rate) if rate is not None else None,
                distance_m=dists[i],
            )
        )
    return Activity(
        source=source,
        content_hash=digest,
        index=position,
        sport=sport,
        start_utc=start,
        utc_offset_s=_utc_offset(points[0][1].time),
        elapsed_s=times[-1],
        moving_s=moving_seconds(times, speeds, frozenset(breaks)),
        distance_m=total,
        samples=samples,
        device=device,
        name=(track.name or "").strip(),
        description=(track.description or track.comment or "").strip(),
    )


def _speeds_by_segment(times: list[float], dists: list[float | None], breaks: set[int]) -> list[float | None]:
    """Smoothed speeds computed inside each segment, so a pause never blurs into them."""
    bounds = [0, *sorted(breaks), len(times)]
    out: list[float | None] = []
    for lo, hi in itertools.pairwise(bounds):
        out.extend(smoothed_speeds(times[lo:hi], dists[lo:hi]))
    return out


def _utc_offset(value: dt.datetime | None) -> int | None:
    """GPX times are UTC by the schema; a few writers use local times with an offset."""
    if value is None or value.tzinfo is None:
        return None
    offset = value.utcoffset()
    if offset is None or not offset:
        return None
    return int(offset.total_seconds())


def _extension_values(extensions: list[Any]) -> dict[str, float]:
    """Heart rate, cadence and speed from any extension element, whatever its namespace.

    Garmin's TrackPointExtension (v1/v2, ``gpxtpx:`` prefix) is the common case;
    some apps write ``<heartrate>``/``<cadence>`` without a namespace.
    """
    found: dict[str, float] = {}
    for element in extensions:
        for node in element.iter():
            if not isinstance(node.tag, str):
                continue  # comments under lxml
            tag = local_name(node.tag).lower()
            key = (
                "heart_rate"
                if tag in HEART_RATE_TAGS
                else "cadence"
                if tag in CADENCE_TAGS
                else "speed"
                if tag in SPEED_TAGS
                else None
            )
            if key is None or key in found:
                continue
            value = _non_negative(_to_float(node.text))
            if value is not None:
                found[key] = value
    return found


def _to_float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def _first_present(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _non_negative(value: float | None) -> float | None:
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return float(value)
