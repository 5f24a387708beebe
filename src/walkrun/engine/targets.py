"""Easy-effort targets for watch workout steps: what the watch alerts on during a session.

Returning runners are told to run easy; a watch can hold them to it. Each run
step gets a heart-rate ceiling when walkrun knows the runner's heart rate
(from the profile, or estimated from imported runs), otherwise a cadence range;
each walk step gets a brisk-walk cadence floor (Tudor-Locke: >= 100 steps/min
is moderate intensity). A clinician can shift the run cadence 5-10% above
the runner's usual step rate (Heiderscheit 2011: lowers hip load).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.activities import Activity
from walkrun.domain.errors import UsageError
from walkrun.domain.models import Preferences

__all__ = [
    "EffortFacts",
    "StepTarget",
    "TargetKind",
    "TargetMode",
    "effort_from_activities",
    "effort_with_options",
    "run_target",
    "target_mode",
    "walk_target",
]

DEFAULT_RUN_CADENCE_SPM = (160.0, 180.0)  # a usual easy-running range when nothing is known
MIN_PEAK_HR_BPM = 120  # a lower peak says the imported runs were too easy to tell anything
MAX_BOOST_PCT = 15


class TargetMode(StrEnum):
    AUTO = "auto"
    NONE = "none"
    HR = "hr"
    PACE = "pace"
    CADENCE = "cadence"


class TargetKind(StrEnum):
    HEART_RATE = "heart_rate"
    CADENCE = "cadence"
    SPEED = "speed"


class EffortFacts(BaseModel):
    """What walkrun knows about the runner's easy effort (all optional)."""

    model_config = ConfigDict(frozen=True)

    max_hr_bpm: int | None = Field(None, ge=100, le=240)
    resting_hr_bpm: int | None = Field(None, ge=25, le=120)
    run_cadence_spm: float | None = Field(None, gt=0, description="usual running step rate, steps/min")
    run_speed_mps: float | None = Field(None, gt=0, description="usual easy running speed")
    hr_from: str = Field("", description="profile | option | imported runs")


class StepTarget(BaseModel):
    """A range the watch keeps the runner in; ``low``/``high`` in bpm, steps/min or m/s."""

    model_config = ConfigDict(frozen=True)

    kind: TargetKind
    low: float = Field(ge=0)
    high: float = Field(gt=0)
    why: str

    def describe(self) -> str:
        if self.kind is TargetKind.HEART_RATE:
            return f"heart rate {round(self.low)}-{round(self.high)} bpm ({self.why})"
        if self.kind is TargetKind.CADENCE:
            return f"cadence {round(self.low)}-{round(self.high)} steps/min ({self.why})"
        return f"pace {_pace(self.high)}-{_pace(self.low)} min/km ({self.why})"


def _pace(speed_mps: float) -> str:
    seconds = round(1000 / speed_mps)
    return f"{seconds // 60}:{seconds % 60:02d}"


def target_mode(options: Mapping[str, str]) -> TargetMode:
    raw = options.get("targets", "").strip().lower() or TargetMode.AUTO.value
    try:
        return TargetMode(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in TargetMode)
        raise UsageError(f"fit writer: option targets={raw!r}: use one of {allowed}") from None


