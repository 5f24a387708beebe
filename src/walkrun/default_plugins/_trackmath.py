"""Small numeric helpers shared by the built-in readers (no I/O, no parsing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence

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
    for i in range(1, len(times_s)):
        if times_s[i] - times_s[i - 1] > max_gap_s:
            run_start = i
        d_i = dists_m[i]
        if d_i is None:
            continue
        # Move j forward while the window from j+1 still spans window_s.
        while j + 1 < i and times_s[i] - times_s[j + 1] >= window_s:
            j += 1
        k = max(j, run_start) if i > run_start else i - 1
        # Fall back to the closest later point with a distance.
        while k < i and dists_m[k] is None:
            k += 1
        d_k = dists_m[k]
        dt_s = times_s[i] - times_s[k]
        if k < i and d_k is not None and dt_s > 0:
            out[i] = max(0.0, d_i - d_k) / dt_s
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
