"""Samples -> walking / running / stopped segments, and the minutes that count as evidence.

Cadence decides first (steps/min, Tudor-Locke's 100 spm for brisk walking,
~140 spm for running); speed is the fallback when a file has no cadence.
Moving time excludes pauses; the short gaps smart recording leaves are not
pauses.

Two safety rules shape everything below, because running before the gate and
false walking evidence are the errors that hurt a healing bone:

* smoothing may turn walking into running, never running into brisk walking:
  when a piece is in doubt it counts as running and a warning says so;
* only activities that are on foot are evidence. The sport comes from every
  signal the file has (sport, sub-sport, device, cadence and speed profile, see
  :mod:`walkrun.evidence.sport_profile`); an activity whose sport is unknown counts as
  walking only when its cadence says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.activities import Activity
from walkrun.domain.models import Preferences
from walkrun.domain.sample_columns import SampleColumns
from walkrun.evidence.sport_profile import (
    AMBIGUOUS_SPORTS,
    RUNNING_SPORTS,
    VEHICLE_SPEED_MPS,
    WALKING_SPORTS,
    Footing,
    Interval,
    judge_sport,
)

STOPPED_SPEED_MPS = 0.5
STOPPED_CADENCE_SPM = 40.0
SMART_RECORDING_GAP_S = 15.0
MAX_BRIDGED_GAP_S = 60.0
# The shortest run block a run-walk plan prescribes. Kept for adherence, which
# judges prescribed blocks; classify itself never relabels a short run as walking.
MIN_RUN_BLOCK_S = 30.0
RUN_DIP_S = 15.0  # a stumble, a kerb or a GPS wobble inside a run is not a walk break
# One or two samples at run cadence alone in a walk (a hop over a puddle, a
# cadence glitch) are neither running nor brisk walking: they count as slow walking.
RUN_SPIKE_S = 5.0
MAX_BREAK_IN_WALK_S = 60.0
# Device timer and walkrun's moving time "agree" within this fraction.
TIMER_AGREEMENT = 0.02

ON_FOOT = WALKING_SPORTS | RUNNING_SPORTS | AMBIGUOUS_SPORTS

__all__ = [
    "MIN_RUN_BLOCK_S",
    "ON_FOOT",
    "RUNNING_SPORTS",
    "WALKING_SPORTS",
    "Classification",
    "Motion",
    "Segment",
    "Thresholds",
    "classify",
    "motion_of",
]


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

    moving_s: int = Field(ge=0, description="walkrun's own moving-time estimate from the samples")
    brisk_walk_s: int = Field(ge=0)
    slow_walk_s: int = Field(ge=0)
    longest_brisk_walk_s: int = Field(ge=0)
    run_s: int = Field(ge=0)
    stopped_s: int = Field(ge=0)
    method: str = Field(description="cadence | speed | summary | not-on-foot | unknown-sport")
    segments: list[Segment] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    timer_s: int | None = Field(
        None, ge=0, description="the file's own timer/moving time (device timer for FIT/TCX), the reference"
    )
    moving_note: str = Field("", description="why moving_s differs from timer_s, when it does by more than 2 %")
    sport_reason: str = Field("", description="which signals decided whether this was on foot")

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
        # v2: sport profile, run-safe smoothing and the device timer reference changed the results.
        text = f"v2|{self.brisk_cadence_spm}|{self.run_cadence_spm}|{self.brisk_speed_mps}|{self.run_speed_mps}"
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


def _raw_intervals(cols: SampleColumns) -> list[Interval]:
    """One interval per pair of consecutive samples, described by the later one (columns are in time order)."""
    times, dists, speeds, cadences = cols.time_s, cols.distance_m, cols.speed_mps, cols.cadence_spm
    out: list[Interval] = []
    for i in range(1, len(times)):
        a_t, b_t = times[i - 1], times[i]
        dt = b_t - a_t
        if dt <= 0:
            continue
        speed: float | None = speeds[i]
        if speed != speed:  # NaN: missing
            speed = None
        a_d, b_d = dists[i - 1], dists[i]
        moved = None
        if a_d == a_d and b_d == b_d:
            rate = max(0.0, b_d - a_d) / dt
            # A device's smoothed speed lags behind a start from standing; when it still
            # says "standing" while the distance advances at walking pace, the distance wins.
            if speed is None or (speed < STOPPED_SPEED_MPS <= rate and dt <= SMART_RECORDING_GAP_S):
                speed = rate
            moved = (b_d - a_d) / dt >= STOPPED_SPEED_MPS
        # A recorded 0 is kept: a watch that counts no steps while moving is a signal too.
        cadence: float | None = cadences[i]
        if cadence != cadence:
            cadence = None
        out.append(Interval(start_s=a_t, duration_s=dt, speed_mps=speed, cadence_spm=cadence, moved=moved))
    return out


@dataclass
class _Tally:
    """Seconds set aside while labelling, for the warnings and the moving-time note."""

    vehicle_s: float = 0.0
    unknown_s: float = 0.0
    long_gap_s: float = 0.0


def _label(iv: Interval, sport: str, th: Thresholds, tally: _Tally) -> Motion:
    if iv.duration_s > MAX_BRIDGED_GAP_S and not iv.moved:
        # A long hole in the recording is a pause unless the distance says we kept moving.
        tally.long_gap_s += iv.duration_s
        return Motion.STOPPED
    cadence = iv.cadence_spm or None
    if iv.speed_mps is None and cadence is None:
        # Nothing measured (a heart-rate-only recording): moving by the device's
        # word, but only a running sport can say how. When in doubt, running.
        if iv.duration_s > SMART_RECORDING_GAP_S:
            return Motion.STOPPED
        tally.unknown_s += iv.duration_s
        return Motion.RUN if sport in RUNNING_SPORTS else Motion.SLOW_WALK
    kind = motion_of(iv.speed_mps, cadence, th)
    if cadence is None and iv.speed_mps is not None:
        doubtful = (th.brisk_speed_mps + th.run_speed_mps) / 2
        if sport in RUNNING_SPORTS and kind is Motion.BRISK_WALK and iv.speed_mps >= doubtful:
            # A slow jog and a fast walk share these speeds; the device said running.
            return Motion.RUN
        if iv.speed_mps >= VEHICLE_SPEED_MPS and sport not in RUNNING_SPORTS:
            tally.vehicle_s += iv.duration_s
            return Motion.STOPPED
    return kind


def _labelled(intervals: list[Interval], sport: str, th: Thresholds, tally: _Tally) -> list[Segment]:
    """Each interval labelled, consecutive ones of one kind joined (one Segment per run, not per sample)."""
    out: list[Segment] = []
    kind: Motion | None = None
    start = duration = 0.0
    for iv in intervals:
        label = _label(iv, sport, th, tally)
        if label is kind:
            duration += iv.duration_s
            continue
        if kind is not None:
            out.append(Segment(kind=kind, start_s=start, duration_s=duration))
        kind, start, duration = label, iv.start_s, iv.duration_s
    if kind is not None:
        out.append(Segment(kind=kind, start_s=start, duration_s=duration))
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


def _smooth(segments: list[Segment]) -> tuple[list[Segment], float]:
    """Bridge brief dips inside running as running; calm lone one-off spikes.

    Never relabels running as brisk walking: a short run between walks stays
    running (jogging near the run cadence breaks into short pieces). Only a
    spike of at most ``RUN_SPIKE_S`` with no other running within
    ``RUN_DIP_S`` becomes slow walking, which is no brisk-walk evidence either.
    Returns the segments and the seconds of spikes calmed.
    """
    bridged = list(segments)
    for i in range(1, len(bridged) - 1):
        s = bridged[i]
        prev, nxt = bridged[i - 1], bridged[i + 1]
        # Both sides must be real running, not a one-off cadence spike during a walk.
        around = all(x.kind is Motion.RUN and x.duration_s >= RUN_DIP_S for x in (prev, nxt))
        if around and s.kind is not Motion.RUN and s.duration_s < RUN_DIP_S:
            bridged[i] = Segment(kind=Motion.RUN, start_s=s.start_s, duration_s=s.duration_s)
    merged = _merge(bridged)
    calmed = 0.0
    out = []
    for i, s in enumerate(merged):
        if s.kind is Motion.RUN and s.duration_s <= RUN_SPIKE_S and _lone(merged, i):
            calmed += s.duration_s
            out.append(Segment(kind=Motion.SLOW_WALK, start_s=s.start_s, duration_s=s.duration_s))
        else:
            out.append(s)
    return _merge(out), calmed


def _lone(segments: list[Segment], i: int) -> bool:
    """Walking on both sides, and no other short run piece within ``RUN_DIP_S`` of it.

    Short pieces close together are jogging near the run cadence and stay
    running; a spike beside a real run block is that block's ragged edge, and
    the block itself already counts as running.
    """
    walks = (Motion.BRISK_WALK, Motion.SLOW_WALK)
    for step in (-1, 1):
        j, seen = i + step, 0.0
        if not 0 <= j < len(segments) or segments[j].kind not in walks:
            return False
        while 0 <= j < len(segments) and seen < RUN_DIP_S:
            if segments[j].kind is Motion.RUN and segments[j].duration_s < MIN_RUN_BLOCK_S:
                return False
            seen += segments[j].duration_s
            j += step
    return True


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
    """What the activity proves; the reader's own warnings (points left out, values corrected) come first."""
    result = _classify(activity, prefs)
    if activity.warnings:
        return result.model_copy(update={"warnings": [*activity.warnings, *result.warnings]})
    return result


