"""Store + plugins -> the engine's inputs for one athlete, and the plan they give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from walkrun.history import History, history_from_log
from walkrun.models import AthleteProfile
from walkrun.plan import Plan
from walkrun.plugins import Registry
from walkrun.progression import build_plan
from walkrun.protocol import Protocol
from walkrun.store import Store


@dataclass(frozen=True)
class AthletePlan:
    profile: AthleteProfile
    protocol: Protocol
    history: History
    plan: Plan


def load_history(store: Store, athlete_id: str) -> History:
    return history_from_log(store.checkins(athlete_id), store.clinical(athlete_id))


def plan_for(store: Store, registry: Registry, athlete_id: str, today: dt.date, horizon_days: int = 28) -> AthletePlan:
    profile = store.profile(athlete_id)
    protocol = registry.protocol_for(profile.condition, profile.protocol_id)
    history = load_history(store, athlete_id)
    plan = build_plan(profile, protocol, history, today, horizon_days)
    return AthletePlan(profile, protocol, history, plan)
