"""Store + plugins -> the engine's inputs for one athlete, and the plan they give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from walkrun.domain.history import DoneSession, History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan, Session
from walkrun.domain.protocol import Protocol
from walkrun.domain.tolerances import Tolerances
from walkrun.engine.progression import Judge, RunCheck, build_plan, floored
from walkrun.evidence.classify import Classification, Thresholds, classify
from walkrun.evidence.sessions import ClassifiedActivity, assemble_history
from walkrun.plugins.manager import Registry
from walkrun.store import Store


@dataclass(frozen=True)
class AthletePlan:
    profile: AthleteProfile
    protocol: Protocol
    history: History
    plan: Plan
    activities: list[ClassifiedActivity]


def classified_activities(store: Store, profile: AthleteProfile) -> list[ClassifiedActivity]:
    """Every imported activity with its classification, cached per set of thresholds."""
    th = Thresholds.from_preferences(profile.preferences)
    cache = store.cached_classifications(profile.athlete_id, th.fingerprint)
    out, fresh = [], {}
    for act in store.activities(profile.athlete_id, with_samples=False):
        cached = cache.get(act.activity_id)
        if cached is None:
            full = store.activity(profile.athlete_id, act.activity_id)
            result = classify(full, profile.preferences)
            fresh[act.activity_id] = result.model_dump_json()
        else:
            result = Classification.model_validate_json(cached)
        out.append(ClassifiedActivity(act.activity_id, act, result))
    store.cache_classifications(profile.athlete_id, th.fingerprint, fresh)
    return out


def load_history(store: Store, profile: AthleteProfile) -> tuple[History, list[ClassifiedActivity]]:
    """Hand-logged sessions count only on days without an imported activity (no double counting)."""
    items = classified_activities(store, profile)
    history = assemble_history(
        store.checkins(profile.athlete_id), store.clinical(profile.athlete_id), items, profile.preferences.timezone
    )
    return history, items


def make_judge(
    store: Store, profile: AthleteProfile, items: list[ClassifiedActivity], protocol: Protocol | None = None
) -> Judge:
    """Compare an imported session with its prescription interval by interval (laps, else segments)."""
    by_id = {item.activity_id: item for item in items}
    tolerances = Tolerances.of(protocol) if protocol is not None else Tolerances()

    def judge(prescribed: Session, done: DoneSession) -> RunCheck | None:
        from walkrun.evidence.adherence import compare  # only when a session is judged: keeps `status` start-up short

        item = by_id.get(done.activity_id or "")
        if item is None:
            return None
        full = store.activity(profile.athlete_id, item.activity_id)  # samples and laps, only when needed
        result = compare(prescribed, full, item.classification, profile.preferences, tolerances)
        return RunCheck(overdone=result.overdone, summary=result.summary)

    return judge


def plan_for(
    store: Store,
    registry: Registry,
    athlete_id: str,
    today: dt.date,
    horizon_days: int = 28,
    *,
    lookback_days: int = 0,
) -> AthletePlan:
    profile = store.profile(athlete_id)
    protocol = floored(registry.protocol_for(profile.condition, profile.protocol_id), profile)
    history, items = load_history(store, profile)
    judge = make_judge(store, profile, items, protocol)
    plan = build_plan(profile, protocol, history, today, horizon_days, judge=judge, lookback_days=lookback_days)
    return AthletePlan(profile, protocol, history, plan, items)
