"""GPX tracks (Strava, Garmin Connect, phone apps), streamed through the C XML parser.

GPX carries no summary: durations, moving time and speed are derived from
the track points here. The document is streamed (no tree is kept, so a file's
size does not decide memory) behind defusedxml, which refuses DTDs, entities
and external references; nesting depth and element count are bounded.
Heart rate, cadence and speed are read from any extension element whatever
its namespace prefix (Garmin's ``gpxtpx:``, ``ns3:``, Polar's default
namespace, bare ``<heartrate>``), over several extension blocks per point.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from walkrun.builtin.readers._cleaning import Points, clean_points
from walkrun.builtin.readers._trackmath import (
    content_hash,
    is_foot_sport,
    moving_seconds,
    number_column,
    smoothed_speeds,
    time_column,
    to_samples,
)
from walkrun.domain.activities import Activity
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.ingest.xmlsafe import Leaf, XmlStream, read_document, root_element_name
from walkrun.ingest.xmlspans import ATTR, ATTRIBUTES, PREFIX, TEXT, WS, PointTexts, SpanGrammar, leaf
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.readers import Reader

__all__ = ["GpxDocument", "GpxReader", "GpxTrack", "looks_like_gpx", "parse_gpx", "register_readers", "sport_from_type"]

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
TRACK_TEXT = frozenset({"name", "type", "desc", "cmt"})
MAX_TEXT_CHARS = 500
# A week of one-second points is 604,800; more in one file is a bomb, not a recording.
MAX_POINTS = 1_000_000


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


@dataclass
class GpxTrack:
    """One ``<trk>`` as recorded: cadence as the file gives it (strides/min on foot)."""

    position: int
    texts: dict[str, str] = field(default_factory=dict)
    points: Points = field(default_factory=lambda: Points([], [], [], [], [], [], [], [], []))
    utc_offset_s: int | None = None
    untimed: int = 0  # points without a readable time
    unreadable: int = 0  # points whose position is not a number


@dataclass
class GpxDocument:
    creator: str | None
    tracks: list[GpxTrack]


_OPENS = frozenset({"gpx", "trk", "trkseg", "trkpt"})
# TrackPointExtension's children in schema order, and the record key of those walkrun reads.
_TPE_CHILDREN: tuple[tuple[bytes, str | None], ...] = (
    (b"atemp", None),
    (b"wtemp", None),
    (b"depth", None),
    (b"hr", "hr"),
    (b"cad", "cad"),
    (b"speed", "xspeed"),
    (b"course", None),
    (b"bearing", None),
)
# Direct children of <trkpt> that are values; GPX 1.0 puts speed on the point itself.
_POINT_LEAVES = frozenset({"time", "ele", "speed"})
# Anything deeper sits in <extensions>, matched whatever its prefix or case.
_EXTENSION_KEYS: dict[str, str] = {
    **dict.fromkeys(HEART_RATE_TAGS, "hr"),
    **dict.fromkeys(CADENCE_TAGS, "cad"),
    **dict.fromkeys(SPEED_TAGS, "xspeed"),
}
_CLOSES = frozenset({"trk", "trkpt", *TRACK_TEXT})
POINT_KEYS = ("lat", "lon", "time", "ele", "speed", "hr", "cad", "xspeed")
# Children of <trkpt> that hold nothing walkrun reads (GPX 1.0 and 1.1, in schema order or not).
_IGNORED = rb"magvar|geoidheight|name|cmt|desc|src|sym|type|fix|sat|hdop|vdop|pdop|ageofdgpsdata|dgpsid"
# lat and lon in either order, either quote.
_POSITION = (
    rb"""(?:lat=(?P<_q1>["'])(?P<lat>%s)(?P=_q1)[ \t\r\n]+lon=(?P<_q2>["'])(?P<lon>%s)(?P=_q2)"""
    rb"""|lon=(?P<_q3>["'])(?P<lon__2>%s)(?P=_q3)[ \t\r\n]+lat=(?P<_q4>["'])(?P<lat__2>%s)(?P=_q4))"""
) % (ATTR, ATTR, ATTR, ATTR)
# Apple Health's route export: bare speed, course and accuracy leaves.
_APPLE = leaf(b"speed", "xspeed__2") + leaf(b"course") + leaf(b"hAcc") + leaf(b"vAcc")
# The layouts phones and watches write (Garmin's TrackPointExtension v1/v2 under any prefix,
# Apple's); a segment holding anything else is streamed instead, which reads every layout.
SPANS = SpanGrammar(
    b"trkseg",
    rb"<trkpt[ \t\r\n]+%s[ \t\r\n]*>%s" % (_POSITION, WS)
    + leaf(b"ele", "ele")
    + leaf(b"time", "time")
    + leaf(b"course")
    + leaf(b"speed", "speed")
    + rb"(?:<(?P<_n>%s)>%s</(?P=_n)>%s){0,20}" % (_IGNORED, TEXT, WS)
    + rb"(?:<extensions>%s(?:<(?P<_p>%s)TrackPointExtension%s>%s" % (WS, PREFIX, ATTRIBUTES, WS)
    + b"".join(leaf(name, key, "_p") for name, key in _TPE_CHILDREN)
    + rb"</(?P=_p)TrackPointExtension>%s|%s)</extensions>%s)?+" % (WS, _APPLE, WS)
    + rb"</trkpt>"
    + WS,
)


class _GpxStream(XmlStream):
    """Collects tracks and their points as the parser reads (depth: gpx 1, trk 2, trkseg 3, trkpt 4).

    A point is a dict of raw texts (``lat``, ``lon``, ``time``, ``ele``,
    ``speed``, ``hr``, ``cad``, ``xspeed``) filled by the stream itself.
    """

    open_names = _OPENS
    close_names = _CLOSES
    spans = SPANS

    def __init__(self, source: str) -> None:
        super().__init__(source, "GPX")
        self.points = 0
        self.creator: str | None = None
        self.tracks: list[GpxTrack] = []
        self.track: GpxTrack | None = None
        self.segment = 0
        # The open track's points as raw texts tagged with their segment, converted when it closes.
        self.raw = PointTexts(POINT_KEYS)

    def leaf(self, name: str) -> Leaf | None:
        child = name if name in _POINT_LEAVES else None
        deep = _EXTENSION_KEYS.get(name.lower())
        return Leaf(child, deep) if child or deep else None

    def opened(self, name: str, attrib: dict[str, str]) -> None:
        depth = len(self.path)
        if depth == 4:
            if name == "trkpt" and self.track is not None:
                self.record = {k: v for k in ("lat", "lon") if (v := attrib.get(k)) is not None}
                self.record_depth = 4
        elif depth == 3:
            if name == "trkseg" and self.track is not None:
                self.segment += 1
                block = self.take_block()
                if block is not None:
                    self.raw.add_block(block, self.segment)
                    self._add_points(block.size)
        elif depth == 2:
            if name == "trk":
                self.track = GpxTrack(position=len(self.tracks))
                self.segment = 0
                self.raw = PointTexts(POINT_KEYS)
        elif depth == 1:
            self.creator = attrib.get("creator")

    def closed(self, name: str, text: str) -> None:
        depth = len(self.path)
        record = self.record
        if record is not None:
            if depth == 4:
                self._finish(record)
            return
        track = self.track
        if track is None:
            return
        if depth == 3 and name in TRACK_TEXT and text:
            track.texts.setdefault(name, text.strip()[:MAX_TEXT_CHARS])
        elif depth == 2 and name == "trk":
            _set_points(track, self.raw.finish(), self.raw.tags)
            self.tracks.append(track)
            self.track = None

    def _finish(self, record: dict[str, str]) -> None:
        if self.track is not None:
            self.raw.add_record(record, self.segment)
        self._add_points(1)
        self.record = None

    def _add_points(self, points: int) -> None:
        self.points += points
        if self.points > MAX_POINTS:
            raise ReadError(
                self.source, f"GPX has more than {MAX_POINTS:,} track points (weeks of one-second points); refused"
            )


def parse_gpx(data: bytes, source: str, fast: bool = True) -> GpxDocument:
    """Stream a GPX document into its tracks' raw points (no judgement beyond parsing).

    ``fast=False`` streams every element (the fast path's oracle in the tests).
    """
    stream = read_document(data, source, "gpx", lambda: _GpxStream(source), fast)
    return GpxDocument(creator=stream.creator, tracks=stream.tracks)


def _set_points(track: GpxTrack, raws: dict[str, list[str | None]], segments: list[int]) -> None:
    """The track's points with a readable time, converted a column at a time (C-level passes)."""
    moments = time_column(raws["time"])
    first = next((m for m in moments if m is not None), None)
    if first is not None and (offset := first.utcoffset()):
        track.utc_offset_s = int(offset.total_seconds())
    lats, lons = number_column(raws["lat"]), number_column(raws["lon"])
    speeds = number_column(raws["speed"])
    if any(v is None for v in speeds):
        speeds = [s if s is not None else x for s, x in zip(speeds, number_column(raws["xspeed"]), strict=True)]
    points, track.untimed = Points.timed(
        moments,
        lats,
        lons,
        number_column(raws["ele"]),
        number_column(raws["hr"]),
        number_column(raws["cad"]),
        speeds,
        [None] * len(segments),  # GPX carries no cumulative distance
        segment=list(segments),
    )
    track.points = points
    if None in points.lat or None in points.lon:
        track.unreadable = sum(1 for a, b in zip(points.lat, points.lon, strict=True) if a is None or b is None)


class GpxReader(Reader):
    """One activity per GPX track that has timestamps."""

    name: ClassVar[str] = "gpx"
    description: ClassVar[str] = "GPX tracks with times (Garmin TrackPointExtension and other heart rate/cadence)"
    extensions: ClassVar[tuple[str, ...]] = (".gpx",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return looks_like_gpx(head)

    def read(self, data: bytes, source: str) -> list[Activity]:
        doc = parse_gpx(data, source)
        digest = content_hash(data)
        device = (doc.creator or "").strip() or None
        activities: list[Activity] = []
        untimed = 0
        for track in doc.tracks:
            activity = _track_activity(track, source, digest, device)
            if activity is None:
                untimed += 1
            else:
                activities.append(activity)
        if activities:
            return activities
        if untimed:
            raise NotAnActivityError(
                source,
                "GPX has no track with usable times (timestamps missing, impossible start time before 1980 or "
                "after 2100, or never advancing); walkrun needs them to measure durations",
            )
        raise NotAnActivityError(source, "GPX has no track with times (only routes or waypoints)")


@hookimpl
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    register(GpxReader)


def _track_activity(track: GpxTrack, source: str, digest: str, device: str | None) -> Activity | None:
    sport = sport_from_type(track.texts.get("type"))
    if is_foot_sport(sport):
        # Garmin's TrackPointExtension <cad> and Strava's GPX export count one
        # foot (strides/min, like FIT); walkrun stores steps/min. Cycling
        # cadence is pedal rpm and is kept as given.
        cadence = track.points.cadence_spm
        if cadence.count(None) < len(cadence):
            track.points.cadence_spm = [c * 2 if c is not None else None for c in cadence]
    cleaned = clean_points(track.points)
    points = cleaned.points
    if len(points) < 2:
        return None  # one instant (a single point, or a GPS that wrote a placeholder time)
    warnings = list(cleaned.warnings)
    if track.untimed:
        warnings.append(f"{track.untimed} point(s) without a readable time left out")
    if track.unreadable:
        warnings.append(f"{track.unreadable} point(s) whose position is not a number: position ignored")
    t0 = points.t[0]
    times = [t - t0 for t in points.t]
    breaks = points.breaks()
    dists = _distances(points, cleaned.steps_m, breaks)
    speeds = list(points.speed_mps)
    if None in speeds:
        derived = _speeds_by_segment(times, dists, breaks)
        speeds = [s if s is not None else derived[i] for i, s in enumerate(speeds)]
    samples = to_samples(points, times, speeds, dists)
    total = next((d for d in reversed(dists) if d is not None), 0.0)
    return Activity(
        source=source,
        content_hash=digest,
        index=track.position,
        sport=sport,
        start_utc=dt.datetime.fromtimestamp(t0, dt.UTC),
        utc_offset_s=track.utc_offset_s,
        elapsed_s=times[-1],
        moving_s=min(times[-1], moving_seconds(times, speeds, breaks)),
        distance_m=total,
        columns=samples,
        device=device,
        name=track.texts.get("name", ""),
        description=track.texts.get("desc") or track.texts.get("cmt") or "",
        warnings=warnings,
    )


def _distances(points: Points, steps: list[float | None], breaks: frozenset[int]) -> list[float | None]:
    """Cumulative distance over positions; a pause or an impossible jump adds nothing."""
    out: list[float | None] = []
    total = 0.0
    seen = False
    for i, lat in enumerate(points.lat):
        step = steps[i]
        if step is not None and i not in breaks:
            total += step
        if lat is not None:
            seen = True
        out.append(total if seen else None)
    return out


def _speeds_by_segment(times: list[float], dists: list[float | None], breaks: frozenset[int]) -> list[float | None]:
    """Smoothed speeds computed inside each segment, so a pause never blurs into them."""
    bounds = [0, *sorted(breaks), len(times)]
    out: list[float | None] = []
    for lo, hi in itertools.pairwise(bounds):
        out.extend(smoothed_speeds(times[lo:hi], dists[lo:hi]))
    return out
