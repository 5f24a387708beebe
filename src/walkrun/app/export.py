"""Plan -> writers: pick the registered writers, hand them state, store what they return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from walkrun.app.athlete import AthletePlan, plan_for
from walkrun.domain.errors import UsageError
from walkrun.domain.plan import Plan
from walkrun.engine.targets import EffortFacts, effort_from_activities
from walkrun.plugins.manager import Registry
from walkrun.plugins.writers import ExportContext, WriteResult, checked_result
from walkrun.store import Store

PAST_DAYS = 14  # calendars keep the last two weeks, showing what was actually done


@dataclass(frozen=True)
class Exported:
    writer: str
    paths: list[Path]


def parse_formats(value: str, registry: Registry) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise UsageError("--format needs at least one writer")
    for name in names:
        registry.writer(name)  # raises with the list of available writers
    return list(dict.fromkeys(names))


def export_plan(
    store: Store,
    registry: Registry,
    athlete_id: str,
    today: dt.date,
    formats: list[str],
    out_dir: Path,
    *,
    horizon_days: int,
    window_from: dt.date | None = None,
    options: dict[str, str] | None = None,
) -> tuple[AthletePlan, list[Exported]]:
    """Write the plan with each writer; per-writer state is kept in the store between exports."""
    if window_from is not None and window_from < today:
        raise UsageError(f"--from {window_from} is before today ({today}); past sessions are not in the plan")
    writers = {name: registry.writer(name)() for name in formats}
    lookback = max([PAST_DAYS, *(w.lookback_days for w in writers.values())])
    ap = plan_for(store, registry, athlete_id, today, horizon_days, lookback_days=lookback)
    plan = ap.plan
    opts = dict(options or {})
    if window_from is not None:
        plan = plan.model_copy(update={"sessions": [s for s in plan.sessions if s.date >= window_from]})
        opts["window_from"] = window_from.isoformat()
    # The last day this export covers: writers must not read "absent" beyond it as "dropped".
    opts["window_to"] = (today + dt.timedelta(days=max(horizon_days, 1) - 1)).isoformat()
    results = []
    effort = effort_facts(store, ap) if any(w.uses_effort for w in writers.values()) else EffortFacts()
    notes = store.notes(athlete_id)
    for name, writer in writers.items():
        context = ExportContext(
            profile=ap.profile, protocol=ap.protocol, history=ap.history, options=opts, effort=effort, coach_notes=notes
        )
        with registry.calling("writers", name):  # a plugin's crash or wrong return: one line naming it
            key = state_key(name, writer.state_scope(context, out_dir))
            context = context.model_copy(update={"state": _saved_state(store, athlete_id, name, key)})
            raw = writer.write(_with_past(plan, today, writer.lookback_days), context, out_dir)
            result = checked_result(raw, name)
        if isinstance(raw, WriteResult):
            store.save_writer_state(athlete_id, key, result.state)
        results.append(Exported(name, result.paths))
    return ap, results


EFFORT_RUNS = 8  # the most recent imported runs that heart rate and cadence are estimated from
EFFORT_MIN_RUN_S = 120


def effort_facts(store: Store, ap: AthletePlan) -> EffortFacts:
    """Heart rate from the profile when it has one, else estimated (with cadence and pace) from recent runs."""
    prefs = ap.profile.preferences
    runs = [a for a in ap.activities if a.classification.run_s >= EFFORT_MIN_RUN_S]
    runs.sort(key=lambda a: a.activity.start_utc, reverse=True)
    full = [store.activity(ap.profile.athlete_id, a.activity_id) for a in runs[:EFFORT_RUNS]]
    facts = effort_from_activities(full, prefs)
    # Preferences gain max/resting heart rate with the engine rework; read them when present.
    max_hr, rest_hr = getattr(prefs, "max_hr_bpm", None), getattr(prefs, "resting_hr_bpm", None)
    if isinstance(max_hr, int):
        rest = rest_hr if isinstance(rest_hr, int) else None
        facts = facts.model_copy(update={"max_hr_bpm": max_hr, "resting_hr_bpm": rest, "hr_from": "profile"})
    return facts


def _with_past(plan: Plan, today: dt.date, days: int) -> Plan:
    """The plan with only the last ``days`` before today in ``past``: each writer sees its own window."""
    since = today - dt.timedelta(days=days)
    past = [p for p in plan.past if p.session.date >= since]
    return plan if len(past) == len(plan.past) else plan.model_copy(update={"past": past})


def state_key(writer: str, scope: str) -> str:
    """The store key of one writer's state: the writer name, plus its scope when it has one."""
    return f"{writer}#{scope}" if scope else writer


def _saved_state(store: Store, athlete_id: str, writer: str, key: str) -> dict[str, str]:
    state = store.writer_state(athlete_id, key)
    if not state and key != writer:
        # A store from before per-output state: continue from the athlete-wide
        # state once, so events clients already hold keep their SEQUENCE.
        state = store.writer_state(athlete_id, writer)
    return state


FEED_STATE = "ics-feed"
FEED_WRITER = "ics"  # the registered writer that renders live feeds (a plugin may replace it, by opt-in)
FEED_HORIZON_DAYS = 12 * 7


def feed_calendar(store: Store, registry: Registry, athlete_id: str, today: dt.date) -> bytes:
    """The athlete's live calendar feed: the ics writer's output, with its own SEQUENCE state.

    The feed keeps state apart from file exports so each subscriber sees
    SEQUENCE rise exactly once per change, whichever way the plan was shared.
    """
    profile = store.profile(athlete_id)
    today = max(today, profile.injury_date)  # a profile entered ahead of time still gets a (quiet) feed
    ap = plan_for(store, registry, athlete_id, today, FEED_HORIZON_DAYS, lookback_days=PAST_DAYS)
    previous = store.writer_state(athlete_id, FEED_STATE)
    context = ExportContext(profile=ap.profile, protocol=ap.protocol, history=ap.history, options={}, state=previous)
    with registry.calling("writers", FEED_WRITER):
        data, state = registry.writer(FEED_WRITER)().render(ap.plan, context)
    if state != previous:  # calendar clients poll often; most polls change nothing
        store.save_writer_state(athlete_id, FEED_STATE, state)
    return data
