"""Samples -> walking / running / stopped segments, and the minutes that count as evidence.

Cadence decides first (steps/min, Tudor-Locke's 100 spm for brisk walking,
~140 spm for running); speed is the fallback when a file has no cadence.
Moving time excludes pauses; the short gaps smart recording leaves are not
pauses.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from walkrun.activities import Activity, Sample
from walkrun.models import Preferences

STOPPED_SPEED_MPS = 0.5
STOPPED_CADENCE_SPM = 40.0
SMART_RECORDING_GAP_S = 15.0
MAX_BRIDGED_GAP_S = 60.0
MIN_RUN_BLOCK_S = 30.0
RUN_DIP_S = 15.0  # a stumble, a kerb or a GPS wobble inside a run is not a walk break
MAX_BREAK_IN_WALK_S = 60.0

ON_FOOT = {"walking", "hiking", "running", "trail_running", "treadmill_running", "generic", "unknown", "other"}
WALKING_SPORTS = {"walking", "hiking"}
RUNNING_SPORTS = {"running", "trail_running", "treadmill_running"}


class Motion(StrEnum):
    BRISK_WALK = "brisk_walk"
    SLOW_WALK = "slow_walk"
    RUN = "run"
    STOPPED = "stopped"


class Segment(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Motion
    start_s: float
    duration_s: float


class Classification(BaseModel):
    """What one activity proves: brisk-walk minutes, the longest brisk walk, running."""

    model_config = ConfigDict(frozen=True)

    moving_s: int = Field(ge=0)
    brisk_walk_s: int = Field(ge=0)
    slow_walk_s: int = Field(ge=0)
    longest_brisk_walk_s: int = Field(ge=0)
    run_s: int = Field(ge=0)
    stopped_s: int = Field(ge=0)
    method: str = Field(description="cadence | speed | summary | not-on-foot")
    segments: list[Segment] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def walk_s(self) -> int:
        return self.brisk_walk_s + self.slow_walk_s


@dataclass(frozen=True)
class Thresholds:
    brisk_cadence_spm: float
    run_cadence_spm: float
    brisk_speed_mps: float
    run_speed_mps: float

    @classmethod
    def from_preferences(cls, prefs: Preferences) -> Thresholds:
        return cls(prefs.brisk_walk_cadence_spm, prefs.run_cadence_spm, prefs.brisk_walk_speed_mps, prefs.run_speed_mps)

    @property
    def fingerprint(self) -> str:
        text = f"v1|{self.brisk_cadence_spm}|{self.run_cadence_spm}|{self.brisk_speed_mps}|{self.run_speed_mps}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def motion_of(speed: float | None, cadence: float | None, th: Thresholds) -> Motion:
    if cadence is not None and cadence > 0:
        if cadence >= th.run_cadence_spm:
            return Motion.RUN
        if cadence < STOPPED_CADENCE_SPM and (speed is None or speed < STOPPED_SPEED_MPS):
            return Motion.STOPPED
        return Motion.BRISK_WALK if cadence >= th.brisk_cadence_spm else Motion.SLOW_WALK
    if speed is None or speed < STOPPED_SPEED_MPS:
        return Motion.STOPPED
    if speed >= th.run_speed_mps:
        return Motion.RUN
    return Motion.BRISK_WALK if speed >= th.brisk_speed_mps else Motion.SLOW_WALK


def _intervals(samples: list[Sample], th: Thresholds) -> list[Segment]:
    """One segment per pair of consecutive samples, labelled from the later one."""
    pts = sorted(samples, key=lambda s: s.t_s)
    out: list[Segment] = []
    for a, b in itertools.pairwise(pts):
        dt = b.t_s - a.t_s
        if dt <= 0:
            continue
        speed = b.speed_mps
        if speed is None and a.distance_m is not None and b.distance_m is not None:
            speed = max(0.0, b.distance_m - a.distance_m) / dt
        kind = motion_of(speed, b.cadence_spm, th)
        if dt > MAX_BRIDGED_GAP_S:
            # A long hole in the recording is a pause unless the distance says we kept moving.
            moved = a.distance_m is not None and b.distance_m is not None and (b.distance_m - a.distance_m) / dt >= 0.5
            if not moved:
                kind = Motion.STOPPED
        out.append(Segment(kind=kind, start_s=a.t_s, duration_s=dt))
    return out


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].kind is seg.kind:
            last = merged[-1]
            merged[-1] = Segment(kind=last.kind, start_s=last.start_s, duration_s=last.duration_s + seg.duration_s)
        else:
            merged.append(seg)
    return merged


def _smooth(segments: list[Segment]) -> list[Segment]:
    """Join runs across brief cadence dips first, then count run blips shorter than a jog as walking.

    The order matters: dropping short run pieces before bridging would make a
    run with a 3-second dip vanish into "walking".
    """
    bridged = list(segments)
    for i in range(1, len(bridged) - 1):
        s = bridged[i]
        prev, nxt = bridged[i - 1], bridged[i + 1]
        # Both sides must be real running, not a one-off cadence spike during a walk.
        around = all(x.kind is Motion.RUN and x.duration_s >= RUN_DIP_S for x in (prev, nxt))
        if around and s.kind is not Motion.RUN and s.duration_s < RUN_DIP_S:
            bridged[i] = Segment(kind=Motion.RUN, start_s=s.start_s, duration_s=s.duration_s)
    out = [
        Segment(kind=Motion.BRISK_WALK, start_s=s.start_s, duration_s=s.duration_s)
        if s.kind is Motion.RUN and s.duration_s < MIN_RUN_BLOCK_S
        else s
        for s in _merge(bridged)
    ]
    return _merge(out)


def _longest_brisk(segments: list[Segment]) -> float:
    """Longest chain of brisk walking, bridging short stops or slow bits (traffic lights) uncounted."""
    best = current = 0.0
    for seg in segments:
        if seg.kind is Motion.BRISK_WALK:
            current += seg.duration_s
        elif seg.kind in (Motion.STOPPED, Motion.SLOW_WALK) and seg.duration_s <= MAX_BREAK_IN_WALK_S:
            continue
        else:
            current = 0.0
        best = max(best, current)
    return best


def classify(activity: Activity, prefs: Preferences) -> Classification:
    th = Thresholds.from_preferences(prefs)
    sport = activity.sport.lower()
    if sport not in ON_FOOT:
        return Classification(
            moving_s=round(activity.moving_s or activity.elapsed_s),
            brisk_walk_s=0,
            slow_walk_s=0,
            longest_brisk_walk_s=0,
            run_s=0,
            stopped_s=0,
            method="not-on-foot",
        )
    if len(activity.samples) < 2:
        return _from_summary(activity, th)
    segments = _smooth(_merge(_intervals(activity.samples, th)))
    total = {kind: sum(s.duration_s for s in segments if s.kind is kind) for kind in Motion}
    has_cadence = any(s.cadence_spm for s in activity.samples)
    warnings = []
    runs = [s for s in segments if s.kind is Motion.RUN]
    if runs and sport in WALKING_SPORTS | {"generic", "unknown", "other"}:
        warnings.append(
            f"running inside a walk: {len(runs)} block(s), {total[Motion.RUN] / 60:.0f} min at run cadence/speed"
        )
    moving = total[Motion.BRISK_WALK] + total[Motion.SLOW_WALK] + total[Motion.RUN]
    return Classification(
        moving_s=round(moving),
        brisk_walk_s=round(total[Motion.BRISK_WALK]),
        slow_walk_s=round(total[Motion.SLOW_WALK]),
        longest_brisk_walk_s=round(_longest_brisk(segments)),
        run_s=round(total[Motion.RUN]),
        stopped_s=round(total[Motion.STOPPED]),
        method="cadence" if has_cadence else "speed",
        segments=segments,
        warnings=warnings,
    )


def _from_summary(activity: Activity, th: Thresholds) -> Classification:
    """A manual entry or a file without samples: judge the whole activity by its average speed."""
    moving = activity.moving_s or activity.elapsed_s
    speed = (activity.distance_m / moving) if activity.distance_m and moving else None
    sport = activity.sport.lower()
    if sport in RUNNING_SPORTS:
        kind = Motion.RUN
    elif speed is None:
        kind = Motion.SLOW_WALK  # brisk has to be shown by pace or cadence, not assumed
    else:
        kind = motion_of(speed, None, th)
    warnings = (
        []
        if speed is not None or kind is Motion.RUN
        else ["no distance or samples: pace unknown, not counted as brisk"]
    )
    seconds = round(moving)
    return Classification(
        moving_s=seconds,
        brisk_walk_s=seconds if kind is Motion.BRISK_WALK else 0,
        slow_walk_s=seconds if kind is Motion.SLOW_WALK else 0,
        longest_brisk_walk_s=seconds if kind is Motion.BRISK_WALK else 0,
        run_s=seconds if kind is Motion.RUN else 0,
        stopped_s=round(max(0.0, activity.elapsed_s - moving)),
        method="summary",
        segments=[Segment(kind=kind, start_s=0, duration_s=moving)],
        warnings=warnings,
    )
