"""What the engine does with each day's events: the rules as small named handlers.

Start of day (protected loading ends, breaks, earning a level), a day's
activity and check-in (crediting and warnings), pain rules (a table from the
protocol's action to a handler), clinical tests and clinician reviews, and the
gate. Each handler records the rule that fired, its evidence and its source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from walkrun.domain.history import DoneSession
from walkrun.domain.models import CheckIn
from walkrun.domain.plan import PastSession, Phase, SessionKind
from walkrun.domain.protocol import PainRule
from walkrun.domain.sources import source_name
from walkrun.domain.vocab import Action, PainAction, PainStatus, SessionStatus, WarningKind
from walkrun.engine.readiness import CLINICIAN_REVIEW, walk_verdict
from walkrun.evidence import pain

if TYPE_CHECKING:
    from walkrun.engine.prescribe import Rx
    from walkrun.engine.progression import Replay

DAY = dt.timedelta(days=1)
ACTIVE = (SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN)


# ---- start of day ------------------------------------------------------------------
def begin_day(r: Replay, day: dt.date) -> None:
    if r.phase is Phase.WEIGHT_BEARING and day >= r.fwb_date:
        r.phase = Phase.BRISK_WALK
        r.walk.move(0, day)
        wb = r.proto.weight_bearing
        r.decide(
            day,
            Action.PHASE,
            "weight-bearing",
            f"full weight-bearing from {r.fwb_date} ({r.fwb_reason}); brisk walks start at {r.walk_levels[0]} min",
            wb.source if wb else r.proto.walk.source,
        )
    if r.rest_until is not None and day > r.rest_until:
        r.rest_until = None
    _week_off(r, day)
    _breaks(r, day)
    _maybe_advance(r, day)


def _week_off(r: Replay, day: dt.date) -> None:
    """A whole week without running once continuous: back to the last interval level first."""
    if r.pre_gate or r.referred_on is not None or day.weekday() != 0 or r.rest_until is not None:
        return
    if not r.reached_continuous or r.week_run_s(day - 7 * DAY) != 0:
        return
    r.reached_continuous = False
    r.run.move(min(r.run.idx, len(r.proto.walk_run.levels) - 1), day)
    r.phase = Phase.WALK_RUN
    r.decide(
        day,
        Action.DROP,
        "resume-after-break",
        "no running at all last week: back to intervals before continuous running again",
        r.proto.continuous.source,
        level_to=r.level_id(),
    )


def _breaks(r: Replay, day: dt.date) -> None:
    """Days without running cost levels: one level, then back to the first, then the gate again."""
    if r.pre_gate or r.referred_on is not None or r.gate_opened is None:
        return
    b = r.proto.breaks
    last = r.last_run_day or r.gate_opened
    gap = (day - last).days - 1
    stage = (
        3
        if gap >= b.regate_after_days
        else 2
        if gap >= b.restart_after_days
        else 1
        if gap >= b.drop_one_after_days
        else 0
    )
    if stage <= r.break_stage:
        return
    r.break_stage = stage
    before = r.level_id()
    since = f"no running since {last} ({gap} days)"
    if stage == 3:
        r.gate_opened, r.gate_at_open, r.last_gate_key, r.first_run = None, None, None, None
        r.phase = Phase.GATE
        r.walk.move(len(r.walk_levels) - 1, day)
        r.decide(day, Action.GATE_CLOSED, "break-regate", f"{since}: the gate must be met again", b.source)
        return
    if stage == 2:
        r.run.move(0, day)
        r.sync_run_phase()
        rule, text = "break-restart", f"{since}: back to the first walk-run level"
    else:
        r.step_down(day, 1)
        rule, text = "break-drop", f"{since}: one level down"
    r.decide(day, Action.DROP, rule, text, b.source, level_from=before, level_to=r.level_id())


def _maybe_advance(r: Replay, day: dt.date) -> None:
    if r.phase is Phase.WEIGHT_BEARING or r.referred_on is not None:
        return
    if r.failed_tests and not r.pre_gate:
        return
    if r.pre_gate:
        wb = r.proto.walk
        top, ladder, need, min_days = len(r.walk_levels) - 1, r.walk, wb.sessions_to_advance, wb.min_days_at_level
        rule, src = "walk-advance", wb.source
    else:
        wr = r.proto.walk_run
        top, ladder, need, min_days = len(r.rungs) - 1, r.run, wr.sessions_to_advance, wr.min_days_at_level
        rule, src = "walk-run-advance", wr.advance_source or wr.source
        if r.rungs[ladder.idx].continuous_min is not None:
            src = r.proto.continuous.source
    if ladder.idx >= top or len(ladder.clean) < need or (day - ladder.since).days < min_days:
        if r.pre_gate and ladder.idx >= top and r.phase is Phase.BRISK_WALK:
            r.phase = Phase.GATE
        return
    before = r.level_id()
    dates = ", ".join(str(d) for d in ladder.clean)
    count, days_at = len(ladder.clean), (day - ladder.since).days
    ladder.move(ladder.idx + 1, day)
    if not r.pre_gate:
        r.sync_run_phase()
    r.decide(
        day,
        Action.ADVANCE,
        rule,
        f"{count} clean sessions at {before} ({dates}) over {days_at} days (needs {need} sessions and {min_days} days)",
        src,
        level_from=before,
        level_to=r.level_id(),
    )


# ---- what happened on a day -----------------------------------------------------------
def apply_actual(r: Replay, day: dt.date, rx: Rx) -> tuple[SessionStatus, str]:
    """Apply one day's session and check-in; returns (status, plain-words summary) for the past view."""
    done = r.ev.done.get(day)
    c = r.ev.checkins.get(day)
    verdict = walk_verdict(r.ev, r.proto, day)
    report = (done.checkin if done else None) or c
    if done is None:
        status = SessionStatus.REST if rx.kind is SessionKind.REST else SessionStatus.NOT_TRACKED
        summary = ""
        if rx.kind in ACTIVE:
            status, summary = SessionStatus.MISSED, "no activity or check-in for this session"
    else:
        status, summary = _apply_done(r, day, rx, done, verdict)
    if verdict.rule is not None and report is not None:
        respond(r, day, verdict.rule, report)
    return status, summary


