"""The plan as one JSON document, for scripts and other tools.

The document wraps the same ``plan_view`` shape that ``walkrun plan --json``
prints, so a script written against the CLI reads the file unchanged. Its
JSON Schema is generated in :mod:`walkrun.app.schema` and committed as
``docs/plan.schema.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from walkrun.app.schema import SCHEMA_ID, plan_json_schema
from walkrun.app.views import dumps, plan_view, session_view
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import PastSession, Plan
from walkrun.domain.protocol import Protocol
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.writers import ExportContext, Writer, atomic_write, source_name

__all__ = ["JsonWriter", "athlete_summary", "past_view", "plan_document", "plan_from_view", "plan_json_schema"]


def athlete_summary(profile: AthleteProfile) -> dict[str, Any]:
    """Who the plan is for; clearances and device thresholds stay in the store."""
    return {
        "id": profile.athlete_id,
        "name": profile.name,
        "condition": profile.condition.value,
        "side": profile.side.value,
        "injury_date": profile.injury_date.isoformat(),
        "full_weight_bearing_date": (
            profile.full_weight_bearing_date.isoformat() if profile.full_weight_bearing_date else None
        ),
        "grade": profile.grade,
        "surgery": profile.surgery,
        "goal_run_min": profile.preferences.goal_run_min,
        "timezone": profile.preferences.timezone,
    }


def past_view(past: PastSession) -> dict[str, Any]:
    """A day gone by: the same facts the calendar event for that day describes."""
    return {
        "date": past.session.date.isoformat(),
        "slot": past.session.slot,
        "status": past.status,
        "planned": session_view(past.session),
        "done_run_s": past.done_run_s,
        "done_walk_s": past.done_walk_s,
        "sources": [source_name(s) for s in past.sources],
        "adherence": past.adherence,
        "pain": past.pain,
    }


def plan_document(plan: Plan, profile: AthleteProfile, protocol: Protocol) -> dict[str, Any]:
    """The whole document the writer saves, as plain data."""
    return {
        "schema": SCHEMA_ID,
        "plan": plan_view(plan),
        "athlete": athlete_summary(profile),
        "protocol": {"id": protocol.id, "name": protocol.name},
        "past": [past_view(p) for p in sorted(plan.past, key=lambda p: p.session.date)],
    }


def plan_from_view(view: Mapping[str, Any]) -> Plan:
    """Rebuild a :class:`Plan` from ``plan_view`` data (e.g. a document's ``plan``).

    ``history_days`` is not part of the view, so it comes back as 0.
    """
    data = dict(view)
    data["athlete_id"] = data.pop("athlete")
    data["protocol_id"] = data.pop("protocol")
    return Plan.model_validate(data)


class JsonWriter(Writer):
    """``<athlete>-plan.json``: the plan, athlete summary and protocol, schema ``walkrun-plan/1``."""

    name = "json"
    description = "The plan as a JSON document (schema walkrun-plan/1, see docs/plan.schema.json)"
    extension = ".json"

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        text = dumps(plan_document(plan, context.profile, context.protocol))
        return [atomic_write(out_dir / f"{plan.athlete_id}-plan.json", text.encode("utf-8"))]


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(JsonWriter)
