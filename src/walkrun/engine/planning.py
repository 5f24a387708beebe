"""The public planning API: what the CLI, the tests and third parties call to get a plan.

``plan_for`` takes plain inputs (a profile, a protocol, check-ins, clinical
tests, activities and the day to plan from) and returns the plan with every
decision, its rule, evidence and source. Nothing is read from a store or the
clock, so an outside checker can drive the engine directly::

    import datetime as dt, walkrun
    plan = walkrun.plan_for(profile, protocol, checkins, tests, activities, dt.date(2026, 4, 21))
    for d in plan.decisions: print(d.date, d.action, d.rule, d.source)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from walkrun.domain.activities import Activity
from walkrun.domain.history import DoneSession, History
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.domain.plan import Plan
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import Judge, build_plan
from walkrun.evidence.classify import classify
from walkrun.evidence.sessions import ClassifiedActivity, assemble_history


def history_for(
    profile: AthleteProfile,
    checkins: Iterable[CheckIn] = (),
    clinical_tests: Iterable[ClinicalTestResult] = (),
    activities: Iterable[Activity | DoneSession] = (),
) -> History:
    """The engine's input from plain records: activities are classified with the profile's thresholds."""
    logged = list(checkins)
    items, done = [], []
    for a in activities:
        if isinstance(a, DoneSession):
            done.append(a)
        else:
            items.append(ClassifiedActivity(a.activity_id, a, classify(a, profile.preferences)))
    history = assemble_history(logged, list(clinical_tests), items, profile.preferences.timezone)
    if not done:
        return history
    sessions = sorted([*history.sessions, *done], key=lambda s: (s.date, s.activity_id or ""))
    return history.model_copy(update={"sessions": sessions})


def plan_for(
    profile: AthleteProfile,
    protocol: Protocol,
    checkins: Iterable[CheckIn],
    clinical_tests: Iterable[ClinicalTestResult],
    activities: Iterable[Activity | DoneSession],
    today: dt.date,
    *,
    horizon_days: int = 28,
    lookback_days: int = 0,
    judge: Judge | None = None,
) -> Plan:
    """The plan for ``profile`` as of ``today``: dated sessions, gate, decisions and warnings.

    The protocol is first tightened to the condition's safety floors
    (``walkrun.engine.floors``); evidence dated before the injury or after ``today``
    is ignored. Deterministic: the same inputs give the same plan.
    """
    history = history_for(profile, checkins, clinical_tests, activities)
    return build_plan(profile, protocol, history, today, horizon_days, judge=judge, lookback_days=lookback_days)