def _apply_done(r: Replay, day: dt.date, rx: Rx, done: DoneSession, verdict: pain.Verdict) -> tuple[SessionStatus, str]:
    running = done.run_s > 0
    if running:
        r.mark_run(day, done.run_s)
    for w in done.warnings:
        r.warn(day, WarningKind.ACTIVITY, w)
    summary = f"walked {_minutes(done.walk_s)}" + (f", ran {_minutes(done.run_s)}" if running else "")
    if r.referred_on is not None:
        r.warn(
            day, WarningKind.ACTIVITY_WHILE_REFERRED, f"{summary} on {day} while referred to a clinician: not counted"
        )
        return SessionStatus.REFERRED, summary
    if r.phase is Phase.WEIGHT_BEARING:
        r.warn(
            day,
            WarningKind.WALK_BEFORE_FULL_WEIGHT_BEARING,
            f"walking before the expected end of protected loading ({r.fwb_date}): check with your clinician",
        )
    if running and r.pre_gate:
        r.warn(day, WarningKind.RUNNING_BEFORE_GATE, f"{done.run_s // 60} min of running before the gate opened")
        r.decide(
            day,
            Action.HOLD,
            "running-before-gate",
            f"{_minutes(done.run_s)} running logged on {day} while the gate is closed; not counted",
            r.proto.gate.source,
        )
        return SessionStatus.UNPLANNED, summary
    if running:
        r.first_run = r.first_run or day
        credit, status, summary = _judge_run(r, day, done, rx)
        if credit and verdict.clean and r.credit_level(rx):
            r.run.clean.append(day)
        elif credit and verdict.rule is None and not verdict.clean:
            r.decide(day, Action.HOLD, "not-clean", f"{day}: {verdict.note}; session not counted", r.proto.pain.source)
        return status, summary
    status = SessionStatus.DONE if rx.kind in ACTIVE else SessionStatus.UNPLANNED
    if r.pre_gate and r.phase is not Phase.WEIGHT_BEARING:
        need = r.walk_need_s()
        if verdict.clean and done.longest_brisk_walk_s >= need and r.credit_level(rx):
            r.walk.clean.append(day)
        elif verdict.status is PainStatus.UNKNOWN:
            r.warn(day, WarningKind.PAIN_UNKNOWN, f"walk on {day}: {verdict.note}; not counted as pain-free")
        if rx.kind in ACTIVE and done.longest_brisk_walk_s < need:
            status = SessionStatus.PARTIAL
            summary += f"; longest brisk stretch {_minutes(done.longest_brisk_walk_s)} of {_minutes(need)}"
    return status, summary