def _classify(activity: Activity, prefs: Preferences) -> Classification:
    th = Thresholds.from_preferences(prefs)
    sport = activity.sport.lower()
    intervals = _raw_intervals(activity.columns)
    verdict = judge_sport(activity, intervals)
    timer = round(activity.moving_s) if activity.moving_s is not None else None
    if verdict.footing is Footing.NOT_ON_FOOT:
        return Classification(
            moving_s=round(activity.moving_s or activity.elapsed_s),
            brisk_walk_s=0,
            slow_walk_s=0,
            longest_brisk_walk_s=0,
            run_s=0,
            stopped_s=0,
            method="not-on-foot",
            warnings=[verdict.reason] if verdict.warn else [],
            timer_s=timer,
            sport_reason=verdict.reason,
        )
    if not intervals:
        return _from_summary(activity, th, verdict.footing, verdict.reason)
    tally = _Tally()
    segments, calmed = _smooth(_labelled(intervals, sport, th, tally))
    if verdict.footing is Footing.RUNS_ONLY:
        segments = _runs_only(segments)
        if not any(s.kind is Motion.RUN for s in segments):
            return _unknown_sport(activity, timer, verdict.reason)
    total: dict[Motion, float] = {kind: sum(s.duration_s for s in segments if s.kind is kind) for kind in Motion}
    moving = total[Motion.BRISK_WALK] + total[Motion.SLOW_WALK] + total[Motion.RUN] + tally.vehicle_s
    has_cadence = any(c > 0 for c in activity.columns.cadence_spm)
    method = "unknown-sport" if verdict.footing is Footing.RUNS_ONLY else "cadence" if has_cadence else "speed"
    moving_s = round(moving)
    return Classification(
        moving_s=moving_s,
        brisk_walk_s=round(total[Motion.BRISK_WALK]),
        slow_walk_s=round(total[Motion.SLOW_WALK]),
        longest_brisk_walk_s=round(_longest_brisk(segments)),
        run_s=round(total[Motion.RUN]),
        stopped_s=round(total[Motion.STOPPED] - tally.vehicle_s),
        method=method,
        segments=segments,
        warnings=_warnings(sport, segments, total, tally, calmed, verdict.reason if verdict.warn else ""),
        timer_s=timer,
        moving_note=_moving_note(moving_s, timer, activity, total[Motion.STOPPED] - tally.vehicle_s, tally),
        sport_reason=verdict.reason,
    )


