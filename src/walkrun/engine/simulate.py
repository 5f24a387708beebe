"""A runner who follows the plan: generates check-ins day by day through the engine.

Used by the demo, the tests and the benchmarks, so all of them exercise the
real progression rules rather than hand-written expectations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from walkrun.domain.history import History, sessions_from_checkins
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.domain.plan import Session, SessionKind
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan

ACTIVE = {SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN}


def follow_plan(
    profile: AthleteProfile,
    protocol: Protocol,
    start: dt.date,
    end: dt.date,
    *,
    pain: Mapping[dt.date, dict[str, object]] | None = None,
    tests_on: dt.date | None = None,
    skip: frozenset[dt.date] = frozenset(),
    overdo: Mapping[dt.date, float] | None = None,
    prescribed: dict[dt.date, Session] | None = None,
    history: History | None = None,
) -> tuple[list[CheckIn], list[ClinicalTestResult]]:
    """Do every planned walk/run from ``start`` to ``end`` pain-free, except ``pain`` days.

    ``pain`` maps a date to CheckIn fields that replace the clean scores that day.
    ``tests_on`` passes every gate test on that date, and again every ``tests_valid_days`` after it (a
    clinician re-testing until the gate opens, since a pass expires). ``overdo`` multiplies the
    running done on a day; ``prescribed`` (if given) collects each day's session.
    ``history`` is what happened before ``start`` (e.g. imported walks); only the
    new check-ins and tests are returned.
    """
    base = history or History()
    pain = pain or {}
    overdo = overdo or {}
    checkins: list[CheckIn] = []
    clinical: list[ClinicalTestResult] = []
    day = start
    while day <= end:
        if tests_on is not None and day >= tests_on and (day - tests_on).days % protocol.gate.tests_valid_days == 0:
            clinical += [ClinicalTestResult(test=t, date=day, passed=True) for t in protocol.gate.required_tests]
        so_far = History(
            checkins=[*base.checkins, *checkins],
            clinical=[*base.clinical, *clinical],
            sessions=[*base.sessions, *sessions_from_checkins(checkins)],
        )
        session = build_plan(profile, protocol, so_far, day, horizon_days=1).sessions[0]
        if prescribed is not None:
            prescribed[day] = session
        if session.kind in ACTIVE and day not in skip:
            fields: dict[str, object] = {"pain_during": 0, "pain_after": 0, "pain_next_morning": 0}
            fields.update(pain.get(day, {}))
            checkins.append(
                CheckIn(
                    date=day,
                    walk_min=session.walk_s / 60,
                    run_min=session.run_s * overdo.get(day, 1.0) / 60 or None,
                    **fields,
                )
            )
        elif day in pain:
            checkins.append(CheckIn(date=day, **pain[day]))
        day += dt.timedelta(days=1)
    return checkins, clinical
