"""The safety invariants of docs/safety.md, checked over random histories (hypothesis).

Each example is a random history, not a runner who follows the plan: walks and
runs logged by hand, pain of every kind, re-logged dates and corrections,
clinical tests and reviews, evidence from before the injury, gaps. The engine
runs once per example through the public API (``walkrun.plan_for``); every
invariant is checked on that one plan. CI runs a bounded, derandomized budget;
``WALKRUN_PROPERTY_EXAMPLES=2000`` explores more locally.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import walkrun
from walkrun.domain.diary import by_day
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult, Condition
from walkrun.domain.plan import Plan, SessionKind
from walkrun.domain.protocol import Protocol
from walkrun.domain.vocab import Action, SessionStatus
from walkrun.engine.floors import floors_for
from walkrun.engine.progression import floored
from walkrun.plugins.manager import make_plugin_manager

REGISTRY = make_plugin_manager(load_entrypoints=False, env={})
INJURY = dt.date(2026, 1, 5)
D = dt.timedelta(days=1)
EXAMPLES = int(os.environ.get("WALKRUN_PROPERTY_EXAMPLES", "120"))
REPO_PATH = re.compile(r"shared/|seeds/|DESIGN\.md|\.txt\b")

PAIRS = [(p.id, c) for p in sorted(REGISTRY.protocols.values(), key=lambda p: p.id) for c in p.conditions]

scores = st.one_of(st.none(), st.just(0), st.just(0), st.integers(0, 8))


@st.composite
def checkins(draw: st.DrawFn, span: int) -> list[CheckIn]:
    out = []
    for _ in range(draw(st.integers(0, 70))):
        day = INJURY + draw(st.integers(-20, span)) * D
        walk = draw(st.sampled_from([None, 15, 30, 45, 50]))
        run = draw(st.sampled_from([None, None, None, 1, 5, 6, 20]))
        correction = draw(st.booleans()) and draw(st.booleans())
        out.append(
            CheckIn(
                date=day,
                walk_min=walk,
                run_min=run,
                pain_during=draw(scores),
                pain_after=draw(scores),
                pain_next_morning=draw(scores),
                night_pain=draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
                correction=correction,
                reason="typed the wrong number" if correction else "",
            )
        )
    return out


@st.composite
def clinical(draw: st.DrawFn, proto: Protocol, span: int) -> list[ClinicalTestResult]:
    tests = [*proto.gate.required_tests, "clinician-review"]
    out = []
    for _ in range(draw(st.integers(0, 4))):
        day = INJURY + draw(st.integers(-10, span)) * D
        passed = draw(st.booleans()) or draw(st.booleans())
        out += [ClinicalTestResult(test=t, date=day, passed=passed) for t in tests if draw(st.booleans()) or passed]
    return out


@st.composite
def histories(draw: st.DrawFn) -> dict[str, object]:
    protocol_id, condition = draw(st.sampled_from(PAIRS))
    proto = REGISTRY.protocol(protocol_id)
    span = draw(st.integers(20, 280))
    fwb = draw(st.one_of(st.none(), st.integers(20, 80).map(lambda k: INJURY + k * D)))
    profile = AthleteProfile(
        athlete_id="prop",
        condition=condition,
        injury_date=INJURY,
        full_weight_bearing_date=fwb,
        protocol_id=protocol_id,
        clearances={"hop_tests_allowed": draw(st.booleans())},
        preferences={"session_weekdays": draw(st.sampled_from([["mon", "wed", "fri", "sun"], ["mon", "tue", "wed"]]))},
    )
    return {
        "profile": profile,
        "protocol": proto,
        "checkins": draw(checkins(span)),
        "clinical": draw(clinical(proto, span)),
        "today": INJURY + span * D,
    }


def _plan(h: dict[str, object], **changes: object) -> Plan:
    h = {**h, **changes}
    return walkrun.plan_for(
        h["profile"],  # type: ignore[arg-type]
        h["protocol"],  # type: ignore[arg-type]
        h["checkins"],  # type: ignore[arg-type]
        h["clinical"],  # type: ignore[arg-type]
        [],
        h["today"],  # type: ignore[arg-type]
        horizon_days=56,
        lookback_days=400,
    )


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(histories())
def test_safety_invariants_over_random_histories(h: dict[str, object]) -> None:
    plan = _plan(h)
    profile: AthleteProfile = h["profile"]  # type: ignore[assignment]
    proto = floored(h["protocol"], profile)  # type: ignore[arg-type]
    merged = by_day(h["checkins"])  # type: ignore[arg-type]
    every_decision_and_session_says_why(plan)
    no_running_before_the_gate(plan, profile, proto)
    gate_opens_only_on_recent_evidence(plan, profile, proto, h["clinical"])  # type: ignore[arg-type]
    no_advance_after_pain_on_a_bone_protocol(plan, proto, merged)
    referral_ends_only_on_a_review_day(plan, h["clinical"])  # type: ignore[arg-type]
    credited_only_at_the_prescribed_level_as_prescribed(plan)
    protected_loading_and_hop_lock(plan, profile, proto)
    no_back_to_back_planned_runs_early_on(plan, proto)
    nothing_before_the_injury_counts(plan, h)
    a_lower_relog_changes_nothing(plan, h)


def every_decision_and_session_says_why(plan: Plan) -> None:
    for d in plan.decisions:
        assert d.rule and d.evidence and d.source, d
        assert not REPO_PATH.search(d.source), d.source
    for s in [*plan.sessions, *(p.session for p in plan.past)]:
        assert s.rule and s.reason and s.source, s
        assert not REPO_PATH.search(s.source), s.source


def no_running_before_the_gate(plan: Plan, profile: AthleteProfile, proto: Protocol) -> None:
    opened = plan.gate.opened_on if plan.gate.open else None
    for s in plan.sessions:
        if s.run_s:
            assert opened is not None and s.date > opened, (s.date, opened)
    for p in plan.past:
        if p.session.run_s:
            opens = [d.date for d in plan.decisions if d.action is Action.GATE_OPEN and d.date < p.session.date]
            assert opens, p.session.date
    f = floors_for(profile.condition)
    min_weeks = max(proto.gate.min_weeks_since_injury, f.min_weeks_since_injury if f else 0)
    for d in plan.decisions:
        if d.action is Action.GATE_OPEN:
            assert d.date >= profile.injury_date + dt.timedelta(weeks=min_weeks), d


def gate_opens_only_on_recent_evidence(
    plan: Plan, profile: AthleteProfile, proto: Protocol, tests: list[ClinicalTestResult]
) -> None:
    g = proto.gate
    for d in (d for d in plan.decisions if d.action is Action.GATE_OPEN):
        for test in g.required_tests:
            results = sorted(
                (t for t in tests if t.test == test and profile.injury_date <= t.date <= d.date), key=lambda t: t.date
            )
            assert results and results[-1].passed, (test, d.date)
            assert (d.date - results[-1].date).days < g.tests_valid_days, (test, d.date)


def _zero(c: CheckIn | None) -> bool:
    return (
        c is not None
        and c.pain_during == 0
        and c.pain_after == 0
        and c.pain_next_morning == 0
        and not c.night_pain
        and c.superseded_peak is None
    )


def _listed_dates(evidence: str) -> list[dt.date]:
    inside = evidence.split("(", 1)[1].split(")", 1)[0] if "(" in evidence else ""
    return [dt.date.fromisoformat(x) for x in re.findall(r"\d{4}-\d{2}-\d{2}", inside)]


def no_advance_after_pain_on_a_bone_protocol(plan: Plan, proto: Protocol, merged: dict[dt.date, CheckIn]) -> None:
    if not proto.is_bone:
        return
    for d in plan.decisions:
        if d.action is Action.ADVANCE and not d.projected:
            for day in _listed_dates(d.evidence):
                assert _zero(merged.get(day)), (d, merged.get(day))


def referral_ends_only_on_a_review_day(plan: Plan, tests: list[ClinicalTestResult]) -> None:
    reviews = sorted(t.date for t in tests if t.test == "clinician-review" and t.passed)
    actual = [d for d in plan.decisions if not d.projected]
    for refer in (d for d in actual if d.action is Action.REFER):
        review = next((r for r in reviews if r >= refer.date), None)
        end = review or plan.today + D
        between = [d for d in actual if refer.date < d.date < end]
        assert not any(d.action in (Action.ADVANCE, Action.GATE_OPEN, Action.RESUME) for d in between), refer
        resumes = [d for d in actual if d.action is Action.RESUME and d.date >= refer.date]
        if resumes:
            assert review is not None and resumes[0].date >= review, (refer, resumes[0])
    for p in plan.past:
        assert not (p.status is SessionStatus.REFERRED and p.session.run_s), p


def credited_only_at_the_prescribed_level_as_prescribed(plan: Plan) -> None:
    past = {p.session.date: p for p in plan.past}
    for d in plan.decisions:
        if d.action is Action.ADVANCE and not d.projected:
            for day in _listed_dates(d.evidence):
                p = past.get(day)
                if p is None:
                    continue  # before the lookback window
                assert p.session.level == d.level_from, (d, p.session.level)
                assert not p.session.capped, d
                assert p.status is SessionStatus.DONE, (d, p.status)


def protected_loading_and_hop_lock(plan: Plan, profile: AthleteProfile, proto: Protocol) -> None:
    sessions = [*plan.sessions, *(p.session for p in plan.past)]
    f = floors_for(profile.condition)
    if proto.weight_bearing is not None:
        wb = proto.weight_bearing
        weeks = wb.non_weight_bearing_weeks[1] + wb.partial_weight_bearing_weeks[1]
        fwb = profile.full_weight_bearing_date or profile.injury_date + dt.timedelta(weeks=weeks)
        for s in sessions:
            if s.date < fwb:
                assert s.kind not in (SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN), s
    if proto.is_bone and proto.strength:
        plyo = {st.name for st in proto.strength.stages if st.plyometric}
        earliest = profile.injury_date + dt.timedelta(weeks=proto.gate.min_weeks_since_injury)
        for s in sessions:
            if any(step.label in plyo for step in s.steps):
                assert profile.clearances.hop_tests_allowed and s.date >= earliest, s
    assert f is None or proto.gate.min_weeks_since_injury >= f.min_weeks_since_injury


def no_back_to_back_planned_runs_early_on(plan: Plan, proto: Protocol) -> None:
    weeks = proto.walk_run.no_consecutive_run_days_weeks
    runs = {s.date for s in plan.sessions if s.run_s}
    for p in plan.past:
        if p.done_run_s:
            runs.add(p.session.date)
    first = min((p.session.date for p in plan.past if p.done_run_s and plan.gate.open), default=None)
    for s in plan.sessions:
        if s.run_s and s.date - D in runs:
            assert first is not None and s.date >= first + dt.timedelta(weeks=weeks), s.date


def nothing_before_the_injury_counts(plan: Plan, h: dict[str, object]) -> None:
    profile: AthleteProfile = h["profile"]  # type: ignore[assignment]
    after = [c for c in h["checkins"] if c.date >= profile.injury_date]  # type: ignore[attr-defined]
    tests = [t for t in h["clinical"] if t.date >= profile.injury_date]  # type: ignore[attr-defined]
    assert _plan(h, checkins=after, clinical=tests).model_dump() == plan.model_dump()


def a_lower_relog_changes_nothing(plan: Plan, h: dict[str, object]) -> None:
    """Re-logging lower scores for a date (no --correct) changes no decision: the worst score stands."""
    logged: list[CheckIn] = h["checkins"]  # type: ignore[assignment]
    merged = by_day(logged)
    if not merged:
        return
    day = max(merged, key=lambda d: merged[d].max_pain or 0)
    known = {k: 0 for k in ("pain_during", "pain_after", "pain_next_morning") if getattr(merged[day], k) is not None}
    if not known:
        return
    again = _plan(h, checkins=[*logged, CheckIn(date=day, **known)])

    def key(p: Plan) -> list[tuple[object, ...]]:
        return [(d.date, d.action, d.rule, d.level_from, d.level_to) for d in p.decisions]

    assert key(again) == key(plan)


def test_public_api_and_stored_history_give_the_same_plan(tmp_path) -> None:
    """The CLI's stored history (store -> athlete.plan_for) and the public API plan alike."""
    from walkrun.app.athlete import plan_for as stored_plan
    from walkrun.store import Store

    @settings(max_examples=max(5, EXAMPLES // 20), deadline=None, suppress_health_check=list(HealthCheck))
    @given(histories())
    def check(h: dict[str, object]) -> None:
        profile: AthleteProfile = h["profile"]  # type: ignore[assignment]
        # A fresh store per call: Hypothesis may run the same history twice (duplicates, replays),
        # and a store named after the history would then hold every check-in twice.
        home = Path(tempfile.mkdtemp(dir=tmp_path))
        with Store(home) as store:
            store.save_profile(profile)
            for c in h["checkins"]:  # type: ignore[attr-defined]
                store.add_checkin(profile.athlete_id, c)
            for t in h["clinical"]:  # type: ignore[attr-defined]
                store.add_clinical(profile.athlete_id, t)
            via_store = stored_plan(store, REGISTRY, profile.athlete_id, h["today"], 56, lookback_days=400).plan  # type: ignore[arg-type]
        assert via_store.model_dump() == _plan(h).model_dump()

    check()


def test_every_protocol_condition_pair_keeps_its_floors() -> None:
    for protocol_id, condition in PAIRS:
        proto = floored(
            REGISTRY.protocol(protocol_id), AthleteProfile(athlete_id="x", condition=condition, injury_date=INJURY)
        )
        f = floors_for(Condition(condition))
        if f is None:
            continue
        assert proto.gate.min_weeks_since_injury >= f.min_weeks_since_injury
        assert proto.gate.tests_valid_days <= (f.tests_valid_days or 10**6)
        if f.zero_pain:
            assert proto.is_bone and proto.pain.clean_max_during == proto.pain.clean_max_after == 0
        if f.refer_at_score:
            assert any(r.action == "stop_and_refer" and r.min_score <= f.refer_at_score for r in proto.pain.rules)
        if f.protected_loading:
            assert proto.weight_bearing is not None
        if f.clinical_battery:
            assert len(proto.gate.required_tests) >= 9


_ = defaultdict
