"""What the progression engine produces: dated sessions, gate status, decisions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.vocab import Action, SessionStatus, WarningKind


class Phase(StrEnum):
    WEIGHT_BEARING = "weight-bearing"
    BRISK_WALK = "brisk-walk"
    GATE = "gate"
    WALK_RUN = "walk-run"
    CONTINUOUS = "continuous"
    REFERRED = "referred"


class StepKind(StrEnum):
    WARMUP = "warmup"
    RUN = "run"
    WALK = "walk"
    BRISK_WALK = "brisk_walk"
    COOLDOWN = "cooldown"
    REPEAT = "repeat"
    STRENGTH = "strength"
    CROSS_TRAINING = "cross_training"
    REST = "rest"


class SessionKind(StrEnum):
    BRISK_WALK = "brisk_walk"
    WALK_RUN = "walk_run"
    RUN = "run"
    STRENGTH = "strength"
    CROSS_TRAINING = "cross_training"
    REST = "rest"


class Step(BaseModel):
    """One instruction; a REPEAT step holds its children in ``steps``."""

    model_config = ConfigDict(frozen=True)

    kind: StepKind
    duration_s: int | None = Field(None, ge=0)
    repeat_count: int | None = Field(None, ge=1)
    steps: list[Step] = Field(default_factory=list)
    exercises: list[str] = Field(default_factory=list)
    label: str = ""

    @property
    def total_s(self) -> int:
        if self.kind is StepKind.REPEAT:
            return (self.repeat_count or 1) * sum(s.total_s for s in self.steps)
        return self.duration_s or 0

    def seconds_of(self, kinds: set[StepKind]) -> int:
        if self.kind is StepKind.REPEAT:
            return (self.repeat_count or 1) * sum(s.seconds_of(kinds) for s in self.steps)
        return (self.duration_s or 0) if self.kind in kinds else 0


RUN_KINDS = {StepKind.RUN}
WALK_KINDS = {StepKind.WALK, StepKind.BRISK_WALK, StepKind.WARMUP, StepKind.COOLDOWN}


class Decision(BaseModel):
    """Why the plan is what it is: the rule that fired, the evidence, the source."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    action: Action
    rule: str
    evidence: str
    source: str
    level_from: str | None = None
    level_to: str | None = None
    projected: bool = Field(False, description="assumes the planned sessions before it go cleanly")


class Session(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: dt.date
    slot: str = Field(description="stable key for this plan slot (athlete-independent)")
    kind: SessionKind
    phase: Phase
    level: str | None = None
    title: str
    steps: list[Step]
    run_s: int = Field(ge=0)
    walk_s: int = Field(ge=0)
    total_s: int = Field(ge=0)
    intensity: str = ""
    reason: str = Field("", description="the evidence behind this session, in plain words")
    rule: str = Field("", description="the rule that set this session")
    source: str = Field("", description="the citation behind that rule")
    capped: bool = Field(False, description="shortened by the weekly cap: does not count toward the next level")
    provisional: bool = Field(False, description="depends on earlier planned sessions going cleanly")


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    met: bool
    evidence: str
    source: str


class GateStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    open: bool
    opened_on: dt.date | None = None
    criteria: list[Criterion]
    earliest_date: dt.date | None = Field(None, description="first day the time criterion allows")


class Warning_(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: dt.date
    kind: WarningKind
    message: str


class PastSession(BaseModel):
    """A day before today: what was planned then, and what was actually done."""

    model_config = ConfigDict(frozen=True)

    session: Session
    status: SessionStatus
    done_run_s: int = 0
    done_walk_s: int = 0
    sources: list[str] = Field(default_factory=list, description="activity files or 'log'")
    adherence: str = Field("", description="plain-words comparison with the prescription")
    pain: str = Field("", description="pain reported for that day, if any")


class Plan(BaseModel):
    """The engine's whole answer for one athlete on one day."""

    model_config = ConfigDict(frozen=True)

    athlete_id: str
    protocol_id: str
    today: dt.date
    phase: Phase
    level: str | None
    gate: GateStatus
    sessions: list[Session]
    decisions: list[Decision]
    warnings: list[Warning_] = Field(default_factory=list)
    history_days: int = Field(0, description="days replayed from injury to today")
    past: list[PastSession] = Field(default_factory=list, description="the lookback window before today")

    def session_on(self, day: dt.date) -> Session | None:
        return next((s for s in self.sessions if s.date == day), None)
