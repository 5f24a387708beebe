"""Engine state + day -> the session prescribed for that day, with its rule, evidence and source.

Pure functions over the replay's state (``walkrun.engine.progression.Replay``): what
kind of day it is (paused, rest, protected loading, strength, walk, run), and
for a run day the interval or continuous session the ladder and weekly cap
allow. Sessions are built with ``model_construct``: the engine made every value,
and this runs once per replayed day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from walkrun.domain import citations
from walkrun.domain.models import Weekday
from walkrun.domain.plan import RUN_KINDS, WALK_KINDS, Phase, Session, SessionKind, Step, StepKind
from walkrun.domain.protocol import Source

if TYPE_CHECKING:
    from walkrun.engine.progression import Replay, Rung

DAY = dt.timedelta(days=1)
SCHEDULE_SOURCE = citations.format_citation(
    Source(cite="walkrun-default", note="sessions on the athlete's chosen weekdays (walkrun init --session-days)")
)


def step(kind: StepKind, **fields: Any) -> Step:
    data: dict[str, Any] = {"duration_s": None, "repeat_count": None, "steps": [], "exercises": [], "label": ""}
    data.update(fields)
    return Step.model_construct(kind=kind, **data)


@dataclass(frozen=True, slots=True)
class Rx:
    """A day's prescription; becomes a ``Session`` only when someone will read it (most replayed days never are)."""

    date: dt.date
    slot: str
    kind: SessionKind
    phase: Phase
    level: str | None
    title: str
    steps: list[Step]
    run_s: int
    walk_s: int
    total_s: int
    intensity: str
    reason: str
    rule: str
    source: str
    capped: bool

    def session(self, provisional: bool = False) -> Session:
        fields = {f: getattr(self, f) for f in self.__slots__}
        return Session.model_construct(**fields, provisional=provisional)


def session(
    r: Replay, day: dt.date, kind: SessionKind, title: str, steps: list[Step], why: tuple[str, str, str], **kw: object
) -> Rx:
    """``why`` is (rule, evidence, source); none of them may be empty."""
    rule, reason, source = why
    totals = r.totals_memo.get(id(steps))
    if totals is None:
        totals = r.totals_memo[id(steps)] = (
            sum(s.seconds_of(RUN_KINDS) for s in steps),
            sum(s.seconds_of(WALK_KINDS) for s in steps),
            sum(s.total_s for s in steps),
        )
    return Rx(
        date=day,
        slot=day.isoformat(),
        kind=kind,
        phase=r.phase,
        level=r.level_id(),
        title=title,
        steps=steps,
        run_s=totals[0],
        walk_s=totals[1],
        total_s=totals[2],
        intensity=str(kw.pop("intensity", "")),
        reason=reason,
        rule=rule,
        source=source,
        capped=bool(kw.pop("capped", False)),
    )


def prescribe(r: Replay, day: dt.date) -> Rx:
    wd = Weekday.of(day)
    if r.referred_on is not None:
        return rest(r, day, "Paused: see your clinician before walking fast or running again", r.last_why)
    if r.rest_until is not None and day <= r.rest_until:
        return rest(r, day, "Full rest (pain rule)", r.last_why)
    if r.phase is Phase.WEIGHT_BEARING:
        if wd in r.session_days or wd in r.strength_days:
            return protected_loading(r, day)
        return rest(r, day, "Rest day", _schedule())
    if wd in r.strength_days and r.proto.strength:
        return strength(r, day)
    if wd not in r.session_days:
        return rest(r, day, "Rest day", _schedule())
    if r.pre_gate:
        minutes = r.walk_levels[r.walk.idx]
        wb = r.proto.walk
        why = (
            "walk-build-up",
            f"brisk walks build from {r.walk_levels[0]} to {r.walk_levels[-1]} min: {wb.sessions_to_advance} clean "
            f"walks over at least {wb.min_days_at_level} days move up a level; now W{minutes}",
            r.cite(wb.source),
        )
        # The decision that set the current level explains the session, once there is one.
        return brisk_walk(r, day, minutes, why if r.last_why[0] == "start" else r.last_why)
    run = run_session(r, day)
    if run is not None:
        return run
    wr = r.proto.walk_run
    if r.in_rest_between_runs(day):
        why = (
            "rest-between-runs",
            f"ran on {day - DAY}: no back-to-back run days in the first {wr.no_consecutive_run_days_weeks} weeks",
            r.cite(wr.rest_days_source or wr.source),
        )
    else:
        why = (
            "weekly-cap",
            f"weekly running may rise at most {r.proto.continuous.max_weekly_increase_pct:g}% on last week",
            r.cite(r.proto.continuous.source),
        )
    return brisk_walk(r, day, min(30, r.proto.walk.goal_min), why)


def _schedule() -> tuple[str, str, str]:
    return ("schedule", "no session planned on this weekday", SCHEDULE_SOURCE)


def steps_for(r: Replay, key: tuple[object, ...], build: Callable[[], list[Step]]) -> list[Step]:
    """Steps are immutable and repeat day after day: build each distinct list once per replay."""
    found = r.steps_memo.get(key)
    if found is None:
        found = r.steps_memo[key] = build()
    return found


def rest(r: Replay, day: dt.date, title: str, why: tuple[str, str, str]) -> Rx:
    steps = steps_for(r, ("rest", title), lambda: [step(StepKind.REST, label=title)])
    return session(r, day, SessionKind.REST, title, steps, why)


