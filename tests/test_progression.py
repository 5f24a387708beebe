"""Progression rules on concrete histories: gate, pain, rest, caps, timing."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import INJURY
from walkrun.domain.history import history_from_log
from walkrun.domain.models import CheckIn, ClinicalTestResult
from walkrun.domain.plan import Phase, Session, SessionKind
from walkrun.engine.progression import build_plan
from walkrun.engine.simulate import follow_plan

FWB = INJURY + dt.timedelta(weeks=8)
TESTS_ON = INJURY + dt.timedelta(weeks=12, days=1)
D = dt.timedelta(days=1)


def _ready(make_profile, femoral, end, **kw):
    profile = make_profile(full_weight_bearing_date=FWB)
    prescribed: dict[dt.date, Session] = {}
    checkins, clinical = follow_plan(profile, femoral, FWB, end, tests_on=TESTS_ON, prescribed=prescribed, **kw)
    return profile, checkins, clinical, prescribed


def _plan(profile, proto, checkins, clinical, today, horizon=28):
    return build_plan(profile, proto, history_from_log(checkins, clinical), today, horizon)


def test_gate_needs_every_criterion(make_profile, femoral):
    profile = make_profile()
    walks = [
        CheckIn(date=INJURY + dt.timedelta(days=d), walk_min=45, pain_during=0, pain_after=0, pain_next_morning=0)
        for d in range(70, 100)
        if d % 2 == 0
    ]
    tests = [
        ClinicalTestResult(test=t, date=INJURY + dt.timedelta(days=90), passed=True)
        for t in femoral.gate.required_tests
    ]
    today = INJURY + dt.timedelta(days=99)
    assert _plan(profile, femoral, walks, tests, today).gate.open
    # one failed test (the latest result counts) keeps it closed
    late = [t.model_copy(update={"date": today}) for t in tests]
    failed = [*late, ClinicalTestResult(test="hip-airplane", date=today, passed=False)]
    plan = _plan(profile, femoral, walks, failed, today)
    assert not plan.gate.open and all(s.run_s == 0 for s in plan.sessions)
    assert "hip-airplane: FAILED" in next(c for c in plan.gate.criteria if "clinical" in c.name).evidence
    # a test failed after the gate opened: one level down and no step up until passed again
    retest = [*tests, ClinicalTestResult(test="hip-airplane", date=today, passed=False)]
    plan = _plan(profile, femoral, walks, retest, today, horizon=60)
    assert any(d.rule == "clinical-test-failed" for d in plan.decisions)
    assert not any(d.action == "advance" and d.date > today for d in plan.decisions)
    # walks with no pain scores are not pain-free evidence
    unknown = [CheckIn(date=w.date, walk_min=45, pain_during=0, pain_after=0) for w in walks]
    plan = _plan(profile, femoral, unknown, tests, today)
    walk_crit = next(c for c in plan.gate.criteria if "brisk walks" in c.name)
    assert not walk_crit.met and "pain unknown" in walk_crit.evidence
    # pain in the last 7 days keeps it closed
    sore = [*walks, CheckIn(date=today - 2 * D, pain_after=1)]
    assert not _plan(profile, femoral, sore, late, today).gate.open
    # surgery needs the surgeon's clearance
    operated = make_profile(surgery=True)
    assert not _plan(operated, femoral, walks, late, today).gate.open
    cleared = make_profile(surgery=True, clearances={"surgeon_cleared_running": True})
    assert _plan(cleared, femoral, walks, late, today).gate.open


def test_gate_never_opens_before_twelve_weeks(make_profile, femoral):
    profile = make_profile()
    walks = [
        CheckIn(date=INJURY + dt.timedelta(days=d), walk_min=60, pain_during=0, pain_after=0) for d in range(30, 83)
    ]
    tests = [
        ClinicalTestResult(test=t, date=INJURY + dt.timedelta(days=40), passed=True)
        for t in femoral.gate.required_tests
    ]
    plan = _plan(profile, femoral, walks, tests, INJURY + dt.timedelta(days=83), horizon=120)
    assert not plan.gate.open
    weeks = plan.gate.criteria[0]
    assert not weeks.met and "11.9 weeks" in weeks.evidence
    assert all(s.run_s == 0 for s in plan.sessions), "no running is ever planned before the gate opens"


def test_clean_progression_from_gate_to_30_min_takes_at_least_8_weeks(make_profile, femoral):
    end = INJURY + dt.timedelta(weeks=16)
    profile, checkins, clinical, _ = _ready(make_profile, femoral, end)
    plan = _plan(profile, femoral, checkins, clinical, end, horizon=300)
    assert plan.gate.open and plan.gate.opened_on is not None
    first_30 = next(s for s in plan.sessions if s.kind is SessionKind.RUN and s.run_s >= 30 * 60)
    assert (first_30.date - plan.gate.opened_on).days >= 56
    ratios = [s.run_s / s.walk_s for s in plan.sessions if s.kind is SessionKind.WALK_RUN]
    assert ratios == sorted(ratios) or max(ratios) > ratios[0]


def test_pain_during_a_run_drops_one_level_next_session(make_profile, femoral):
    end = INJURY + dt.timedelta(weeks=16)
    profile, checkins, clinical, prescribed = _ready(make_profile, femoral, end)
    level_today = _plan(profile, femoral, checkins, clinical, end).level
    assert level_today not in (None, "L1")
    run_day = next(d for d in sorted(prescribed, reverse=True) if prescribed[d].run_s)
    sore = [c if c.date != run_day else c.model_copy(update={"pain_during": 2}) for c in checkins]
    plan = _plan(profile, femoral, sore, clinical, end)
    drop = next(d for d in plan.decisions if d.date == run_day and d.action == "drop")
    assert drop.rule == "pain:pain-during-drop" and "during 2/10" in drop.evidence and drop.source
    ids = [lv.id for lv in femoral.walk_run.levels]
    assert ids.index(drop.level_to) == ids.index(drop.level_from) - 1


def test_night_pain_means_rest_then_one_level_lower(make_profile, femoral):
    end = INJURY + dt.timedelta(weeks=16)
    profile, checkins, clinical, _ = _ready(make_profile, femoral, end)
    before = _plan(profile, femoral, checkins, clinical, end)
    checkins = [*checkins, CheckIn(date=end, night_pain=True, pain_during=0, pain_after=0)]
    plan = _plan(profile, femoral, checkins, clinical, end, horizon=14)
    rest = next(d for d in plan.decisions if d.date == end and d.action == "rest")
    assert rest.rule == "pain:night-pain-rest"
    assert [s.kind for s in plan.sessions[1:3]] == [SessionKind.REST, SessionKind.REST]
    next_run = next(s for s in plan.sessions[3:] if s.run_s)
    ids = [lv.id for lv in femoral.walk_run.levels]
    assert ids.index(next_run.level) == max(0, ids.index(before.level) - 1)


def test_overdone_session_never_counts(make_profile, femoral):
    gate_day = INJURY + dt.timedelta(weeks=13)
    end = gate_day + dt.timedelta(weeks=3)
    overdo = {gate_day + dt.timedelta(days=k): 2.0 for k in range(0, 22)}
    profile, checkins, clinical, _ = _ready(make_profile, femoral, end, overdo=overdo)
    plan = _plan(profile, femoral, checkins, clinical, end)
    assert plan.level == "L1", "sessions run at twice the prescription must not advance"
    assert any(w.kind == "overdone" for w in plan.warnings)
    assert any(d.rule == "overdone" for d in plan.decisions)


def test_missing_next_morning_report_holds_a_bone_runner(make_profile, femoral):
    end = INJURY + dt.timedelta(weeks=16)
    profile, checkins, clinical, _ = _ready(make_profile, femoral, end)
    no_morning = [c.model_copy(update={"pain_next_morning": None}) if c.run_min else c for c in checkins]
    plan = _plan(profile, femoral, no_morning, clinical, end)
    assert plan.level == "L1"
    assert any("next-morning" in d.evidence for d in plan.decisions if d.rule == "not-clean")


def test_severe_pain_refers_to_a_clinician_and_stops_running(make_profile, femoral):
    end = INJURY + dt.timedelta(weeks=16)
    profile, checkins, clinical, _ = _ready(make_profile, femoral, end)
    checkins = [*checkins, CheckIn(date=end, pain_after=6, pain_during=2)]
    plan = _plan(profile, femoral, checkins, clinical, end, horizon=60)
    assert any(d.action == "refer" for d in plan.decisions)
    assert all(s.run_s == 0 for s in plan.sessions[1:])
    review = [*clinical, ClinicalTestResult(test="clinician-review", date=end + 3 * D, passed=True)]
    plan = _plan(profile, femoral, checkins, review, end + 3 * D, horizon=28)
    assert any(d.action == "resume" for d in plan.decisions) and any(s.run_s for s in plan.sessions)


def test_soft_tissue_counts_mild_pain_that_settles(make_profile, registry):
    proto = registry.protocol("gluteal-tendinopathy")
    profile = make_profile(condition="gluteal-tendinopathy")
    start = INJURY
    mild = {
        start + dt.timedelta(days=k): {"pain_during": 2, "pain_after": 2, "pain_next_morning": 0} for k in range(200)
    }
    checkins, clinical = follow_plan(profile, proto, start, start + dt.timedelta(weeks=8), pain=mild)
    plan = _plan(profile, proto, checkins, clinical, start + dt.timedelta(weeks=8))
    assert plan.gate.open and plan.phase in (Phase.WALK_RUN, Phase.CONTINUOUS)
    assert plan.level != proto.walk_run.levels[0].id, "mild, settling pain still advances a tendon"
    bone = make_profile(condition="low-risk-bsi")
    low = registry.protocol("low-risk-bsi")
    checkins, clinical = follow_plan(bone, low, start, start + dt.timedelta(weeks=10), pain=mild, tests_on=start)
    assert not _plan(bone, low, checkins, clinical, start + dt.timedelta(weeks=10)).gate.open


def test_today_before_injury_is_an_error(make_profile, femoral):
    from walkrun.domain.errors import UsageError

    with pytest.raises(UsageError, match="before the injury"):
        build_plan(make_profile(), femoral, history_from_log([], []), INJURY - D)
