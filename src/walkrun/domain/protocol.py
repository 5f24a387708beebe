"""Rehab protocols as data: the pydantic schema every protocol file must satisfy.

A protocol says *what* the clinical rules are (numbers, ladders, pain rules)
and *where each came from*; ``progression.py`` only applies them.
"""

from __future__ import annotations

import itertools
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from walkrun.domain import citations
from walkrun.domain.errors import ProtocolError
from walkrun.domain.models import Condition
from walkrun.domain.vocab import PainAction, PainSignal


class Tissue(StrEnum):
    BONE = "bone"
    SOFT_TISSUE = "soft-tissue"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A citation a physio can look up: a key into walkrun's bibliography, or written out in full."""

    cite: str = Field("", description="key into walkrun's shipped bibliography (walkrun.domain.citations)")
    note: str = Field("", description="what in the source this rule rests on")
    authors: str = ""
    year: int | None = None
    title: str = ""
    venue: str = Field("", description="journal, publisher or site")
    doi: str = ""
    url: str = ""
    walkrun_default: bool = Field(False, description="walkrun's own conservative choice, not a published finding")

    @model_validator(mode="after")
    def _real_citation(self) -> Source:
        resolved = citations.resolve(self)
        if not resolved.title:
            raise ValueError("a source needs a bibliography key (cite) or a title")
        if not (resolved.doi or resolved.url or resolved.venue or resolved.walkrun_default):
            raise ValueError(f"source {resolved.title!r} needs a journal/publisher, DOI or URL")
        return self


class Sourced(_Strict):
    source: str = Field(description="key into the protocol's [sources] table")


class WeightBearing(Sourced):
    non_weight_bearing_weeks: tuple[int, int] = (6, 8)
    severe_non_weight_bearing_weeks: tuple[int, int] = (12, 14)
    partial_weight_bearing_weeks: tuple[int, int] = (1, 2)
    exercises: list[str] = Field(default_factory=list)


class WalkBuild(Sourced):
    start_min: int = Field(ge=5)
    goal_min: int = Field(ge=10)
    step_min: int = Field(ge=1)
    sessions_to_advance: int = Field(ge=1)
    min_days_at_level: int = Field(ge=1)

    @property
    def levels_min(self) -> list[int]:
        levels = list(range(self.start_min, self.goal_min, self.step_min))
        return [*levels, self.goal_min]


