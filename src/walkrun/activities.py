"""Activities as readers produce them: one per recorded session, units in names."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Sample(BaseModel):
    """One recorded point. ``t_s`` is seconds since the activity start."""

    model_config = ConfigDict(frozen=True)

    t_s: float = Field(ge=0)
    speed_mps: float | None = Field(None, ge=0)
    cadence_spm: float | None = Field(None, ge=0, description="steps per minute (FIT strides x 2)")
    heart_rate_bpm: int | None = Field(None, ge=0)
    distance_m: float | None = Field(None, ge=0)


class Lap(BaseModel):
    model_config = ConfigDict(frozen=True)

    start_s: float = Field(ge=0, description="seconds since the activity start")
    elapsed_s: float = Field(ge=0)
    moving_s: float | None = Field(None, ge=0)
    distance_m: float | None = Field(None, ge=0)
    intensity: str | None = Field(None, description="active / rest / warmup / cooldown when the device says")
    name: str = ""


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
    samples: list[Sample] = Field(default_factory=list)
    laps: list[Lap] = Field(default_factory=list)
    device: str | None = None
    name: str = ""
    description: str = ""
    private_note: str = ""
    rpe: float | None = Field(None, description="perceived exertion as the source gives it; never pain")
    feel: float | None = Field(None, description="workout feel as the source gives it; never pain")
    warnings: list[str] = Field(default_factory=list, description="what the reader left out or corrected, and why")

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