def _runs_only(segments: list[Segment]) -> list[Segment]:
    """Unknown sport without cadence: speed cannot tell a walk from a paddle or a swim.

    Walking pace is kept only as slow walking (never brisk evidence); running
    pace still counts as running, because in doubt it is running.
    """
    return _merge(
        [s.model_copy(update={"kind": Motion.SLOW_WALK}) if s.kind is Motion.BRISK_WALK else s for s in segments]
    )


def _unknown_sport(activity: Activity, timer: int | None, reason: str) -> Classification:
    """Neither walking nor running can be shown: nothing counts, and the reason is given."""
    moving = activity.moving_s if activity.moving_s is not None else activity.elapsed_s
    return Classification(
        moving_s=round(moving),
        brisk_walk_s=0,
        slow_walk_s=0,
        longest_brisk_walk_s=0,
        run_s=0,
        stopped_s=round(max(0.0, activity.elapsed_s - moving)),
        method="unknown-sport",
        warnings=[reason],
        timer_s=timer,
        sport_reason=reason,
    )


def _warnings(
    sport: str, segments: list[Segment], total: dict[Motion, float], tally: _Tally, calmed: float, reason: str
) -> list[str]:
    out = [reason] if reason else []
    runs = [s for s in segments if s.kind is Motion.RUN]
    if runs and sport not in RUNNING_SPORTS:
        out.append(
            f"running inside a walk: {len(runs)} block(s), {total[Motion.RUN] / 60:.0f} min at run cadence/speed"
        )
    short = [s for s in runs if s.duration_s < MIN_RUN_BLOCK_S]
    if short:
        out.append(
            f"{len(short)} run piece(s) shorter than {MIN_RUN_BLOCK_S:.0f} s "
            f"({sum(s.duration_s for s in short):.0f} s) counted as running: near the run threshold, "
            "in doubt it is running"
        )
    if calmed:
        out.append(f"{calmed:.0f} s of one-off run-cadence spikes inside walking counted as slow walking, not brisk")
    if tally.vehicle_s:
        out.append(f"{tally.vehicle_s:.0f} s faster than anyone walks or jogs (vehicle?) not counted")
    if tally.unknown_s:
        how = "running (the device says running)" if sport in RUNNING_SPORTS else "slow walking (pace unknown)"
        out.append(f"{tally.unknown_s:.0f} s without speed or cadence counted as {how}")
    return out