class ClinicalTest(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    how: str
    source: str
    hop: bool = False


class Gate(Sourced):
    min_weeks_since_injury: int = Field(ge=0)
    walk_min: int = Field(ge=5, description="a qualifying brisk walk lasts at least this long")
    walks_per_week: int = Field(ge=1)
    window_weeks: int = Field(ge=1)
    pain_free_days: int = Field(0, ge=0, description="no reported pain in this many days")
    required_tests: list[str] = Field(default_factory=list)
    required_clearances: list[str] = Field(default_factory=list)
    surgery_clearances: list[str] = Field(default_factory=list)
    tests_valid_days: int = Field(14, ge=1, description="each required test must have passed this recently")
    tests_source: str = ""
    walks_source: str = ""
    weeks_source: str = ""


class StrengthStage(_Strict):
    name: str
    exercises: list[str]
    plyometric: bool = Field(False, description="hops/jumps: locked at a bone site until hop tests are cleared")


class Strength(Sourced):
    stage_weeks: tuple[int, int] = Field(description="each stage lasts min..max weeks")
    stages: list[StrengthStage]
    cross_training: list[str] = Field(default_factory=list)
    drills_from_stage: int = Field(1, ge=1)


class ClearanceDrills(Sourced):
    drills: list[str] = Field(min_length=1)


class Block(_Strict):
    kind: Literal["run", "walk"]
    min: float = Field(gt=0)


class WalkRunLevel(_Strict):
    id: str
    name: str = ""
    repeats: int = Field(ge=1)
    pattern: list[Block] = Field(min_length=1)

    @property
    def run_s(self) -> int:
        return round(self.repeats * sum(b.min for b in self.pattern if b.kind == "run") * 60)

    @property
    def walk_s(self) -> int:
        return round(self.repeats * sum(b.min for b in self.pattern if b.kind == "walk") * 60)

    @property
    def ratio(self) -> float:
        return self.run_s / self.walk_s if self.walk_s else float("inf")


class WalkRun(Sourced):
    levels: list[WalkRunLevel] = Field(min_length=1)
    sessions_to_advance: int = Field(ge=1)
    min_days_at_level: int = Field(ge=1)
    warmup_min: float = Field(0, ge=0)
    cooldown_min: float = Field(0, ge=0)
    no_consecutive_run_days_weeks: int = Field(ge=0)
    intensity: str = "easy, conversational"
    max_run_rise_pct: float = Field(
        100, gt=0, le=100, description="a level's running minutes exceed the previous level's by at most this share"
    )
    overdone_pct: float = Field(10, gt=0, le=50, description="running more than this share over never counts")
    underdone_pct: float = Field(10, gt=0, le=50, description="running this share short is not a completed session")
    rest_days_source: str = ""
    advance_source: str = ""
    tolerance_source: str = ""

    @model_validator(mode="after")
    def _no_big_jumps(self) -> WalkRun:
        limit = 1 + self.max_run_rise_pct / 100
        for a, b in itertools.pairwise(self.levels):
            if b.run_s > a.run_s * limit + 1e-9:
                raise ValueError(
                    f"walk-run level {b.id} runs {b.run_s // 60} min, more than {self.max_run_rise_pct:g}% over "
                    f"{a.id}'s {a.run_s // 60} min"
                )
        return self


class Breaks(Sourced):
    """Days without running that cost levels: the longer the break, the further back."""

    drop_one_after_days: int = Field(14, ge=1)
    restart_after_days: int = Field(28, ge=1)
    regate_after_days: int = Field(56, ge=1, description="a break this long closes the gate until it is met again")

    @model_validator(mode="after")
    def _ordered(self) -> Breaks:
        if not self.drop_one_after_days < self.restart_after_days <= self.regate_after_days:
            raise ValueError("breaks must satisfy drop_one_after_days < restart_after_days <= regate_after_days")
        return self


class Continuous(Sourced):
    durations_min: list[int] = Field(min_length=1)
    max_weekly_increase_pct: float = Field(gt=0, le=10)
    min_session_min: int = Field(ge=5)

    @model_validator(mode="after")
    def _steps_within_cap(self) -> Continuous:
        d = self.durations_min
        limit = 1 + self.max_weekly_increase_pct / 100
        for a, b in itertools.pairwise(d):
            if not a < b <= a * limit + 1e-9:
                raise ValueError(f"continuous step {a}->{b} min must rise and stay within the weekly cap")
        return self


class PainRule(Sourced):
    id: str
    signal: PainSignal
    min_score: int = Field(0, ge=0, le=10, description="fires when the score is >= this (night: ignored)")
    action: PainAction
    levels: int = Field(1, ge=0)
    rest_days: int = Field(0, ge=0)
    says: str


class PainPolicy(Sourced):
    tissue: Tissue
    clean_max_during: int = Field(ge=0, le=10)
    clean_max_after: int = Field(ge=0, le=10)
    clean_max_next_morning: int = Field(ge=0, le=10)
    require_next_morning: bool
    rules: list[PainRule] = Field(min_length=1)


class Protocol(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    summary: str
    conditions: list[Condition] = Field(min_length=1)
    default_for: list[Condition] = Field(default_factory=list)
    sources: dict[str, Source]
    weight_bearing: WeightBearing | None = None
    walk: WalkBuild
    gate: Gate
    clinical_tests: list[ClinicalTest] = Field(default_factory=list)
    strength: Strength | None = None
    clearance_drills: ClearanceDrills | None = None
    walk_run: WalkRun
    continuous: Continuous
    breaks: Breaks
    pain: PainPolicy

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        keys = set(self.sources)
        cited: list[tuple[str, str]] = []

        def cite(where: str, key: str) -> None:
            if key:
                cited.append((where, key))

        for name in (
            "weight_bearing",
            "walk",
            "gate",
            "strength",
            "clearance_drills",
            "walk_run",
            "continuous",
            "breaks",
            "pain",
        ):
            section = getattr(self, name)
            if section is not None:
                cite(name, section.source)
        for rule in self.pain.rules:
            cite(f"pain rule {rule.id}", rule.source)
        for test in self.clinical_tests:
            cite(f"clinical test {test.id}", test.source)
        for where, key in (
            ("gate.tests_source", self.gate.tests_source),
            ("gate.walks_source", self.gate.walks_source),
            ("gate.weeks_source", self.gate.weeks_source),
            ("walk_run.rest_days_source", self.walk_run.rest_days_source),
            ("walk_run.advance_source", self.walk_run.advance_source),
            ("walk_run.tolerance_source", self.walk_run.tolerance_source),
        ):
            cite(where, key)
        missing = [f"{where} cites unknown source {key!r}" for where, key in cited if key not in keys]
        if missing:
            raise ValueError("; ".join(missing))
        test_ids = {t.id for t in self.clinical_tests}
        unknown = [t for t in self.gate.required_tests if t not in test_ids]
        if unknown:
            raise ValueError(f"gate requires tests not defined in clinical_tests: {unknown}")
        hop_required = [t.id for t in self.clinical_tests if t.hop and t.id in self.gate.required_tests]
        if hop_required and self.pain.tissue is Tissue.BONE:
            raise ValueError(f"a bone protocol may not require hop tests at the gate: {hop_required}")
        stray = [c for c in self.default_for if c not in self.conditions]
        if stray:
            raise ValueError(f"default_for lists conditions the protocol does not cover: {stray}")
        ids = [lv.id for lv in self.walk_run.levels]
        if len(set(ids)) != len(ids):
            raise ValueError("walk-run level ids must be unique")
        if self.walk.goal_min < self.gate.walk_min:
            raise ValueError("the walk build-up must reach the gate's walk length")
        return self

    @property
    def is_bone(self) -> bool:
        return self.pain.tissue is Tissue.BONE

    def cite(self, key: str) -> str:
        """The full citation behind a [sources] key, as a physio would look it up."""
        return citations.format_citation(self.sources[key])

    def test(self, test_id: str) -> ClinicalTest | None:
        return next((t for t in self.clinical_tests if t.id == test_id), None)


def load_protocol_file(path: Path) -> Protocol:
    """Parse and validate one protocol TOML file; errors name the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path}: cannot read protocol file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ProtocolError(f"{path}: invalid protocol at {where}: {first['msg']}") from exc


def builtin_protocol_dir() -> Path:
    return Path(__file__).parent.parent / "protocols"
