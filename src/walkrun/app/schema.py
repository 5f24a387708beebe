"""The JSON document the ``json`` writer produces, as types, and its JSON Schema.

The models below mirror :func:`walkrun.app.views.plan_view` key for
key. They exist so the schema is *generated* rather than hand-written, and so a
test can check real writer output against them: every object forbids unknown
keys and requires every key the view always emits, so a change to the view
that is not mirrored here fails loudly instead of shipping an out-of-date
schema. ``docs/plan.schema.json`` is this module's output, committed::

    python -m walkrun.app.schema > docs/plan.schema.json
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from walkrun.app.views import dumps
from walkrun.domain.models import Condition, Side
from walkrun.domain.plan import Phase, SessionKind, StepKind
from walkrun.domain.vocab import Action

SCHEMA_ID = "walkrun-plan/1"
"""Value of the document's ``schema`` key; bump the number on an incompatible change."""

Seconds = Annotated[int, Field(ge=0, description="seconds")]


def _omitted(schema: JsonDict) -> None:
    """Optional keys are absent rather than null, so a null default would be a lie."""
    schema.pop("default", None)


class _Doc(BaseModel):
    # Unknown keys are errors: that is what makes a drifted view fail the tests.
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepDoc(_Doc):
    """One instruction; a ``repeat`` step holds its children in ``steps``."""

    kind: StepKind
    # The view *omits* these keys when empty and never writes null, so null is
    # kept out of the schema (SkipJsonSchema, no default) while Python may use it.
    duration_s: Seconds | SkipJsonSchema[None] = Field(None, json_schema_extra=_omitted)
    repeat_count: Annotated[int, Field(ge=1)] | SkipJsonSchema[None] = Field(None, json_schema_extra=_omitted)
    steps: list[StepDoc] | SkipJsonSchema[None] = Field(None, json_schema_extra=_omitted)
    exercises: list[str] | SkipJsonSchema[None] = Field(None, json_schema_extra=_omitted)
    label: str | SkipJsonSchema[None] = Field(None, json_schema_extra=_omitted)

    @model_validator(mode="before")
    @classmethod
    def _absent_not_null(cls, data: Any) -> Any:
        # Keep Python validation as strict as the published schema.
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(f"{', '.join(nulls)}: omit the key instead of writing null")
        return data


class SessionDoc(_Doc):
    """One planned day: what to do, how hard, and the rule behind it."""

    date: dt.date
    slot: Annotated[str, Field(description="stable key for this plan slot (athlete-independent)")]
    kind: SessionKind
    phase: Phase
    level: str | None
    title: str
    steps: list[StepDoc]
    run_s: Seconds
    walk_s: Seconds
    total_s: Seconds
    intensity: str
    reason: Annotated[str, Field(description="the evidence behind this session, in plain words")]
    rule: Annotated[str, Field(description="the rule that set this session")]
    source: Annotated[str, Field(description="the citation behind that rule")]
    capped: Annotated[bool, Field(description="shortened by the weekly cap: does not count toward the next level")]
    provisional: Annotated[bool, Field(description="depends on earlier planned sessions going cleanly")]


class DecisionDoc(_Doc):
    """Why the plan changed: the rule that fired, the evidence it used, its source."""

    date: dt.date
    action: Action
    rule: str
    evidence: str
    source: str
    level_from: str | None
    level_to: str | None
    projected: Annotated[bool, Field(description="assumes the planned sessions before it go cleanly")]


class CriterionDoc(_Doc):
    """One condition of the gate to running."""

    name: str
    met: bool
    evidence: str
    source: str


class GateDoc(_Doc):
    """Whether running is allowed yet, and why (not)."""

    open: bool
    opened_on: dt.date | None
    earliest_date: Annotated[dt.date | None, Field(description="first day the time criterion allows")]
    criteria: list[CriterionDoc]


class WarningDoc(_Doc):
    """Something the runner or coach should look at (e.g. running before the gate)."""

    date: dt.date
    kind: str
    message: str


class PlanDoc(_Doc):
    """The plan as ``walkrun plan --json`` prints it (``walkrun.app.views.plan_view``)."""

    athlete: str
    protocol: str
    today: dt.date
    phase: Phase
    level: str | None
    gate: GateDoc
    sessions: list[SessionDoc]
    decisions: list[DecisionDoc]
    warnings: list[WarningDoc]


class AthleteDoc(_Doc):
    """A summary of the athlete profile the plan was made for."""

    id: str
    name: str
    condition: Condition
    side: Side
    injury_date: dt.date
    full_weight_bearing_date: dt.date | None
    grade: Annotated[int | None, Field(description="MRI grade, if known")]
    surgery: bool
    goal_run_min: Annotated[int, Field(description="continuous easy running goal, minutes")]
    timezone: str


class ProtocolDoc(_Doc):
    """Which rehab protocol produced the plan."""

    id: str
    name: str


class PastDoc(_Doc):
    """A recent day before today, as the calendar shows it: what was planned and what was done."""

    date: dt.date
    slot: Annotated[str, Field(description="the plan slot; the calendar event's UID derives from it")]
    status: Annotated[str, Field(description="done | partial | overdone | missed | unplanned | rest")]
    planned: SessionDoc
    done_run_s: Seconds
    done_walk_s: Seconds
    sources: Annotated[
        list[str], Field(description="file names as import:NAME (never a folder), or log | diary | tag | done")
    ]
    adherence: Annotated[str, Field(description="plain-words comparison with the prescription")]
    pain: Annotated[str, Field(description="pain reported for that day, if any")]


class PlanDocument(_Doc):
    """The file the ``json`` writer writes: ``<athlete>-plan.json``."""

    # Aliased because ``schema`` is a (deprecated) BaseModel method name.
    schema_: Literal["walkrun-plan/1"] = Field(alias="schema")
    plan: PlanDoc
    athlete: AthleteDoc
    protocol: ProtocolDoc
    past: Annotated[list[PastDoc], Field(description="the recent days the calendar also shows, oldest first")]


def plan_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) for the ``json`` writer's document."""
    generated = PlanDocument.model_json_schema(by_alias=True)
    # Put the dialect and identity first so the committed file reads top-down.
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:walkrun:schema:{SCHEMA_ID}",
        **generated,
        "title": "walkrun plan document",
    }


def plan_json_schema_text() -> str:
    """The schema exactly as committed in ``docs/plan.schema.json``."""
    return dumps(plan_json_schema())


if __name__ == "__main__":
    sys.stdout.write(plan_json_schema_text())
