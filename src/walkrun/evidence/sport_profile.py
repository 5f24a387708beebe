"""Was an activity on foot? Every signal a file carries, weighed for safety.

A paddle, a swim or a ride counted as walking would open the running gate on
false evidence; a ride counted as running raises false alarms. The file's
sport decides when it is specific. When it is not (TCX ``Other``, FIT
``generic``, a GPX without ``<type>``, a FIT file without a session), the
sub-sport, the device and the cadence and speed profile decide, and the
reason is kept so the activities list can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from walkrun.domain.activities import Activity

__all__ = [
    "AMBIGUOUS_SPORTS",
    "RUNNING_SPORTS",
    "VEHICLE_SPEED_MPS",
    "WALKING_SPORTS",
    "Footing",
    "Interval",
    "SportVerdict",
    "judge_sport",
]

WALKING_SPORTS = frozenset({"walking", "hiking", "nordic_walking", "speed_walking", "mountaineering"})
RUNNING_SPORTS = frozenset({"running", "trail_running", "treadmill_running"})
# Sports that say nothing about what the body did.
AMBIGUOUS_SPORTS = frozenset({"generic", "unknown", "other", ""})

# FIT sub-sports (and the words other formats use) that settle an ambiguous sport.
FOOT_SUB_SPORTS = frozenset(
    {"treadmill", "indoor_walking", "indoor_running", "casual_walking", "speed_walking", "trail", "track", "street"}
)
NOT_FOOT_SUB_SPORTS = frozenset(
    {
        "lap_swimming", "open_water", "indoor_cycling", "spin", "road", "mountain", "downhill", "recumbent",
        "cyclocross", "hand_cycling", "track_cycling", "bmx", "gravel_cycling", "e_bike_fitness", "e_bike_mountain",
        "commuting", "mixed_surface", "indoor_rowing", "stand_up_paddleboarding", "whitewater", "skate_skiing",
        "backcountry", "resort", "navigate", "elliptical", "stair_climbing", "indoor_climbing", "bouldering",
    }
)  # fmt: skip
# Bike computers and virtual-ride apps: a file from one of these with no clear sport is a ride.
BIKE_DEVICES = re.compile(r"\b(edge|elemnt|bolt|roam|karoo|bryton|sigmasport|zwift|rider)", re.IGNORECASE)

# Faster than a person returning from a hip injury runs for long (25 km/h).
VEHICLE_SPEED_MPS = 7.0
# A median moving speed above this (18 km/h) is a ride, a ski or a car, not a walk or a jog.
WHEELED_MEDIAN_SPEED_MPS = 5.0
# Walking and running cadences (steps/min) start around here; paddle strokes,
# swim strokes and pedal strokes counted on a wrist sit below.
FOOT_MEDIAN_CADENCE_SPM = 70.0
# Metres per counted "step" above which cadence is pedalling, not feet: walking takes
# 0.6-0.8 m steps, a jog about 1 m, elite racers under 2 m; a pedal stroke
# counted as a step moves a bike 1.7-3 m.
MAX_STEP_LENGTH_M = 2.0
# Cadence must cover this share of the moving time to speak for the activity.
CADENCE_COVERAGE = 0.5
MOVING_SPEED_MPS = 0.5
MOVING_CADENCE_SPM = 40.0


class Footing(StrEnum):
    ON_FOOT = "on_foot"
    NOT_ON_FOOT = "not_on_foot"
    RUNS_ONLY = "runs_only"  # sport unknown, no cadence: only running pace is evidence


class Interval(NamedTuple):
    """What is known about the time between two consecutive samples (a tuple: there is one per sample)."""

    start_s: float
    duration_s: float
    speed_mps: float | None
    cadence_spm: float | None  # 0 when the device recorded no steps, None when it recorded nothing
    moved: bool | None  # distance advanced at walking pace or more; None when no distance


@dataclass(frozen=True)
class SportVerdict:
    footing: Footing
    reason: str
    warn: bool = False  # the reason belongs in the activity's warnings (a judgement, not the file's word)


def _weighted_median(pairs: list[tuple[float, float]]) -> float | None:
    """Median of values weighted by seconds; None when there is nothing to weigh."""
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    acc = 0.0
    for value, weight in sorted(pairs):
        acc += weight
        if acc >= total / 2:
            return value
    return pairs[-1][0]


@dataclass(frozen=True)
class Profile:
    moving_s: float
    median_speed_mps: float | None
    cadence_share: float
    median_cadence_spm: float | None
    median_step_m: float | None


def profile_of(intervals: list[Interval]) -> Profile:
    moving = [
        iv
        for iv in intervals
        if (iv.speed_mps is not None and iv.speed_mps >= MOVING_SPEED_MPS)
        or (iv.cadence_spm is not None and iv.cadence_spm >= MOVING_CADENCE_SPM)
    ]
    # Zeros count in the cadence profile: moving with no steps counted is not walking.
    moving_s = sum(iv.duration_s for iv in moving)
    speeds = [(iv.speed_mps, iv.duration_s) for iv in moving if iv.speed_mps is not None]
    cadences = [(iv.cadence_spm, iv.duration_s) for iv in moving if iv.cadence_spm is not None]
    cadence_s = sum(w for _, w in cadences)
    steps = [
        (iv.speed_mps * 60 / iv.cadence_spm, iv.duration_s)
        for iv in moving
        if iv.speed_mps is not None and iv.cadence_spm is not None and iv.cadence_spm >= MOVING_CADENCE_SPM
    ]
    return Profile(
        moving_s=moving_s,
        median_speed_mps=_weighted_median(speeds),
        cadence_share=cadence_s / moving_s if moving_s else 0.0,
        median_cadence_spm=_weighted_median(cadences),
        median_step_m=_weighted_median(steps),
    )


def judge_sport(activity: Activity, intervals: list[Interval]) -> SportVerdict:
    """On foot, not on foot, or "only running pace counts", with the reason in words."""
    sport = (activity.sport or "").strip().lower()
    sub = (activity.sub_sport or "").strip().lower()
    prof = profile_of(intervals)
    kmh = f"{prof.median_speed_mps * 3.6:.0f} km/h" if prof.median_speed_mps is not None else ""
    wheeled = prof.median_speed_mps is not None and prof.median_speed_mps >= WHEELED_MEDIAN_SPEED_MPS
    if sport in RUNNING_SPORTS:
        return SportVerdict(Footing.ON_FOOT, f"sport {sport}")
    if sport in WALKING_SPORTS:
        if wheeled:
            why = f"recorded as {sport} but its median moving speed is {kmh}: a ride or a vehicle, not counted"
            return SportVerdict(Footing.NOT_ON_FOOT, why, warn=True)
        return SportVerdict(Footing.ON_FOOT, f"sport {sport}")
    if sport not in AMBIGUOUS_SPORTS:
        return SportVerdict(Footing.NOT_ON_FOOT, f"sport {sport} is not walking or running")
    return _judge_ambiguous(activity, sport or "unknown", sub, prof, wheeled, kmh)


def _judge_ambiguous(activity: Activity, sport: str, sub: str, prof: Profile, wheeled: bool, kmh: str) -> SportVerdict:
    what = f"sport {sport}"
    if sub in NOT_FOOT_SUB_SPORTS:
        return SportVerdict(Footing.NOT_ON_FOOT, f"{what} with sub-sport {sub}: not walking or running", warn=True)
    device = activity.device or ""
    if BIKE_DEVICES.search(device):
        return SportVerdict(Footing.NOT_ON_FOOT, f"{what} recorded by {device.strip()}, a bike computer", warn=True)
    if wheeled:
        why = f"{what} with a median moving speed of {kmh}: a ride, a ski or a vehicle, not walking or running"
        return SportVerdict(Footing.NOT_ON_FOOT, why, warn=True)
    if prof.cadence_share >= CADENCE_COVERAGE and prof.median_cadence_spm is not None:
        spm = f"{prof.median_cadence_spm:.0f} steps/min"
        if prof.median_step_m is not None and prof.median_step_m > MAX_STEP_LENGTH_M:
            why = (
                f"{what}; each counted stroke moves {prof.median_step_m:.1f} m at {kmh}: "
                "pedalling, not walking or running, not counted"
            )
            return SportVerdict(Footing.NOT_ON_FOOT, why, warn=True)
        if prof.median_cadence_spm >= FOOT_MEDIAN_CADENCE_SPM:
            return SportVerdict(Footing.ON_FOOT, f"{what}; cadence profile (median {spm}) is on foot", warn=True)
        why = f"{what}; its cadence (median {spm}) is not walking or running (paddling, swimming?), not counted"
        return SportVerdict(Footing.NOT_ON_FOOT, why, warn=True)
    if sub in FOOT_SUB_SPORTS:
        return SportVerdict(Footing.ON_FOOT, f"{what} with sub-sport {sub}")
    why = (
        f"{what} without cadence: speed alone cannot tell a walk from a paddle, swim or ride, so walking here is "
        "not counted (running pace still is); set the sport to walking in your app to count it"
    )
    return SportVerdict(Footing.RUNS_ONLY, why, warn=True)
