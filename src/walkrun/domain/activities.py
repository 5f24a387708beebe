"""Activities as readers produce them: one per recorded session, units in names."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from walkrun.domain.sample_columns import SampleColumns

__all__ = ["Activity", "Lap", "LapIntensity", "Sample", "SampleColumns", "rpe_from_tenths", "rpe_on_scale"]

RPE_MIN, RPE_MAX = 1.0, 10.0  # Activity.rpe's one scale (Borg CR10-like), whatever the source used


def rpe_on_scale(value: float | None) -> float | None:
    """A 1-10 RPE as a source gave it, or None when it is missing or off the scale (0 means "not set")."""
    if value is None or not RPE_MIN <= value <= RPE_MAX:
        return None
    return float(value)


def rpe_from_tenths(value: float | None) -> float | None:
    """Garmin's RPE (FIT session field 193, ``workoutRpe`` in summaries) is 10-100: ten times the 1-10 scale."""
    return rpe_on_scale(value / 10) if value is not None else None


class Sample(BaseModel):
    """One recorded point. ``t_s`` is seconds since the activity start."""

    model_config = ConfigDict(frozen=True)

    t_s: float = Field(ge=0)
    speed_mps: float | None = Field(None, ge=0)
    cadence_spm: float | None = Field(None, ge=0, description="steps per minute (FIT strides x 2)")
    heart_rate_bpm: int | None = Field(None, ge=0)
    distance_m: float | None = Field(None, ge=0)


class LapIntensity(StrEnum):
    """What a lap was for, when the device says (the FIT ``intensity`` enum; TCX says active or resting)."""

    ACTIVE = "active"
    REST = "rest"
    WARMUP = "warmup"
    COOLDOWN = "cooldown"
    RECOVERY = "recovery"
    INTERVAL = "interval"
    OTHER = "other"


class Lap(BaseModel):
    model_config = ConfigDict(frozen=True)

    start_s: float = Field(ge=0, description="seconds since the activity start")
    elapsed_s: float = Field(ge=0)
    moving_s: float | None = Field(None, ge=0)
    distance_m: float | None = Field(None, ge=0)
    intensity: LapIntensity | None = Field(None, description="what the lap was for, when the device says")
    name: str = ""

    @field_validator("intensity", mode="before")
    @classmethod
    def _known_intensity(cls, value: object) -> object:
        # Readers convert their format's words (TCX "Resting" is rest); a word walkrun does not
        # know is kept as "other", never guessed into a known one.
        if value is None or isinstance(value, LapIntensity):
            return value
        word = str(value).strip().lower()
        return LapIntensity(word) if word in LapIntensity._value2member_map_ else LapIntensity.OTHER


class Activity(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str = Field(description="file (and archive member) it came from")
    content_hash: str = Field("", description="sha256 of the file's decompressed bytes")
    index: int = Field(0, description="position inside a multi-session file")
    sport: str = "unknown"
    sub_sport: str | None = None
    start_utc: dt.datetime
    utc_offset_s: int | None = Field(None, description="local time minus UTC, when the file says")
    elapsed_s: float = Field(ge=0)
    moving_s: float | None = Field(None, ge=0)
    distance_m: float | None = Field(None, ge=0)
    columns: SampleColumns = Field(
        default_factory=SampleColumns.empty, description="the recorded points, one typed array per quantity"
    )
    laps: list[Lap] = Field(default_factory=list)
    device: str | None = None
    name: str = ""
    description: str = ""
    private_note: str = ""
    rpe: float | None = Field(
        None, ge=RPE_MIN, le=RPE_MAX, description="perceived exertion, 1-10 (readers convert); never pain"
    )
    feel: float | None = Field(None, description="Garmin's workout feel, 0-100 as FIT and Garmin give it; never pain")
    warnings: list[str] = Field(default_factory=list, description="what the reader left out or corrected, and why")

    @model_validator(mode="before")
    @classmethod
    def _samples_to_columns(cls, data: Any) -> Any:
        # Stores written before samples travelled as columns hold a JSON list of sample dicts
        # under "samples"; tests and plugins may still pass Sample objects. Both become columns.
        if isinstance(data, dict) and "samples" in data:
            data = dict(data)
            rows = data.pop("samples") or []
            if "columns" not in data:
                data["columns"] = SampleColumns.from_samples(
                    [r.model_dump() if isinstance(r, Sample) else r for r in rows]
                )
        return data

    @property
    def samples(self) -> list[Sample]:
        """The points one object each, built on demand: for callers that want rows, not for hot paths."""
        c = self.columns
        return [
            Sample.model_construct(
                t_s=t,
                speed_mps=None if v != v else v,
                cadence_spm=None if k != k else k,
                heart_rate_bpm=None if h != h else int(h),
                distance_m=None if d != d else d,
            )
            for t, v, k, h, d in zip(c.time_s, c.speed_mps, c.cadence_spm, c.heart_rate_bpm, c.distance_m, strict=True)
        ]

    @field_validator("rpe", mode="before")
    @classmethod
    def _rpe_scale(cls, value: object, info: ValidationInfo) -> object:
        # Stores written before RPE had one scale hold Garmin summaries' 10-100 values as given;
        # above 10 can only be that scale. Only stored JSON is read this way: a reader that
        # builds an Activity with 40 gets a validation error and must convert (rpe_from_tenths).
        if info.mode != "json" or isinstance(value, bool) or not isinstance(value, int | float):
            return value
        return value / 10 if RPE_MAX < value <= 10 * RPE_MAX else value

    @field_validator("start_utc")
    @classmethod
    def _aware_utc(cls, value: dt.datetime) -> dt.datetime:
        # A naive time from a file is UTC by the formats' own rules; never the machine's zone.
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @property
    def activity_id(self) -> str:
        return f"{self.content_hash[:16]}-{self.index}" if self.content_hash else f"{self.source}#{self.index}"

    def local_date(self, fallback_tz: dt.tzinfo | None = None) -> dt.date:
        if self.utc_offset_s is not None:
            return (self.start_utc + dt.timedelta(seconds=self.utc_offset_s)).date()
        if fallback_tz is not None:
            return self.start_utc.astimezone(fallback_tz).date()
        return self.start_utc.date()
