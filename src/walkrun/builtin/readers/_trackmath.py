"""Small numeric helpers shared by the built-in readers (no I/O, no parsing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from walkrun.domain.sample_columns import SampleColumns

if TYPE_CHECKING:
    from walkrun.builtin.readers._cleaning import Points

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
    points: Points,
    times: Sequence[float],
    speeds: Sequence[float | None],
    dists: Sequence[float | None],
) -> SampleColumns:
    """GPX and TCX points, with their times since the start, speeds and distances, as sample columns."""
    heart = points.heart_rate
    bpm = [round(h) if h is not None else None for h in heart] if None in heart else list(map(round, heart))  # type: ignore[arg-type]
    return SampleColumns.from_unsorted(
        time_s=times, speed_mps=speeds, cadence_spm=points.cadence_spm, heart_rate_bpm=bpm, distance_m=dists
    )
