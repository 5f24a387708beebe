"""Who the runner is and what they reported: profile, clinical tests, check-ins.

Units live in field names (``_s``, ``_min``, ``_mps``) so no caller has to guess.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PainScore = Annotated[int, Field(ge=0, le=10, description="0 = no pain, 10 = worst imaginable")]


class Condition(StrEnum):
    FEMORAL_NECK_BSI = "femoral-neck-bsi"
    HIGH_RISK_BSI = "high-risk-bsi"
    LOW_RISK_BSI = "low-risk-bsi"
    HIP_IMPINGEMENT = "hip-impingement"
    GLUTEAL_TENDINOPATHY = "gluteal-tendinopathy"

    @property
    def is_bone(self) -> bool:
        return self in (Condition.FEMORAL_NECK_BSI, Condition.HIGH_RISK_BSI, Condition.LOW_RISK_BSI)

    @property
    def label(self) -> str:
        return CONDITION_LABELS[self]


CONDITION_LABELS: dict[Condition, str] = {
    Condition.FEMORAL_NECK_BSI: "femoral-neck bone stress injury (compression side)",
    Condition.HIGH_RISK_BSI: "other high-risk bone stress injury",
    Condition.LOW_RISK_BSI: "low-risk bone stress injury",
    Condition.HIP_IMPINGEMENT: "hip impingement / FAI",
    Condition.GLUTEAL_TENDINOPATHY: "gluteal tendinopathy / trochanteric pain",
}


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday = 0, like ``date.weekday()``."""
        return list(Weekday).index(self)

    @classmethod
    def of(cls, day: dt.date) -> Weekday:
        return _WEEKDAYS[day.weekday()]


_WEEKDAYS: tuple[Weekday, ...] = tuple(Weekday)


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    session_weekdays: list[Weekday] = Field(
        default_factory=lambda: [Weekday.MON, Weekday.WED, Weekday.FRI, Weekday.SUN],
        description="days for walks and runs",
    )
    strength_weekdays: list[Weekday] = Field(
        default_factory=lambda: [Weekday.TUE, Weekday.THU],
        description="non-running days for strength work and clearance drills",
    )
    session_time: dt.time = dt.time(7, 0)
    brisk_walk_cadence_spm: float = Field(100.0, gt=0, description="steps/min (Tudor-Locke)")
    brisk_walk_speed_mps: float = Field(5.0 / 3.6, gt=0, description="about 5 km/h")
    run_cadence_spm: float = Field(140.0, gt=0)
    run_speed_mps: float = Field(2.2, gt=0, description="about 7.9 km/h")
    goal_run_min: int = Field(45, ge=10, le=240, description="continuous easy running goal")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("session_weekdays")
    @classmethod
    def _some_days(cls, value: list[Weekday]) -> list[Weekday]:
        if len(set(value)) < 3:
            raise ValueError("need at least 3 session weekdays (walks several times a week)")
        return sorted(set(value), key=lambda d: d.number)

    @model_validator(mode="after")
    def _walk_below_run(self) -> Preferences:
        if self.brisk_walk_cadence_spm >= self.run_cadence_spm:
            raise ValueError("brisk-walk cadence must be below the run cadence")
        if self.brisk_walk_speed_mps >= self.run_speed_mps:
            raise ValueError("brisk-walk speed must be below the run speed")
        return self


class Clearances(BaseModel):
    """What a clinician has signed off; each defaults to 'not cleared'."""

    model_config = ConfigDict(extra="forbid")

    imaging_shows_healing: bool = False
    hop_tests_allowed: bool = False
    surgeon_cleared_running: bool = False


class ClinicalTestResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    test: str
    date: dt.date
    passed: bool
    note: str = ""


class AthleteProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    athlete_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    name: str = ""
    condition: Condition
    side: Side = Side.LEFT
    injury_date: dt.date
    grade: int | None = Field(None, ge=1, le=4, description="MRI grade, if known")
    surgery: bool = False
    full_weight_bearing_date: dt.date | None = None
    protocol_id: str | None = Field(None, description="overrides the condition's default")
    clearances: Clearances = Field(default_factory=Clearances)
    preferences: Preferences = Field(default_factory=Preferences)

    @model_validator(mode="after")
    def _dates_in_order(self) -> AthleteProfile:
        fwb = self.full_weight_bearing_date
        if fwb is not None and fwb < self.injury_date:
            raise ValueError("full weight-bearing date is before the injury date")
        return self


class CheckIn(BaseModel):
    """What the runner reported for one day, with or without a session.

    ``walk_min``/``run_min`` describe a session done by hand; pain fields are
    0-10 and ``None`` means "not reported" (never "pain-free").
    """

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    walk_min: float | None = Field(None, ge=0, le=600)
    run_min: float | None = Field(None, ge=0, le=600)
    pain_during: PainScore | None = None
    pain_after: PainScore | None = None
    pain_next_morning: PainScore | None = None
    night_pain: bool = False
    note: str = ""
    source: str = "log"
    correction: bool = Field(False, description="replaces the scores it gives for its date (needs a reason)")
    reason: str = Field("", description="why a correction was made")
    superseded_peak: PainScore | None = Field(
        None, description="highest score a correction lowered: a referral it triggered still stands"
    )

    @model_validator(mode="after")
    def _correction_has_reason(self) -> CheckIn:
        if self.correction and not self.reason.strip():
            raise ValueError("a correction needs a reason")
        return self

    @property
    def has_session(self) -> bool:
        return bool(self.walk_min) or bool(self.run_min)

    @property
    def max_pain(self) -> int | None:
        scores = [p for p in (self.pain_during, self.pain_after, self.pain_next_morning) if p is not None]
        return max(scores) if scores else None

    @property
    def any_pain(self) -> bool:
        return self.night_pain or (self.max_pain or 0) > 0

    def merged(self, newer: CheckIn) -> CheckIn:
        """This date's check-in with a later log applied (see ``walkrun.domain.diary.combine``)."""
        from walkrun.domain.diary import combine

        return combine(self, newer)
