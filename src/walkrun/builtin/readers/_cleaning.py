"""Track points as columns in, plausible points out: what the GPX and TCX readers share.

Points travel as one list per field (:class:`Points`), never as an object per
point, so most checks are a few C-level passes over a column; the per-point
loops only run for the columns that actually hold something impossible.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from walkrun.builtin.readers._trackmath import EARTH_RADIUS_M, haversine_m

__all__ = [
    "MAX_CADENCE_SPM",
    "MAX_ELAPSED_S",
    "MAX_HEART_RATE_BPM",
    "MAX_TIME_GAP_S",
    "MIN_HEART_RATE_BPM",
    "TELEPORT_SPEED_MPS",
    "CleanTrack",
    "Points",
    "clean_points",
]

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
MAX_DISTANCE_M = 1e8


@dataclass(slots=True)
class Points:
    """Points as a file recorded them, before any judgement, one list per field, all one length.

    ``t`` is POSIX seconds (UTC); cadence is already steps/min on foot
    (pedal rpm otherwise); ``distance_m`` is the file's own cumulative
    distance (TCX); a change of ``segment`` between neighbours is a pause
    (a new GPX segment or TCX track).
    """

    t: list[float]
    lat: list[float | None]
    lon: list[float | None]
    ele: list[float | None]
    heart_rate: list[float | None]
    cadence_spm: list[float | None]
    speed_mps: list[float | None]
    distance_m: list[float | None]
    segment: list[int]

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: Sequence[int]) -> Points:
        """The points at ``index``, in that order."""
        getter = operator.itemgetter(*index) if len(index) > 1 else None
        columns = [getattr(self, f.name) for f in fields(self)]
        if getter is None:
            return Points(*([col[i] for i in index] for col in columns))
        return Points(*(list(getter(col)) for col in columns))

    def breaks(self) -> frozenset[int]:
        """The indexes where a new segment starts: the step into them is a pause."""
        seg = self.segment
        if not seg or seg.count(seg[0]) == len(seg):
            return frozenset()
        return frozenset(i for i in range(1, len(seg)) if seg[i] != seg[i - 1])

    @classmethod
    def timed(
        cls, moments: list[dt.datetime | None], *columns: list[float | None], segment: list[int]
    ) -> tuple[Points, int]:
        """Points from parsed times and value columns (in field order), without those that have no time.

        Also returns how many were left out for having none.
        """
        if None in moments:
            times: list[float | None] = [m.timestamp() if m is not None else None for m in moments]
        else:
            times = list(map(dt.datetime.timestamp, moments))  # type: ignore[arg-type]
        untimed = times.count(None)
        points = cls(times, *columns, segment)  # type: ignore[arg-type, call-arg]  # untimed leave below
        if untimed:
            points = points.take([i for i, t in enumerate(times) if t is not None])
        return points, untimed


@dataclass
class CleanTrack:
    points: Points
    warnings: list[str] = field(default_factory=list)
    # Metres from the previous point with a position, per point; None where no step counts
    # (no position, the first position, or an impossible jump).
    steps_m: list[float | None] = field(default_factory=list)


def clean_points(points: Points) -> CleanTrack:
    """Sort by time and drop what no body or device can produce, counting each kind in warnings.

    Invalid positions and sensor values are blanked (the point's time still
    counts); duplicate times keep the first point; points far from the rest in
    time are left out; where positions give the distance (no point has a
    recorded one), a position that jumps faster than any ground vehicle and
    back is a GPS spike and is blanked. The lists of ``points`` are changed.
    """
    warnings: list[str] = []
    counts = {
        "position": _blank_positions(points.lat, points.lon),
        "heart rate": _blank_outside(points.heart_rate, MIN_HEART_RATE_BPM, MAX_HEART_RATE_BPM),
        "cadence": _blank_outside(points.cadence_spm, 0.0, MAX_CADENCE_SPM),
        "speed": _blank_outside(points.speed_mps, 0.0, TELEPORT_SPEED_MPS),
        "distance": _blank_outside(points.distance_m, 0.0, MAX_DISTANCE_M),
    }
    for what, n in counts.items():
        if n:
            warnings.append(f"{n} point(s) with an impossible {what} ignored")
    ordered = _one_recording(_in_time_order(points, warnings), warnings)
    if ordered.distance_m.count(None) < len(ordered):
        # The device measured the distance (TCX): positions decide nothing, so they are not judged.
        steps: list[float | None] = [None] * len(ordered)
    else:
        steps = _position_steps(ordered, warnings)
    _monotonic_distance(ordered, warnings)
    return CleanTrack(ordered, warnings, steps)


def _within(values: list[float], low: float, high: float) -> bool:
    """Every value in [low, high] (a list without None); NaN fails, as every comparison with it does."""
    # A sum that is finite proves every value finite (NaN and inf poison it; a huge but finite
    # column that overflows only sends it down the exact path).
    return not values or (math.isfinite(sum(values)) and low <= min(values) and max(values) <= high)


def _blank_outside(values: list[float | None], low: float, high: float) -> int:
    """Blank the values outside [low, high] (NaN and inf too); how many."""
    present = [v for v in values if v is not None] if None in values else values
    if _within(present, low, high):  # type: ignore[arg-type]
        return 0
    blanked = 0
    for i, v in enumerate(values):
        if v is not None and not low <= v <= high:
            values[i] = None
            blanked += 1
    return blanked


def _blank_positions(lat: list[float | None], lon: list[float | None]) -> int:
    """Blank half-missing or impossible positions (both coordinates); how many."""
    if None not in lat and None not in lon and _within(lat, -90.0, 90.0) and _within(lon, -180.0, 180.0):  # type: ignore[arg-type]
        return 0
    blanked = 0
    for i, (a, b) in enumerate(zip(lat, lon, strict=True)):
        if (a is not None or b is not None) and not (
            a is not None and b is not None and -90.0 <= a <= 90.0 and -180.0 <= b <= 180.0
        ):
            lat[i] = lon[i] = None
            blanked += 1
    return blanked


def _in_time_order(points: Points, warnings: list[str]) -> Points:
    times = points.t
    if all(map(math.isfinite, times)) and all(map(operator.lt, times, times[1:])):
        return points  # as a device writes them: every time finite and later than the one before
    finite = [i for i, t in enumerate(times) if math.isfinite(t)]
    out_of_order = sum(1 for a, b in itertools.pairwise(finite) if times[b] < times[a])
    ordered = sorted(finite, key=times.__getitem__)  # stable: equal times keep file order
    if out_of_order:
        warnings.append(f"{out_of_order} point(s) were out of time order and were sorted")
    unique: list[int] = []
    for i in ordered:
        if unique and times[i] == times[unique[-1]]:
            continue
        unique.append(i)
    if len(unique) < len(ordered):
        warnings.append(f"{len(ordered) - len(unique)} point(s) repeating an earlier time left out")
    return points.take(unique)


def _one_recording(points: Points, warnings: list[str]) -> Points:
    """The largest run of points without a gap of half a day, capped at a week."""
    times = points.t
    if not times:
        return points
    gaps = list(map(operator.sub, times[1:], times))
    if times[-1] - times[0] <= MAX_ELAPSED_S and max(gaps, default=0.0) <= MAX_TIME_GAP_S:
        return points
    starts = [0, *(i + 1 for i, gap in enumerate(gaps) if gap > MAX_TIME_GAP_S), len(times)]
    runs = list(itertools.pairwise(starts))
    lo, hi = max(runs, key=lambda run: run[1] - run[0])  # the first of the longest, as max() gives
    if len(runs) > 1:
        left = len(times) - (hi - lo)
        warnings.append(f"{left} point(s) dated more than 12 h away from the rest of the recording left out")
    if times[hi - 1] - times[lo] > MAX_ELAPSED_S:
        limit = times[lo] + MAX_ELAPSED_S
        capped = lo + sum(1 for t in times[lo:hi] if t <= limit)
        warnings.append(f"recording longer than 7 days; {hi - capped} later point(s) left out")
        hi = capped
    return points.take(range(lo, hi))


def _position_steps(points: Points, warnings: list[str]) -> list[float | None]:
    """Step lengths between positions; a lone position far from both neighbours is blanked.

    A step faster than any ground vehicle is either a spike (the point after
    it agrees with the point before it: the position is blanked) or a real
    relocation after a gap in reception (not counted as distance). Tracks
    without such a step, nearly all, are measured in comprehensions.
    """
    lat, lon, t = points.lat, points.lon, points.t
    if None in lat or None in lon:
        idx = [i for i, (a, b) in enumerate(zip(lat, lon, strict=True)) if a is not None and b is not None]
    else:
        idx = list(range(len(t)))
    steps: list[float | None] = [None] * len(t)
    if len(idx) < 2:
        return steps
    lons = [lon[i] for i in idx]
    times = [t[i] for i in idx]
    phis = [math.radians(lat[i]) for i in idx]  # type: ignore[arg-type]
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


def _judged_steps(points: Points, idx: list[int], warnings: list[str]) -> list[float | None]:
    """Step by step, for a track with an impossible jump: spikes are blanked, relocations not counted."""
    lat, lon, t = points.lat, points.lon, points.t
    steps: list[float | None] = [None] * len(t)
    spikes = jumps = 0
    prev: int | None = None
    for k, i in enumerate(idx):
        if prev is None:
            prev = i
            continue
        dist = _metres(points, prev, i)
        if _too_fast(dist, t[i] - t[prev]):
            nxt = idx[k + 1] if k + 1 < len(idx) else None
            if nxt is not None and not _too_fast(_metres(points, prev, nxt), t[nxt] - t[prev]):
                lat[i] = lon[i] = None
                spikes += 1
                continue
            jumps += 1
            prev = i
            continue
        steps[i] = dist
        prev = i
    if spikes:
        warnings.append(f"{spikes} position(s) jumping faster than {TELEPORT_SPEED_MPS:.0f} m/s ignored")
    if jumps:
        warnings.append(f"{jumps} impossible jump(s) in position not counted as distance")
    return steps


def _metres(points: Points, a: int, b: int) -> float:
    lat, lon = points.lat, points.lon
    return haversine_m(lat[a] or 0.0, lon[a] or 0.0, lat[b] or 0.0, lon[b] or 0.0)


def _too_fast(dist_m: float, dt_s: float) -> bool:
    return dist_m > TELEPORT_SPEED_MPS * dt_s if dt_s > 0 else dist_m > 1.0


def _monotonic_distance(points: Points, warnings: list[str]) -> None:
    """A file's cumulative distance may not fall back or leap; such values are blanked."""
    dist, t = points.distance_m, points.t
    if dist.count(None) == len(dist):
        return
    if None not in dist and _steady(dist, t):  # type: ignore[arg-type]
        return
    prev: int | None = None
    bad = 0
    for i, d in enumerate(dist):
        if d is None:
            continue
        if prev is not None:
            step = d - dist[prev]  # type: ignore[operator]
            dt_s = t[i] - t[prev]
            if step < 0 or (dt_s > 0 and step / dt_s > TELEPORT_SPEED_MPS) or (dt_s <= 0 < step):
                dist[i] = None
                bad += 1
                continue
        prev = i
    if bad:
        warnings.append(f"{bad} point(s) whose recorded distance went backwards or leapt ignored")


def _steady(dist: list[float], t: list[float]) -> bool:
    """Never falling back and never faster than a vehicle, pair by pair (times strictly increase)."""
    if not all(map(operator.le, dist, dist[1:])):
        return False
    gaps = list(map(operator.sub, t[1:], t))
    if gaps and min(gaps) <= 0:
        return False
    rates = map(operator.truediv, map(operator.sub, dist[1:], dist), gaps)
    return max(rates, default=0.0) <= TELEPORT_SPEED_MPS