def _moving_note(moving_s: int, timer: int | None, activity: Activity, stopped_s: float, tally: _Tally) -> str:
    """Explain a difference from the file's own timer, so the two figures never look contradictory."""
    if timer is None or abs(moving_s - timer) <= TIMER_AGREEMENT * max(timer, 1):
        return ""
    parts = []
    if stopped_s - tally.long_gap_s > 0:
        parts.append(f"{stopped_s - tally.long_gap_s:.0f} s standing still (below {STOPPED_SPEED_MPS} m/s)")
    if tally.long_gap_s:
        parts.append(f"{tally.long_gap_s:.0f} s in recording gaps over {MAX_BRIDGED_GAP_S:.0f} s")
    times = activity.columns.time_s
    span = times[-1] - times[0] if times else 0.0
    if timer > span + 1:
        parts.append(f"{timer - span:.0f} s of timer time with no samples recorded")
    why = "; ".join(parts) if parts else "pauses and stops judged from the samples"
    return f"walkrun counts {moving_s} s moving; the file records {timer} s ({why})"


def _from_summary(activity: Activity, th: Thresholds, footing: Footing, reason: str) -> Classification:
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
    if footing is Footing.RUNS_ONLY and kind is not Motion.RUN:
        timer = round(activity.moving_s) if activity.moving_s is not None else None
        return _unknown_sport(activity, timer, reason)
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
        timer_s=round(activity.moving_s) if activity.moving_s is not None else None,
        sport_reason=reason,
    )