def _judge_run(r: Replay, day: dt.date, done: DoneSession, rx: Rx) -> tuple[bool, SessionStatus, str]:
    wr = r.proto.walk_run
    src = wr.rest_days_source or wr.source
    if r.in_rest_between_runs(day):
        r.warn(day, WarningKind.CONSECUTIVE_RUN_DAYS, f"ran on {day - DAY} and {day}: keep a day between runs")
    if rx.run_s == 0:
        r.warn(day, WarningKind.UNPLANNED_RUN, f"ran {done.run_s // 60} min on {day}, a day without a planned run")
        r.decide(day, Action.HOLD, "unplanned-run", f"{_minutes(done.run_s)} run on a non-run day; not counted", src)
        return False, SessionStatus.UNPLANNED, f"ran {_minutes(done.run_s)} on a day without a planned run"
    check = r.judge(rx.session(), done) if r.judge is not None and done.activity_id else None
    summary = check.summary if check is not None else f"ran {_minutes(done.run_s)} of {_minutes(rx.run_s)} prescribed"
    tol_src = wr.tolerance_source or wr.source
    if r.tol.overdone(done.run_s, rx.run_s) or (check is not None and check.overdone):
        r.warn(day, WarningKind.OVERDONE, summary)
        r.decide(day, Action.HOLD, "overdone", f"{summary}: more than planned never counts toward advancing", tol_src)
        return False, SessionStatus.OVERDONE, summary
    if r.tol.underdone(done.run_s, rx.run_s):
        r.decide(day, Action.HOLD, "incomplete", f"{summary}: not counted as a completed session", tol_src)
        return False, SessionStatus.PARTIAL, summary
    return True, SessionStatus.DONE, summary


def apply_assumed(r: Replay, day: dt.date, rx: Rx) -> None:
    """A future day: assume the prescription is done cleanly (a provisional roadmap)."""
    if rx.run_s:
        r.first_run = r.first_run or day
        r.mark_run(day, rx.run_s)
        if r.credit_level(rx):
            r.run.clean.append(day)
    elif rx.kind is SessionKind.BRISK_WALK and r.pre_gate and r.credit_level(rx):
        r.walk.clean.append(day)


def past_session(r: Replay, day: dt.date, rx: Rx, status: SessionStatus, summary: str) -> PastSession:
    done = r.ev.done.get(day)
    report = (done.checkin if done else None) or r.ev.checkins.get(day)
    return PastSession(
        session=rx.session(),
        status=status,
        done_run_s=done.run_s if done else 0,
        done_walk_s=done.walk_s if done else 0,
        sources=sorted(set(source_name(done.source).split("+"))) if done else [],
        adherence=summary,
        pain=pain.describe(report) if report and report.any_pain else "",
    )


# ---- pain rules: protocol action -> handler ------------------------------------------------
def respond(r: Replay, day: dt.date, rule: PainRule, c: CheckIn) -> None:
    if r.referred_on is not None and rule.action is not PainAction.STOP_AND_REFER:
        return  # already paused until a clinician review; nothing lower can change that
    PAIN_RESPONSES[rule.action](r, day, rule, c)


def _refer(r: Replay, day: dt.date, rule: PainRule, c: CheckIn) -> None:
    before = r.level_id()
    r.referred_on = day
    r.referral_drop = max(r.referral_drop, rule.levels)
    (r.walk if r.pre_gate else r.run).clean = []
    r.decide(day, Action.REFER, f"pain:{rule.id}", f"{pain.describe(c)}. {rule.says}", rule.source, level_from=before)


def _rest_then_drop(r: Replay, day: dt.date, rule: PainRule, c: CheckIn) -> None:
    before = r.level_id()
    r.rest_until = day + rule.rest_days * DAY
    r.step_down(day + (rule.rest_days + 1) * DAY, rule.levels)
    text = f"{pain.describe(c)}. {rule.says} Rest until {r.rest_until}, then {r.level_id()}"
    r.decide(day, Action.REST, f"pain:{rule.id}", text, rule.source, level_from=before, level_to=r.level_id())


