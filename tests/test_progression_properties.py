"""Invariants of the progression engine over random histories (hypothesis).

Each example is a runner who follows the plan day by day through the real
engine, with random pain reports, night pain, skipped and overdone sessions.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from walkrun.app.views import dumps, plan_view
from walkrun.domain.history import history_from_log
from walkrun.domain.models import AthleteProfile, CheckIn, Weekday
from walkrun.domain.plan import Plan, Session, SessionKind
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan, running_ladder
from walkrun.engine.simulate import follow_plan
from walkrun.plugins.manager import make_plugin_manager

REGISTRY = make_plugin_manager(load_entrypoints=False, env={})
INJURY = dt.date(2026, 1, 5)
FWB = INJURY + dt.timedelta(weeks=8)
D = dt.timedelta(days=1)
BONE = {"femoral-neck-bsi": "femoral-neck-bsi", "low-risk-bsi": "low-risk-bsi", "brigham-walk-jog": "low-risk-bsi"}

pain_report = st.fixed_dictionaries(
    {},
    optional={
        "pain_during": st.integers(0, 7),
        "pain_after": st.integers(0, 7),
        "pain_next_morning": st.integers(0, 4),
        "night_pain": st.booleans(),
    },
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    protocol_id = draw(st.sampled_from(sorted(BONE)))
    days = draw(st.integers(30, 110))
    weekdays = draw(st.sets(st.sampled_from(list(Weekday)), min_size=3, max_size=6))
    offsets = st.integers(0, days)
    return {
        "protocol_id": protocol_id,
        "days": days,
        "weekdays": sorted(weekdays, key=lambda w: w.number),
        "pain": draw(st.dictionaries(offsets, pain_report, max_size=6)),
        "overdo": draw(st.dictionaries(offsets, st.floats(1.3, 3.0), max_size=3)),
        "skip": draw(st.sets(offsets, max_size=8)),
        "tests_on": draw(st.integers(0, 50)),
    }


def _simulate(sc: dict[str, object]) -> tuple[Protocol, AthleteProfile, list[CheckIn], dict[dt.date, Session], Plan]:
    proto = REGISTRY.protocol(str(sc["protocol_id"]))
    strength = [w for w in Weekday if w not in sc["weekdays"]][:2]  # type: ignore[operator]
    profile = AthleteProfile(
        athlete_id="prop",
        condition=BONE[proto.id],
        injury_date=INJURY,
        full_weight_bearing_date=FWB,
        protocol_id=proto.id,
        preferences={"session_weekdays": sc["weekdays"], "strength_weekdays": strength},
    )
    end = FWB + dt.timedelta(days=int(sc["days"]))  # type: ignore[call-overload]
    day = lambda k: FWB + dt.timedelta(days=k)  # noqa: E731
    prescribed: dict[dt.date, Session] = {}
    checkins, clinical = follow_plan(
        profile,
        proto,
        FWB,
        end,
        pain={day(k): v for k, v in sc["pain"].items()},  # type: ignore[attr-defined]
        overdo={day(k): v for k, v in sc["overdo"].items()},  # type: ignore[attr-defined]
        skip=frozenset(day(k) for k in sc["skip"]),  # type: ignore[attr-defined]
        tests_on=day(int(sc["tests_on"])),  # type: ignore[call-overload]
        prescribed=prescribed,
    )
    plan = build_plan(profile, proto, history_from_log(checkins, clinical), end, horizon_days=120)
    return proto, profile, checkins, prescribed, plan


def _rank(proto: Protocol, profile: AthleteProfile, level: str | None) -> tuple[str, int]:
    if level is None:
        return ("none", 0)
    if level.startswith("W") and level[1:].isdigit():
        return ("walk", proto.walk.levels_min.index(int(level[1:])))
    ids = [r.id for r in running_ladder(proto, profile.preferences.goal_run_min)]
    return ("run", ids.index(level))


Sim = tuple[Protocol, AthleteProfile, list[CheckIn], dict[dt.date, Session], Plan]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # Each example replays months day by day; shrinking a failure could take many minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(scenarios())
def test_invariants_hold_over_random_histories(sc: dict[str, object]) -> None:
    # One simulation per example, every invariant checked on it: simulations are the slow part.
    sim = _simulate(sc)
    check_no_running_before_the_gate(sim)
    check_pain_never_leads_to_an_advance(sim)
    check_night_pain_means_rest_then_a_lower_level(sim)
    check_no_back_to_back_runs_in_the_first_weeks(sim)
    check_weekly_running_grows_at_most_10_percent_once_continuous(sim)


def check_no_running_before_the_gate(sim: Sim) -> None:
    _, _, checkins, prescribed, plan = sim
    opened = plan.gate.opened_on
    for day, session in prescribed.items():
        if session.run_s:
            assert opened is not None and day > opened, f"run prescribed on {day}, gate opened {opened}"
    if not plan.gate.open:
        assert all(s.run_s == 0 for s in plan.sessions)
    for c in checkins:
        if c.run_min:
            assert opened is not None and c.date > opened


def _clean(c: CheckIn) -> bool:
    return not c.any_pain and c.pain_during == 0 and c.pain_after == 0 and c.pain_next_morning == 0


def check_pain_never_leads_to_an_advance(sim: Sim) -> None:
    proto, profile, checkins, prescribed, _ = sim
    by_day = {c.date: c for c in checkins}
    days = sorted(prescribed)
    last_pain: dt.date | None = None
    for prev, day in itertools.pairwise(days):
        c = by_day.get(prev)
        if c is not None and c.any_pain:
            last_pain = prev
        a, b = _rank(proto, profile, prescribed[prev].level), _rank(proto, profile, prescribed[day].level)
        if a[0] != b[0] or b[1] <= a[1] or last_pain is None:
            continue
        need = proto.walk.sessions_to_advance if b[0] == "walk" else proto.walk_run.sessions_to_advance
        clean_since = [x for x in checkins if last_pain < x.date < day and _clean(x) and (x.walk_min or x.run_min)]
        assert len(clean_since) >= need, (
            f"advanced on {day} with {len(clean_since)} clean sessions since pain on {last_pain}"
        )


def check_night_pain_means_rest_then_a_lower_level(sim: Sim) -> None:
    proto, profile, checkins, prescribed, plan = sim
    sessions = dict(prescribed)
    sessions.update({s.date: s for s in plan.sessions})
    rule = next(r for r in proto.pain.rules if r.signal == "night")
    for c in checkins:
        if not c.night_pain or sessions.get(c.date) is None:
            continue
        before = _rank(proto, profile, sessions[c.date].level)
        for k in range(1, rule.rest_days + 1):
            if c.date + k * D in sessions:
                assert sessions[c.date + k * D].kind is SessionKind.REST
        after = sessions.get(c.date + (rule.rest_days + 1) * D)
        if after is None or after.kind is SessionKind.REST:
            continue  # still resting (e.g. referred to a clinician by a severe-pain rule)
        rank = _rank(proto, profile, after.level)
        if rank[0] == before[0]:
            assert rank[1] <= max(0, before[1] - rule.levels)


def check_no_back_to_back_runs_in_the_first_weeks(sim: Sim) -> None:
    proto, _, checkins, _, plan = sim
    runs = {c.date for c in checkins if c.run_min}
    runs |= {s.date for s in plan.sessions if s.date > plan.today and s.run_s}
    if not runs:
        return
    first = min(runs)
    limit = first + dt.timedelta(weeks=proto.walk_run.no_consecutive_run_days_weeks)
    for day in runs:
        if day + D in runs:
            assert day + D >= limit, f"runs on {day} and the next day within the first weeks"


def check_weekly_running_grows_at_most_10_percent_once_continuous(sim: Sim) -> None:
    """docs/safety.md: running <= last week + 10%, but a week may always hold the sessions a level needs.

    Without that allowance a week cut short (rest after night pain, a skipped run) would hold every
    later week to one run: 10% of one session is never room for a second. The allowance is the
    level's own prescription (sessions needed x its running), never more.
    """
    proto, profile, _, _, plan = sim
    run_s = {rung.id: rung.run_s for rung in running_ladder(proto, profile.preferences.goal_run_min)}
    weeks: dict[dt.date, list[Session]] = defaultdict(list)
    for s in plan.sessions:
        if s.date > plan.today:
            weeks[s.date - s.date.weekday() * D].append(s)
    cap = 1 + proto.continuous.max_weekly_increase_pct / 100
    for monday, sessions in weeks.items():
        prev = weeks.get(monday - 7 * D)
        if prev is None or len(prev) < 7 or len(sessions) < 7:
            continue
        runs, prev_runs = [s for s in sessions if s.run_s], [s for s in prev if s.run_s]
        if not runs or not prev_runs or not all(s.kind is SessionKind.RUN for s in runs + prev_runs):
            continue
        level_needs = proto.walk_run.sessions_to_advance * run_s[str(runs[-1].level)]
        allowed = max(cap * sum(s.run_s for s in prev_runs), level_needs)
        assert sum(s.run_s for s in runs) <= allowed + 1e-6, f"week of {monday}: {[s.run_s for s in runs]}"


@settings(max_examples=10, deadline=None)
@given(scenarios())
def test_same_inputs_same_plan(sc: dict[str, object]) -> None:
    proto, profile, checkins, _, plan = _simulate(sc)
    again = build_plan(profile, proto, history_from_log(list(reversed(checkins)), []), plan.today, 120)
    first = build_plan(profile, proto, history_from_log(checkins, []), plan.today, 120)
    assert dumps(plan_view(first)) == dumps(plan_view(again))


@settings(max_examples=15, deadline=None)
@given(st.sets(st.sampled_from(list(Weekday)), min_size=3, max_size=7))
def test_clean_femoral_neck_progression_takes_eight_weeks_or_more(weekdays: set[Weekday]) -> None:
    proto = REGISTRY.protocol("femoral-neck-bsi")
    profile = AthleteProfile(
        athlete_id="clean",
        condition="femoral-neck-bsi",
        injury_date=INJURY,
        full_weight_bearing_date=FWB,
        preferences={"session_weekdays": sorted(weekdays, key=lambda w: w.number), "strength_weekdays": []},
    )
    end = INJURY + dt.timedelta(weeks=15)
    checkins, clinical = follow_plan(profile, proto, FWB, end, tests_on=INJURY + dt.timedelta(weeks=12))
    plan = build_plan(profile, proto, history_from_log(checkins, clinical), end, horizon_days=400)
    assert plan.gate.opened_on is not None
    first_30 = next(s for s in plan.sessions if s.kind is SessionKind.RUN and s.run_s >= 30 * 60)
    assert (first_30.date - plan.gate.opened_on).days >= 56
