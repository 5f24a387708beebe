"""Plain-data views of a plan: the documented ``--json`` shapes.

Keys are stable for scripts; see README "JSON output".
"""

from __future__ import annotations

import json
from typing import Any

from walkrun.domain.plan import Decision, GateStatus, Plan, Session, Step
from walkrun.domain.protocol import Protocol


def dumps(data: Any) -> str:
    """Deterministic JSON: same data, same bytes."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def step_view(step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": step.kind.value}
    if step.duration_s is not None:
        out["duration_s"] = step.duration_s
    if step.repeat_count is not None:
        out["repeat_count"] = step.repeat_count
        out["steps"] = [step_view(s) for s in step.steps]
    if step.exercises:
        out["exercises"] = list(step.exercises)
    if step.label:
        out["label"] = step.label
    return out


def session_view(s: Session) -> dict[str, Any]:
    return {
        "date": s.date.isoformat(),
        "slot": s.slot,
        "kind": s.kind.value,
        "phase": s.phase.value,
        "level": s.level,
        "title": s.title,
        "steps": [step_view(st) for st in s.steps],
        "run_s": s.run_s,
        "walk_s": s.walk_s,
        "total_s": s.total_s,
        "intensity": s.intensity,
        "reason": s.reason,
        "rule": s.rule,
        "source": s.source,
        "capped": s.capped,
        "provisional": s.provisional,
    }


def decision_view(d: Decision) -> dict[str, Any]:
    return {
        "date": d.date.isoformat(),
        "action": d.action,
        "rule": d.rule,
        "evidence": d.evidence,
        "source": d.source,
        "level_from": d.level_from,
        "level_to": d.level_to,
        "projected": d.projected,
    }


def gate_view(g: GateStatus) -> dict[str, Any]:
    return {
        "open": g.open,
        "opened_on": g.opened_on.isoformat() if g.opened_on else None,
        "earliest_date": g.earliest_date.isoformat() if g.earliest_date else None,
        "criteria": [{"name": c.name, "met": c.met, "evidence": c.evidence, "source": c.source} for c in g.criteria],
    }


def plan_view(plan: Plan) -> dict[str, Any]:
    return {
        "athlete": plan.athlete_id,
        "protocol": plan.protocol_id,
        "today": plan.today.isoformat(),
        "phase": plan.phase.value,
        "level": plan.level,
        "gate": gate_view(plan.gate),
        "sessions": [session_view(s) for s in plan.sessions],
        "decisions": [decision_view(d) for d in plan.decisions],
        "warnings": [{"date": w.date.isoformat(), "kind": w.kind, "message": w.message} for w in plan.warnings],
    }


def status_view(plan: Plan, next_n: int = 7) -> dict[str, Any]:
    upcoming = [s for s in plan.sessions if s.kind.value != "rest"][:next_n]
    last = _last_real(plan.decisions)
    return {
        "athlete": plan.athlete_id,
        "protocol": plan.protocol_id,
        "today": plan.today.isoformat(),
        "phase": plan.phase.value,
        "level": plan.level,
        "gate": gate_view(plan.gate),
        "today_session": session_view(plan.sessions[0]) if plan.sessions else None,
        "next_sessions": [session_view(s) for s in upcoming],
        "warnings": [{"date": w.date.isoformat(), "kind": w.kind, "message": w.message} for w in plan.warnings],
        "last_decision": decision_view(last) if last else None,
    }


def _last_real(decisions: list[Decision]) -> Decision | None:
    real = [d for d in decisions if not d.projected]
    return real[-1] if real else None


def protocol_view(p: Protocol) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "summary": " ".join(p.summary.split()),
        "tissue": p.pain.tissue.value,
        "conditions": [c.value for c in p.conditions],
        "default_for": [c.value for c in p.default_for],
        "required_clinical_tests": list(p.gate.required_tests),
        "clinical_tests": [{"id": t.id, "name": t.name, "how": t.how, "hop": t.hop} for t in p.clinical_tests],
        "gate": {
            "min_weeks_since_injury": p.gate.min_weeks_since_injury,
            "walk_min": p.gate.walk_min,
            "walks_per_week": p.gate.walks_per_week,
            "window_weeks": p.gate.window_weeks,
            "pain_free_days": p.gate.pain_free_days,
        },
        "walk_build_min": p.walk.levels_min,
        "levels": [
            {
                "id": lv.id,
                "name": lv.name,
                "repeats": lv.repeats,
                "pattern": [{"kind": b.kind, "min": b.min} for b in lv.pattern],
                "run_s": lv.run_s,
                "walk_s": lv.walk_s,
            }
            for lv in p.walk_run.levels
        ],
        "continuous_min": list(p.continuous.durations_min),
        "sessions_to_advance": p.walk_run.sessions_to_advance,
        "min_days_at_level": p.walk_run.min_days_at_level,
        "pain_rules": [
            {"id": r.id, "signal": r.signal, "min_score": r.min_score, "action": r.action, "says": r.says}
            for r in p.pain.rules
        ],
        "sources": {k: p.cite(k) for k in sorted(p.sources)},
    }