def protected_loading(r: Replay, day: dt.date) -> Rx:
    wb = r.proto.weight_bearing
    exercises = list(wb.exercises) if wb else []
    why = (
        "weight-bearing",
        f"protected loading until full weight-bearing on {r.fwb_date} ({r.fwb_reason})",
        r.cite(wb.source) if wb else SCHEDULE_SOURCE,
    )
    steps = steps_for(
        r, ("protected",), lambda: [step(StepKind.STRENGTH, exercises=exercises, label="non-weight-bearing exercises")]
    )
    return session(r, day, SessionKind.STRENGTH, "Protected loading: non-weight-bearing exercises", steps, why)


def strength(r: Replay, day: dt.date) -> Rx:
    st = r.proto.strength
    assert st is not None
    stage, locked = r.strength_stage(day)
    current = st.stages[stage - 1]
    drills = r.proto.clearance_drills
    with_drills = bool(drills and stage >= st.drills_from_stage)
    title = f"Strength {current.name}" + (" + clearance drills" if with_drills else "")

    def build() -> list[Step]:
        out = [step(StepKind.STRENGTH, exercises=list(current.exercises), label=current.name)]
        if drills and with_drills:
            out.append(step(StepKind.STRENGTH, exercises=list(drills.drills), label="clearance drills"))
        if st.cross_training:
            out.append(step(StepKind.CROSS_TRAINING, exercises=list(st.cross_training), label="optional"))
        return out

    steps = steps_for(r, ("strength", stage), build)
    reason = (
        f"strength stage {stage} of {len(st.stages)}: {st.stage_weeks[0]}-{st.stage_weeks[1]} weeks a stage "
        f"from full weight-bearing on {r.fwb_date}"
    )
    if locked:
        reason += f"; {locked}"
    return session(r, day, SessionKind.STRENGTH, title, steps, ("strength-stage", reason, r.cite(st.source)))


def brisk_walk(r: Replay, day: dt.date, minutes: int, why: tuple[str, str, str]) -> Rx:
    label = f"brisk walk {minutes} min"
    steps = steps_for(r, ("walk", minutes), lambda: [step(StepKind.BRISK_WALK, duration_s=minutes * 60, label=label)])
    title = f"Brisk walk {minutes} min"
    return session(r, day, SessionKind.BRISK_WALK, title, steps, why, intensity="brisk, pain-free")


def run_budget_s(r: Replay, day: dt.date) -> int:
    """Running seconds still allowed this ISO week: at most the protocol's share over last week.

    A week may always hold the sessions a level needs to be earned, so the cap trims a fourth session
    rather than stalling the ladder.
    """
    monday = day - day.weekday() * DAY
    prev = r.week_run_s(monday - 7 * DAY)
    so_far = sum(r.run_by_day.get(monday + k * DAY, 0) for k in range(day.weekday()))
    base = r.proto.walk_run.sessions_to_advance * r.rungs[r.run.idx].run_s
    cap = max(math.floor(prev * (1 + r.proto.continuous.max_weekly_increase_pct / 100)), base)
    return max(0, cap - so_far)


def _run_steps(r: Replay, rung: Rung, amount: int) -> list[Step]:
    """Warm-up, the level's repeats (or ``amount`` minutes of easy running), cool-down."""
    wr = r.proto.walk_run
    steps: list[Step] = []
    if wr.warmup_min:
        steps.append(step(StepKind.WARMUP, duration_s=round(wr.warmup_min * 60), label="brisk walk warm-up"))
    if rung.interval is not None:
        blocks = [
            step(StepKind(b.kind), duration_s=round(b.min * 60), label=f"{b.kind} {b.min:g} min")
            for b in rung.interval.pattern
        ]
        steps.append(step(StepKind.REPEAT, repeat_count=amount, steps=blocks))
    else:
        steps.append(step(StepKind.RUN, duration_s=amount * 60, label=f"easy run {amount} min"))
    if wr.cooldown_min:
        steps.append(step(StepKind.COOLDOWN, duration_s=round(wr.cooldown_min * 60), label="walk cool-down"))
    return steps


def run_session(r: Replay, day: dt.date) -> Rx | None:
    wr = r.proto.walk_run
    if r.in_rest_between_runs(day):
        return None
    rung = r.rungs[r.run.idx]
    budget = run_budget_s(r, day)
    if rung.interval is not None:
        level = rung.interval
        per_repeat = level.run_s // level.repeats
        amount = min(level.repeats, budget // per_repeat)
        # A session cut below half its repeats is not that level any more: walk instead.
        if amount * 2 < level.repeats:
            return None
        capped = amount < level.repeats
        pattern = " / ".join(f"{b.kind} {b.min:g}" for b in level.pattern)
        title = f"Walk-run {level.id}: {amount} × {pattern}"
        kind = SessionKind.WALK_RUN
    else:
        amount = min(rung.continuous_min or 0, budget // 60)
        if amount < max(r.proto.continuous.min_session_min, (rung.continuous_min or 0) // 2):
            return None
        capped = amount < (rung.continuous_min or 0)
        title = f"Easy run {amount} min"
        kind = SessionKind.RUN
    steps = steps_for(r, ("run", rung.id, amount), lambda: _run_steps(r, rung, amount))
    # The decision that set this level explains the session; a capped one says why it will not count.
    why = r.last_why
    if capped:
        cap = r.proto.continuous
        text = (
            f"level {rung.id} shortened to stay within {cap.max_weekly_increase_pct:g}% more running than last "
            "week: it does not count toward the next level"
        )
        why = ("weekly-cap", text, r.cite(cap.source))
    return session(r, day, kind, title, steps, why, intensity=wr.intensity, capped=capped)
