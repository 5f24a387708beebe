"""The engine's input: what the runner did and reported, however it was recorded.

Hand-logged check-ins and imported watch activities both end up as
``DoneSession`` rows joined to their pain evidence, so the progression engine
never cares where a session came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.models import CheckIn, ClinicalTestResult


class DoneSession(BaseModel):
    """One completed walk or run, with the check-in that says how the hip felt."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    walk_s: int = Field(0, ge=0)
    brisk_walk_s: int = Field(0, ge=0)
    longest_brisk_walk_s: int = Field(0, ge=0)
    run_s: int = Field(0, ge=0)
    source: str = "log"
    activity_id: str | None = None
    checkin: CheckIn | None = Field(None, description="pain evidence; None means pain unknown")
    warnings: list[str] = Field(default_factory=list)


class History(BaseModel):
    model_config = ConfigDict(frozen=True)

    checkins: list[CheckIn] = Field(default_factory=list)
    clinical: list[ClinicalTestResult] = Field(default_factory=list)
    sessions: list[DoneSession] = Field(default_factory=list)


def merge_checkins(checkins: Iterable[CheckIn]) -> dict[dt.date, CheckIn]:
    """One check-in per day: the worst score recorded for a date stands (see ``walkrun.evidence.pain``)."""
    from walkrun.domain.diary import by_day

    return by_day(checkins)


def sessions_from_checkins(checkins: Iterable[CheckIn]) -> list[DoneSession]:
    """Sessions logged by hand: walking minutes are taken as one brisk walk."""
    out = []
    for c in merge_checkins(checkins).values():
        if not c.has_session:
            continue
        walk_s = round((c.walk_min or 0) * 60)
        out.append(
            DoneSession(
                date=c.date,
                walk_s=walk_s,
                brisk_walk_s=walk_s,
                longest_brisk_walk_s=walk_s,
                run_s=round((c.run_min or 0) * 60),
                source=c.source,
                checkin=c,
            )
        )
    return sorted(out, key=lambda s: s.date)


def history_from_log(checkins: list[CheckIn], clinical: list[ClinicalTestResult]) -> History:
    """History when only hand-logged check-ins exist (no imported activities)."""
    return History(checkins=checkins, clinical=clinical, sessions=sessions_from_checkins(checkins))