def _int_option(options: Mapping[str, str], key: str, low: int, high: int) -> int | None:
    raw = options.get(key, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise UsageError(f"fit writer: option {key}={raw!r}: expected a whole number from {low} to {high}")
    return value


def effort_with_options(facts: EffortFacts, options: Mapping[str, str]) -> EffortFacts:
    """Heart rates given as writer options (``max_hr=``, ``resting_hr=``) win over estimates."""
    max_hr = _int_option(options, "max_hr", 100, 240)
    rest = _int_option(options, "resting_hr", 25, 120)
    if max_hr is None and rest is None:
        return facts
    update: dict[str, object] = {"hr_from": "option"}
    if max_hr is not None:
        update["max_hr_bpm"] = max_hr
    if rest is not None:
        update["resting_hr_bpm"] = rest
    return facts.model_copy(update=update)


def effort_from_activities(activities: Iterable[Activity], prefs: Preferences) -> EffortFacts:
    """Estimate easy-running facts from imported activities' samples (runs only).

    The highest heart rate seen while running is a floor for the true maximum,
    so a cap derived from it errs on the easy side, which is the safe side here.
    """
    hrs: list[int] = []
    cadences: list[float] = []
    speeds: list[float] = []
    for act in activities:
        cols = act.columns
        hrs.extend(int(h) for h in cols.heart_rate_bpm if h > 0)  # NaN (missing) is not > 0
        for cadence, speed in zip(cols.cadence_spm, cols.speed_mps, strict=True):
            if cadence >= prefs.run_cadence_spm:
                cadences.append(cadence)
                if speed > 0:
                    speeds.append(speed)
    peak = max(hrs, default=0)
    return EffortFacts(
        max_hr_bpm=peak if MIN_PEAK_HR_BPM <= peak <= 240 else None,
        run_cadence_spm=statistics.median(cadences) if len(cadences) >= 30 else None,
        run_speed_mps=statistics.median(speeds) if len(speeds) >= 30 else None,
        hr_from="imported runs" if MIN_PEAK_HR_BPM <= peak <= 240 else "",
    )


def _hr_target(facts: EffortFacts) -> StepTarget | None:
    top = facts.max_hr_bpm
    if top is None:
        return None
    rest = facts.resting_hr_bpm
    if rest is not None and rest < top - 40:
        # Karvonen: 50-70% of heart-rate reserve is easy, conversational running.
        reserve = top - rest
        return StepTarget(
            kind=TargetKind.HEART_RATE,
            low=round(rest + 0.5 * reserve),
            high=round(rest + 0.7 * reserve),
            why=f"easy: 50-70% of heart-rate reserve, max {top}/rest {rest} from {facts.hr_from or 'profile'}",
        )
    return StepTarget(
        kind=TargetKind.HEART_RATE,
        low=round(0.6 * top),
        high=round(0.75 * top),
        why=f"easy: 60-75% of max heart rate {top} from {facts.hr_from or 'profile'}",
    )


def _cadence_target(facts: EffortFacts, boost_pct: int) -> StepTarget:
    if facts.run_cadence_spm is None and not boost_pct:
        low, high = DEFAULT_RUN_CADENCE_SPM
        return StepTarget(kind=TargetKind.CADENCE, low=low, high=high, why="usual easy-running range")
    usual = facts.run_cadence_spm or sum(DEFAULT_RUN_CADENCE_SPM) / 2
    centre = usual * (1 + boost_pct / 100)
    why = f"your usual {round(usual)} steps/min" + (f" +{boost_pct}% (lower hip load)" if boost_pct else "")
    return StepTarget(kind=TargetKind.CADENCE, low=round(centre * 0.97), high=round(centre * 1.03), why=why)


def _speed_target(facts: EffortFacts, prefs: Preferences) -> StepTarget:
    if facts.run_speed_mps is not None:
        usual = facts.run_speed_mps
        return StepTarget(
            kind=TargetKind.SPEED, low=usual * 0.9, high=usual * 1.05, why="around your usual easy running pace"
        )
    low = prefs.run_speed_mps
    return StepTarget(kind=TargetKind.SPEED, low=low, high=low * 1.25, why="just above walking speed")


def run_target(
    mode: TargetMode, facts: EffortFacts, prefs: Preferences, *, cadence_boost_pct: int = 0
) -> StepTarget | None:
    """The target of a run step, or None for an open step."""
    if mode is TargetMode.NONE:
        return None
    if mode is TargetMode.PACE:
        return _speed_target(facts, prefs)
    if mode in (TargetMode.AUTO, TargetMode.HR):
        hr = _hr_target(facts)
        if hr is not None:
            return hr
    return _cadence_target(facts, cadence_boost_pct)


def walk_target(mode: TargetMode, prefs: Preferences) -> StepTarget | None:
    """A walk step: brisk but still walking (from the brisk-walk floor up to the running threshold)."""
    if mode is TargetMode.NONE:
        return None
    if mode is TargetMode.PACE:
        return StepTarget(
            kind=TargetKind.SPEED, low=prefs.brisk_walk_speed_mps, high=prefs.run_speed_mps, why="brisk walking"
        )
    return StepTarget(
        kind=TargetKind.CADENCE,
        low=prefs.brisk_walk_cadence_spm,
        high=prefs.run_cadence_spm,
        why="brisk walking, not yet running",
    )


def boost_option(options: Mapping[str, str]) -> int:
    """``cadence_boost=N``: run cadence N% above the usual step rate (0..15)."""
    return _int_option(options, "cadence_boost", 0, MAX_BOOST_PCT) or 0