def _drop(r: Replay, day: dt.date, rule: PainRule, c: CheckIn) -> None:
    before = r.level_id()
    r.step_down(day + DAY, rule.levels)
    text = f"{pain.describe(c)}. {rule.says}"
    r.decide(day, Action.DROP, f"pain:{rule.id}", text, rule.source, level_from=before, level_to=r.level_id())


def _hold(r: Replay, day: dt.date, rule: PainRule, c: CheckIn) -> None:
    before = r.level_id()
    (r.walk if r.pre_gate else r.run).clean = []
    text = f"{pain.describe(c)}. {rule.says}"
    r.decide(day, Action.HOLD, f"pain:{rule.id}", text, rule.source, level_from=before, level_to=before)


PAIN_RESPONSES: dict[PainAction, Callable[[Replay, dt.date, PainRule, CheckIn], None]] = {
    PainAction.STOP_AND_REFER: _refer,
    PainAction.REST_THEN_DROP: _rest_then_drop,
    PainAction.DROP: _drop,
    PainAction.HOLD: _hold,
}


# ---- clinical tests, reviews and the gate ---------------------------------------------------
def apply_clinical(r: Replay, day: dt.date) -> None:
    """A review on this day ends a referral (never earlier); a failed test after the gate drops a level."""
    g = r.proto.gate
    for t in r.ev.clinical_on.get(day, ()):
        if t.test == CLINICIAN_REVIEW:
            if t.passed and r.referred_on is not None and t.date >= r.referred_on:
                _resume(r, day)
            continue
        if r.pre_gate or t.test not in g.required_tests:
            continue
        if t.passed:
            r.failed_tests.discard(t.test)
            continue
        before = r.level_id()
        if not r.failed_tests:
            r.step_down(day + DAY, 1)
        r.failed_tests.add(t.test)
        r.decide(
            day,
            Action.DROP,
            "clinical-test-failed",
            f"{t.test} failed on {day}{': ' + t.note if t.note else ''}; no step up until it is passed again",
            g.tests_source or g.source,
            level_from=before,
            level_to=r.level_id(),
        )


def _resume(r: Replay, day: dt.date) -> None:
    referred = r.referred_on
    r.referred_on = None
    r.step_down(day + DAY, r.referral_drop)
    r.referral_drop = 0
    r.decide(
        day,
        Action.RESUME,
        CLINICIAN_REVIEW,
        f"clinician review passed on {day} (referred on {referred}); resuming at {r.level_id()} from {day + DAY}",
        r.proto.pain.source,
        level_to=r.level_id(),
    )


def evaluate_gate(r: Replay, day: dt.date) -> None:
    if r.walk.idx == len(r.walk_levels) - 1 and r.phase is Phase.BRISK_WALK:
        r.phase = Phase.GATE
    unmet = r.ready.unmet(day, None)
    if not unmet:
        status = r.ready.status(day, None)
        r.gate_opened = day
        r.gate_at_open = status.model_copy(update={"opened_on": day})
        r.phase = Phase.WALK_RUN
        r.run.move(0, day + DAY)
        r.first_run, r.last_run_day, r.break_stage, r.reached_continuous = None, None, 0, False
        evidence = "; ".join(f"{c.name}: {c.evidence}" for c in status.criteria)
        r.decide(day, Action.GATE_OPEN, "gate", evidence, r.proto.gate.source, level_to=r.rungs[0].id)
        # Sessions repeat the reason for their level; the full checklist stays in the decision log.
        names = ", ".join(c.name for c in status.criteria)
        r.last_why = ("gate", f"gate opened on {day}: {names}", r.last_why[2])
    elif unmet != r.last_gate_key:
        status = r.ready.status(day, None)
        evidence = "; ".join(f"{c.name}: {c.evidence}" for c in status.criteria if not c.met)
        r.decide(day, Action.GATE_CLOSED, "gate", f"not met: {evidence}", r.proto.gate.source)
    r.last_gate_key = unmet


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min" if seconds >= 60 else f"{round(seconds)} s"
