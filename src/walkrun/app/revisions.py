"""What changed between two stored plan revisions, and which decisions explain it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from walkrun.app.athlete import plan_for
from walkrun.app.views import dumps, plan_view
from walkrun.plugins.manager import Registry
from walkrun.store import Store

REVISION_HORIZON_DAYS = 28


def store_revision(store: Store, registry: Registry, athlete_id: str, today: dt.date, reason: str) -> dict[str, Any]:
    """Store the plan as a revision when it changed; return its number and the diff from the previous one."""
    if today < store.profile(athlete_id).injury_date:
        return {"revision": None, "diff": None}
    view = plan_view(plan_for(store, registry, athlete_id, today, REVISION_HORIZON_DAYS).plan)
    before = store.revisions(athlete_id)
    rev = store.save_revision(athlete_id, today, reason, dumps(view))
    if rev is None or not before:
        return {"revision": rev, "diff": None}
    previous = int(str(before[-1]["rev"]))
    return {"revision": rev, "previous": previous, "diff": diff_plans(store.revision_plan(athlete_id, previous), view)}


def _sessions(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["slot"]: s for s in plan.get("sessions", [])}


def _decision_key(d: dict[str, Any]) -> tuple[str, str, str, str]:
    return (d["date"], d["action"], d["rule"], d["evidence"])


def diff_plans(older: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """Sessions added, dropped or changed from ``newer``'s today on, and the new real decisions."""
    start = newer["today"]
    old_s, new_s = _sessions(older), _sessions(newer)
    changed = []
    for slot in sorted(set(old_s) | set(new_s)):
        a, b = old_s.get(slot), new_s.get(slot)
        date = (b or a or {}).get("date", slot)
        if date < start:
            continue
        if a is None or b is None:
            continue
        # The title and durations are what a runner sees; the engine's level label alone is not a change.
        if (a["title"], a["run_s"], a["walk_s"]) != (b["title"], b["run_s"], b["walk_s"]):
            changed.append({"date": date, "from": a["title"], "to": b["title"], "reason": b.get("reason", "")})
    # Only compare slots both revisions cover: a later "today" just moves the window.
    end = min(
        max((s["date"] for s in old_s.values()), default=start), max((s["date"] for s in new_s.values()), default=start)
    )
    added = [
        {"date": s["date"], "title": s["title"]}
        for slot, s in sorted(new_s.items())
        if slot not in old_s and start <= s["date"] <= end and s["kind"] != "rest"
    ]
    dropped = [
        {"date": s["date"], "title": s["title"]}
        for slot, s in sorted(old_s.items())
        if slot not in new_s and start <= s["date"] <= end and s["kind"] != "rest"
    ]
    seen = {_decision_key(d) for d in older.get("decisions", []) if not d.get("projected")}
    decisions = [d for d in newer.get("decisions", []) if not d.get("projected") and _decision_key(d) not in seen]
    return {
        "from_today": older.get("today"),
        "to_today": newer.get("today"),
        "phase": {"from": older.get("phase"), "to": newer.get("phase")},
        "level": {"from": older.get("level"), "to": newer.get("level")},
        "changed_sessions": changed,
        "added_sessions": added,
        "dropped_sessions": dropped,
        "new_decisions": decisions,
    }
