"""Small numeric helpers shared by the built-in readers (no I/O, no parsing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field

from walkrun.domain.sample_columns import SampleColumns

# Smart recording leaves gaps of up to ~15 s that are not pauses (DESIGN 4);
# anything longer is a pause or lost signal and is not counted as moving.
MAX_CONTINUOUS_GAP_S = 15.0
# Below this the runner is standing (GPS jitter alone reaches ~0.3 m/s).
MIN_MOVING_SPEED_MPS = 0.5
SPEED_WINDOW_S = 5.0
EARTH_RADIUS_M = 6_371_008.8

# Sports whose device cadence counts one foot (strides/min); steps/min is twice that.
FOOT_SPORTS = frozenset(
    {"running", "walking", "hiking", "mountaineering", "snowshoeing", "generic", "other", "unknown", "transition"}
)
FOOT_SUB_SPORTS = frozenset(
    {"treadmill", "indoor_walking", "indoor_running", "casual_walking", "speed_walking", "trail", "track", "street"}
)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_foot_sport(sport: str, sub_sport: str | None = None) -> bool:
    return sport in FOOT_SPORTS or (sub_sport is not None and sub_sport in FOOT_SUB_SPORTS)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC datetime; naive input is taken as UTC (FIT, GPX and TCX all record UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def smoothed_speeds(
    times_s: Sequence[float],
    dists_m: Sequence[float | None],
    window_s: float = SPEED_WINDOW_S,
    max_gap_s: float = MAX_CONTINUOUS_GAP_S,
) -> list[float | None]:
    """Speed at each point over the trailing ~``window_s`` seconds of cumulative distance.

    A single GPS step is too noisy to call walking vs running; a few seconds is
    what watches display. The window never reaches back across a gap longer
    than ``max_gap_s`` (a pause), except for the first point after it, whose
    speed is the gap's own (low, as a pause should be).
    """
    out: list[float | None] = [None] * len(times_s)
    j = 0
    run_start = 0
    t_prev = times_s[0] if times_s else 0.0
    # Conditional expressions rather than max(): this loop runs for every point of every track.
    for i in range(1, len(times_s)):
        t_i = times_s[i]
        if t_i - t_prev > max_gap_s:
            run_start = i
        t_prev = t_i
        d_i = dists_m[i]
        if d_i is None:
            continue
        # Move j forward while the window from j+1 still spans window_s.
        while j + 1 < i and t_i - times_s[j + 1] >= window_s:
            j += 1
        k = (j if j > run_start else run_start) if i > run_start else i - 1
        # Fall back to the closest later point with a distance.
        d_k = dists_m[k]
        while k < i and d_k is None:
            k += 1
            d_k = dists_m[k]
        dt_s = t_i - times_s[k]
        if k < i and d_k is not None and dt_s > 0:
            step = d_i - d_k
            out[i] = (step if step > 0.0 else 0.0) / dt_s
    if len(out) > 1 and out[0] is None:
        out[0] = out[1]
    return out


def moving_seconds(
    times_s: Sequence[float],
    speeds_mps: Sequence[float | None],
    breaks: frozenset[int] = frozenset(),
    max_gap_s: float = MAX_CONTINUOUS_GAP_S,
    min_speed_mps: float = MIN_MOVING_SPEED_MPS,
) -> float:
    """Sum of the intervals that look like movement.

    An interval counts when it is no longer than ``max_gap_s`` and the speed at
    its end is at least ``min_speed_mps`` (unknown speed counts: we cannot tell
    a pause from a sensorless recording). ``breaks`` holds indexes that start a
    new segment; the jump into them is a pause by definition.
    """
    total = 0.0
    for i in range(1, len(times_s)):
        if i in breaks:
            continue
        gap = times_s[i] - times_s[i - 1]
        if gap <= 0 or gap > max_gap_s:
            continue
        speed = speeds_mps[i]
        if speed is None or speed >= min_speed_mps:
            total += gap
    return total


# --- implausible data ------------------------------------------------------------

# Faster than any vehicle a watch rides in on the ground: a jump like this is a GPS error.
TELEPORT_SPEED_MPS = 100.0
MAX_HEART_RATE_BPM = 250.0
MIN_HEART_RATE_BPM = 20.0
# Steps/min (or pedal rpm) no human sustains; sprinters reach about 240 spm.
MAX_CADENCE_SPM = 260.0
# Points more than this apart in time are not one recording (a clock reset, a bogus date).
MAX_TIME_GAP_S = 12 * 3600.0
# The longest single activity kept; multi-day events beyond this are capped with a warning.
MAX_ELAPSED_S = 7 * 24 * 3600.0


@dataclass(slots=True)
class TrackPoint:
    """One point as a file recorded it, before any judgement. ``t`` is POSIX seconds (UTC)."""

    t: float
    lat: float | None = None
    lon: float | None = None
    ele: float | None = None
    heart_rate: float | None = None
    cadence_spm: float | None = None  # already in steps/min for foot sports, rpm otherwise
    speed_mps: float | None = None
    distance_m: float | None = None  # the file's own cumulative distance (TCX)
    segment: int = 0  # a change from one point to the next is a pause (new GPX segment, TCX track)


@dataclass
class CleanTrack:
    points: list[TrackPoint]
    warnings: list[str] = field(default_factory=list)
    # Metres from the previous point with a position, per point; None where no step counts
    # (no position, the first position, or an impossible jump).
    steps_m: list[float | None] = field(default_factory=list)


def clean_points(points: list[TrackPoint]) -> CleanTrack:
    """Sort by time and drop what no body or device can produce, counting each kind in warnings.

    Invalid positions and sensor values are blanked (the point's time still
    counts); duplicate times keep the first point; points far from the rest in
    time are left out; where positions give the distance (no point has a
    recorded one), a position that jumps faster than any ground vehicle and
    back is a GPS spike and is blanked.
    """
    warnings: list[str] = []
    counts = dict.fromkeys(("position", "heart rate", "cadence", "speed", "distance"), 0)
    counts["position"], counts["heart rate"], counts["cadence"] = _blank_invalid(points)
    for p in points:
        speed = p.speed_mps
        if speed is not None and not 0.0 <= speed <= TELEPORT_SPEED_MPS:  # NaN and inf fail too
            p.speed_mps = None
            counts["speed"] += 1
        dist = p.distance_m
        if dist is not None and not 0.0 <= dist <= 1e8:
            p.distance_m = None
            counts["distance"] += 1
    for what, n in counts.items():
        if n:
            warnings.append(f"{n} point(s) with an impossible {what} ignored")
    ordered = _in_time_order(points, warnings)
    ordered = _one_recording(ordered, warnings)
    if [p.distance_m for p in ordered].count(None) < len(ordered):
        # The device measured the distance (TCX): positions decide nothing, so they are not judged.
        steps: list[float | None] = [None] * len(ordered)
    else:
        steps = _position_steps(ordered, warnings)
    _monotonic_distance(ordered, warnings)
    return CleanTrack(ordered, warnings, steps)


def _blank_invalid(points: list[TrackPoint]) -> tuple[int, int, int]:
    """Blank impossible positions, heart rates and cadences; how many of each.

    One loop with the bounds inline (a comparison with NaN or inf is false,
    so the range test alone refuses them): this runs on every point.
    """
    positions = heart_rates = cadences = 0
    for p in points:
        lat, lon = p.lat, p.lon
        if (lat is not None or lon is not None) and not (
            lat is not None and lon is not None and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
        ):
            p.lat = p.lon = None
            positions += 1
        hr = p.heart_rate
        if hr is not None and not MIN_HEART_RATE_BPM <= hr <= MAX_HEART_RATE_BPM:
            p.heart_rate = None
            heart_rates += 1
        cad = p.cadence_spm
        if cad is not None and not 0.0 <= cad <= MAX_CADENCE_SPM:
            p.cadence_spm = None
            cadences += 1
    return positions, heart_rates, cadences


def _in_time_order(points: list[TrackPoint], warnings: list[str]) -> list[TrackPoint]:
    times = [p.t for p in points]
    if all(map(math.isfinite, times)) and all(map(operator.lt, times, times[1:])):
        return points  # as a device writes them: every time finite and later than the one before
    finite = [p for p in points if math.isfinite(p.t)]
    out_of_order = sum(1 for a, b in itertools.pairwise(finite) if b.t < a.t)
    ordered = sorted(finite, key=lambda p: p.t)
    if out_of_order:
        warnings.append(f"{out_of_order} point(s) were out of time order and were sorted")
    unique: list[TrackPoint] = []
    for p in ordered:
        if unique and p.t == unique[-1].t:
            continue
        unique.append(p)
    if len(unique) < len(ordered):
        warnings.append(f"{len(ordered) - len(unique)} point(s) repeating an earlier time left out")
    return unique


def _one_recording(points: list[TrackPoint], warnings: list[str]) -> list[TrackPoint]:
    """The largest run of points without a gap of half a day, capped at a week."""
    if not points:
        return points
    times = [p.t for p in points]
    if (
        times[-1] - times[0] <= MAX_ELAPSED_S
        and max(map(operator.sub, times[1:], times), default=0.0) <= MAX_TIME_GAP_S
    ):
        return points
    groups: list[list[TrackPoint]] = [[points[0]]]
    for prev, p in itertools.pairwise(points):
        if p.t - prev.t > MAX_TIME_GAP_S:
            groups.append([])
        groups[-1].append(p)
    kept = max(groups, key=len)
    if len(groups) > 1:
        left = len(points) - len(kept)
        warnings.append(f"{left} point(s) dated more than 12 h away from the rest of the recording left out")
    if kept[-1].t - kept[0].t > MAX_ELAPSED_S:
        limit = kept[0].t + MAX_ELAPSED_S
        capped = [p for p in kept if p.t <= limit]
        warnings.append(f"recording longer than 7 days; {len(kept) - len(capped)} later point(s) left out")
        kept = capped
    return kept


def _position_steps(points: list[TrackPoint], warnings: list[str]) -> list[float | None]:
    """Step lengths between positions; a lone position far from both neighbours is blanked.

    A step faster than any ground vehicle is either a spike (the point after
    it agrees with the point before it: the position is blanked) or a real
    relocation after a gap in reception (not counted as distance). Tracks
    without such a step, nearly all, are measured in comprehensions.
    """
    idx = [i for i, p in enumerate(points) if p.lat is not None and p.lon is not None]
    steps: list[float | None] = [None] * len(points)
    if len(idx) < 2:
        return steps
    lons = [points[i].lon for i in idx]
    times = [points[i].t for i in idx]
    phis = [math.radians(points[i].lat) for i in idx]  # type: ignore[arg-type]
    coss = list(map(math.cos, phis))
    radians, sin, asin, sqrt = math.radians, math.sin, math.asin, math.sqrt
    two_r = 2 * EARTH_RADIUS_M
    # haversine_m for each neighbouring pair, the same operations in the same order (equal results).
    dists = [
        two_r
        * asin(
            min(1.0, sqrt(sin((phi - prev_phi) / 2) ** 2 + prev_cos * cos_phi * sin(radians(lon - prev_lon) / 2) ** 2))
        )
        for prev_phi, phi, prev_cos, cos_phi, prev_lon, lon in zip(
            phis, phis[1:], coss, coss[1:], lons, lons[1:], strict=False
        )
    ]
    # Times strictly increase here (sorted, repeats dropped), so a step is too fast when over 100 m/s.
    gaps = list(map(operator.sub, times[1:], times))
    if min(gaps) <= 0 or any(map(operator.gt, dists, map(operator.mul, gaps, itertools.repeat(TELEPORT_SPEED_MPS)))):
        return _judged_steps(points, idx, warnings)
    for i, dist in zip(idx[1:], dists, strict=True):
        steps[i] = dist
    return steps


def _judged_steps(points: list[TrackPoint], idx: list[int], warnings: list[str]) -> list[float | None]:
    """Step by step, for a track with an impossible jump: spikes are blanked, relocations not counted."""
    steps: list[float | None] = [None] * len(points)
    spikes = jumps = 0
    prev: TrackPoint | None = None
    for k, i in enumerate(idx):
        p = points[i]
        if prev is None:
            prev = p
            continue
        dist = _metres(prev, p)
        if _too_fast(dist, p.t - prev.t):
            nxt = points[idx[k + 1]] if k + 1 < len(idx) else None
            if nxt is not None and not _too_fast(_metres(prev, nxt), nxt.t - prev.t):
                p.lat = p.lon = None
                spikes += 1
                continue
            jumps += 1
            prev = p
            continue
        steps[i] = dist
        prev = p
    if spikes:
        warnings.append(f"{spikes} position(s) jumping faster than {TELEPORT_SPEED_MPS:.0f} m/s ignored")
    if jumps:
        warnings.append(f"{jumps} impossible jump(s) in position not counted as distance")
    return steps


def _metres(a: TrackPoint, b: TrackPoint) -> float:
    return haversine_m(a.lat or 0.0, a.lon or 0.0, b.lat or 0.0, b.lon or 0.0)


def _too_fast(dist_m: float, dt_s: float) -> bool:
    return dist_m > TELEPORT_SPEED_MPS * dt_s if dt_s > 0 else dist_m > 1.0


def _monotonic_distance(points: list[TrackPoint], warnings: list[str]) -> None:
    """A file's cumulative distance may not fall back or leap; such values are blanked."""
    if [p.distance_m for p in points].count(None) == len(points):
        return
    prev: TrackPoint | None = None
    bad = 0
    for p in points:
        if p.distance_m is None:
            continue
        if prev is not None and prev.distance_m is not None:
            step = p.distance_m - prev.distance_m
            dt_s = p.t - prev.t
            if step < 0 or (dt_s > 0 and step / dt_s > TELEPORT_SPEED_MPS) or (dt_s <= 0 < step):
                p.distance_m = None
                bad += 1
                continue
        prev = p
    if bad:
        warnings.append(f"{bad} point(s) whose recorded distance went backwards or leapt ignored")


# --- text values -----------------------------------------------------------------

# No satellite-timed recording predates GPS time (1980); nothing is recorded in the far future.
EARLIEST_TIME = dt.datetime(1980, 1, 6, tzinfo=dt.UTC)
LATEST_TIME = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def parse_number(text: str | None) -> float | None:
    """A decimal from XML text; None when absent or not a number (NaN and inf pass, for the cleaner)."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_time(text: str | None) -> dt.datetime | None:
    """``xsd:dateTime`` (``Z``, offsets, fractions); naive means UTC. None when unreadable or absurd."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        if not EARLIEST_TIME <= value <= LATEST_TIME:
            return None
    except OverflowError:
        return None
    return value


def number_column(texts: Sequence[str | None]) -> list[float | None]:
    """``parse_number`` of each text, converted in one C-level pass when every value is a number."""
    missing = texts.count(None)
    if missing == len(texts):
        return [None] * len(texts)
    try:
        if not missing:
            return list(map(float, texts))  # type: ignore[arg-type]
        return [None if t is None else float(t) for t in texts]
    except ValueError:
        return [parse_number(t) for t in texts]


def time_column(texts: Sequence[str | None]) -> list[dt.datetime | None]:
    """``parse_time`` of each text; one C-level pass when every time is aware and plausible.

    Watches write every point's time with ``Z`` or an offset, so the fast
    pass is the usual one; any missing, naive, padded or absurd time sends
    the whole column through :func:`parse_time`, which judges each alone.
    """
    try:
        moments = list(map(dt.datetime.fromisoformat, texts))  # type: ignore[arg-type]
        if moments and (min(moments) < EARLIEST_TIME or max(moments) > LATEST_TIME):
            raise ValueError
        return moments  # type: ignore[return-value]
    except (TypeError, ValueError, OverflowError):
        return [parse_time(t) for t in texts]


def to_samples(
    points: Sequence[TrackPoint],
    times: Sequence[float],
    speeds: Sequence[float | None],
    dists: Sequence[float | None],
) -> SampleColumns:
    """GPX and TCX points, with their times since the start, speeds and distances, as sample columns."""
    return SampleColumns.from_unsorted(
        time_s=times,
        speed_mps=speeds,
        cadence_spm=[p.cadence_spm for p in points],
        heart_rate_bpm=[round(hr) if (hr := p.heart_rate) is not None else None for p in points],
        distance_m=dists,
    )
