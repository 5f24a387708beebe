"""Protocol + history + today -> plan. Pure: no clock, no I/O, no randomness.

The engine replays every day from the injury to the end of the horizon through
one state machine. Up to ``today`` it applies what the runner actually did and
reported; after ``today`` it assumes each planned session goes cleanly, which
gives a provisional roadmap that is recomputed at every check-in. The gate can
only open on evidence, never on a projection, so no running is ever planned
before it is met.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from walkrun.errors import UsageError
from walkrun.history import DoneSession, History, merge_checkins
from walkrun.models import AthleteProfile, CheckIn, ClinicalTestResult, Weekday
from walkrun.plan import (
    RUN_KINDS,
    WALK_KINDS,
    Criterion,
    Decision,
    GateStatus,
    PastSession,
    Phase,
    Plan,
    Session,
    SessionKind,
    Step,
    StepKind,
    Warning_,
)
from walkrun.protocol import PainRule, Protocol, WalkRunLevel

CLINICIAN_REVIEW = "clinician-review"
DAY = dt.timedelta(days=1)
OVERDONE_FACTOR = 1.10
OVERDONE_GRACE_S = 60
UNDERDONE_FACTOR = 0.90
UNDERDONE_GRACE_S = 30
# A watch started a few seconds late must not turn a 45-minute walk into a failed one.
WATCH_SLACK_S = 30


@dataclass(frozen=True)
class Rung:
    """One step of the running ladder: an interval level or a continuous run."""

    id: str
    interval: WalkRunLevel | None = None
    continuous_min: int | None = None

    @property
    def run_s(self) -> int:
        return self.interval.run_s if self.interval else (self.continuous_min or 0) * 60


def running_ladder(protocol: Protocol, goal_run_min: int) -> list[Rung]:
    rungs = [Rung(lv.id, interval=lv) for lv in protocol.walk_run.levels]
    durations = [m for m in protocol.continuous.durations_min if m <= goal_run_min]
    durations = durations or protocol.continuous.durations_min[:1]
    return rungs + [Rung(f"C{m}", continuous_min=m) for m in durations]


@dataclass
class _Ladder:
    """Position on a ladder plus the clean sessions collected at that rung."""

    idx: int = 0
    since: dt.date = dt.date.min
    clean: list[dt.date] = field(default_factory=list)

    def move(self, idx: int, day: dt.date) -> None:
        self.idx = idx
        self.since = day
        self.clean = []


@dataclass(frozen=True)
class RunCheck:
    """What a per-interval comparison (see ``adherence.py``) says about one session."""

    overdone: bool
    summary: str


Judge = Callable[[Session, DoneSession], "RunCheck | None"]


@dataclass(frozen=True)
class _RunResult:
    credit: bool
    status: str
    summary: str


@dataclass(frozen=True)
class _Verdict:
    clean: bool
    rule: PainRule | None = None
    note: str = ""


class _Replay:
    def __init__(
        self,
        profile: AthleteProfile,
        protocol: Protocol,
        history: History,
        today: dt.date,
        judge: Judge | None = None,
        lookback_days: int = 0,
    ) -> None:
        if today < profile.injury_date:
            raise UsageError(f"--today {today} is before the injury date {profile.injury_date}")
        self.p = profile
        self.proto = protocol
        self.judge = judge
        self.lookback_start = today - dt.timedelta(days=lookback_days)
        self.past: list[PastSession] = []
        self.today = today
        self.prefs = profile.preferences
        self.checkins = {d: c for d, c in merge_checkins(history.checkins).items() if d <= today}
        self.done: dict[dt.date, DoneSession] = _sessions_by_day(history.sessions, today)
        self.clinical = sorted((t for t in history.clinical if t.date <= today), key=lambda t: (t.date, t.test))
        self.rungs = running_ladder(protocol, self.prefs.goal_run_min)
        self.walk_levels = protocol.walk.levels_min
        self.session_days = set(self.prefs.session_weekdays)
        self.strength_days = set(self.prefs.strength_weekdays) - self.session_days

        self.fwb_date, self.fwb_reason = self._full_weight_bearing()
        self.phase = Phase.WEIGHT_BEARING if protocol.weight_bearing else Phase.BRISK_WALK
        self.walk = _Ladder(since=profile.injury_date)
        self.run = _Ladder()
        self.reached_continuous = False
        self.gate_opened: dt.date | None = None
        self.gate_at_open: GateStatus | None = None
        self.last_gate_key: tuple[str, ...] | None = None
        self.rest_until: dt.date | None = None
        self.referred_on: dt.date | None = None
        self.referral_drop = 0
        self.first_run: dt.date | None = None
        self.run_by_day: dict[dt.date, int] = {}
        self.failed_tests: set[str] = set()
        self.reason = ""
        self.decisions: list[Decision] = []
        self.warnings: list[Warning_] = []
        self.sessions: list[Session] = []
        self.today_phase = self.phase
        self.today_level: str | None = None
        self.today_gate: GateStatus | None = None

    # ---- small helpers -------------------------------------------------
    def _decide(self, day: dt.date, action: str, rule: str, evidence: str, source_key: str, **kw: str | None) -> None:
        d = Decision(
            date=day,
            action=action,
            rule=rule,
            evidence=evidence,
            source=self.proto.cite(source_key),
            projected=day > self.today,
            **kw,
        )
        self.decisions.append(d)
        if action in ("advance", "drop", "rest", "refer", "gate-open", "phase", "resume"):
            self.reason = f"{rule}: {evidence}"

    def _warn(self, day: dt.date, kind: str, message: str) -> None:
        self.warnings.append(Warning_(date=day, kind=kind, message=message))

    def _full_weight_bearing(self) -> tuple[dt.date, str]:
        wb = self.proto.weight_bearing
        if wb is None:
            return self.p.injury_date, "protocol has no weight-bearing stage"
        if self.p.full_weight_bearing_date:
            return self.p.full_weight_bearing_date, "full weight-bearing date from the profile"
        severe = self.p.grade is not None and self.p.grade >= 4
        weeks = (wb.severe_non_weight_bearing_weeks if severe else wb.non_weight_bearing_weeks)[1]
        weeks += wb.partial_weight_bearing_weeks[1]
        estimate = self.p.injury_date + dt.timedelta(weeks=weeks)
        walked = [d for d, s in self.done.items() if s.walk_s or s.run_s]
        if walked and min(walked) < estimate:
            return min(walked), f"first walk logged on {min(walked)}"
        return estimate, f"no date given: injury + {weeks} weeks (non-weight-bearing and partial stages, upper end)"

    def _ran(self, day: dt.date) -> bool:
        return self.run_by_day.get(day, 0) > 0

    def _week_run_s(self, monday: dt.date) -> int:
        return sum(self.run_by_day.get(monday + k * DAY, 0) for k in range(7))

    def _strength_stage(self, day: dt.date) -> int:
        st = self.proto.strength
        if st is None or day < self.fwb_date:
            return 0
        weeks = st.stage_weeks[1] if self.p.grade is None or self.p.grade >= 3 else st.stage_weeks[0]
        return min(len(st.stages), 1 + (day - self.fwb_date).days // (7 * weeks))

    @property
    def pre_gate(self) -> bool:
        return self.gate_opened is None

    # ---- the day loop ---------------------------------------------------
    def run_to(self, horizon_days: int) -> Plan:
        end = self.today + dt.timedelta(days=max(horizon_days, 1) - 1)
        day = self.p.injury_date
        while day <= end:
            self._begin_day(day)
            session = self._prescribe(day)
            if day >= self.today:
                self.sessions.append(session.model_copy(update={"provisional": day > self.today}))
            if day <= self.today:
                self._apply_clinical(day)
                self._apply_actual(day, session)
            else:
                self._apply_assumed(day, session)
            if self.pre_gate and day <= self.today and self.phase is not Phase.WEIGHT_BEARING:
                self._evaluate_gate(day)
            if day == self.today:
                self._snapshot_today()
            day += DAY
        return self._plan()

    def _snapshot_today(self) -> None:
        self.today_phase = self.phase
        self.today_level = self._level_id()
        self.today_gate = self.gate_at_open or self.gate_status(self.today)

    def _level_id(self) -> str | None:
        if self.phase is Phase.WEIGHT_BEARING:
            return None
        if self.pre_gate:
            return f"W{self.walk_levels[self.walk.idx]}"
        return self.rungs[self.run.idx].id

    def _begin_day(self, day: dt.date) -> None:
        if self.phase is Phase.WEIGHT_BEARING and day >= self.fwb_date:
            self.phase = Phase.BRISK_WALK
            self.walk.move(0, day)
            wb = self.proto.weight_bearing
            self._decide(
                day,
                "phase",
                "weight-bearing",
                f"full weight-bearing from {self.fwb_date} ({self.fwb_reason}); brisk walks start at "
                f"{self.walk_levels[0]} min",
                wb.source if wb else self.proto.walk.source,
            )
        if self.referred_on is not None:
            review = self._review_after(self.referred_on)
            if review is None:
                return
            self.referred_on = None
            self._step_down(day, self.referral_drop)
            self._decide(
                day,
                "resume",
                CLINICIAN_REVIEW,
                f"clinician review passed on {review.date}; resuming at {self._level_id()}",
                self.proto.pain.source,
            )
        if self.rest_until is not None and day > self.rest_until:
            self.rest_until = None
        week_off = self.reached_continuous and self._week_run_s(day - 7 * DAY) == 0
        if not self.pre_gate and day.weekday() == 0 and week_off and self.rest_until is None:
            last_interval = len(self.proto.walk_run.levels) - 1
            self.reached_continuous = False
            self.run.move(min(self.run.idx, last_interval), day)
            self.phase = Phase.WALK_RUN
            self._decide(
                day,
                "drop",
                "resume-after-break",
                "no running at all last week: back to intervals before continuous running again",
                self.proto.continuous.source,
                level_to=self._level_id(),
            )
        self._maybe_advance(day)

    def _maybe_advance(self, day: dt.date) -> None:
        if self.phase is Phase.WEIGHT_BEARING or self.referred_on is not None:
            return
        if self.failed_tests and not self.pre_gate:
            return
        if self.pre_gate:
            wb = self.proto.walk
            top = len(self.walk_levels) - 1
            ladder, need, min_days, rule, src = (
                self.walk,
                wb.sessions_to_advance,
                wb.min_days_at_level,
                "walk-advance",
                wb.source,
            )
        else:
            wr = self.proto.walk_run
            top = len(self.rungs) - 1
            ladder, need, min_days = self.run, wr.sessions_to_advance, wr.min_days_at_level
            rule, src = "walk-run-advance", wr.advance_source or wr.source
            if self.rungs[ladder.idx].continuous_min is not None:
                src = self.proto.continuous.source
        if ladder.idx >= top or len(ladder.clean) < need or (day - ladder.since).days < min_days:
            if self.pre_gate and ladder.idx >= top and self.phase is Phase.BRISK_WALK:
                self.phase = Phase.GATE
            return
        before = self._level_id()
        dates = ", ".join(str(d) for d in ladder.clean)
        days_at = (day - ladder.since).days
        ladder.move(ladder.idx + 1, day)
        if not self.pre_gate:
            self._sync_run_phase()
        self._decide(
            day,
            "advance",
            rule,
            f"{len(dates.split(', '))} clean sessions at {before} ({dates}) over {days_at} days "
            f"(needs {need} sessions and {min_days} days)",
            src,
            level_from=before,
            level_to=self._level_id(),
        )

    def _sync_run_phase(self) -> None:
        continuous = self.rungs[self.run.idx].continuous_min is not None
        self.phase = Phase.CONTINUOUS if continuous else Phase.WALK_RUN
        self.reached_continuous = self.reached_continuous or continuous

    def _step_down(self, day: dt.date, levels: int) -> None:
        ladder = self.walk if self.pre_gate else self.run
        ladder.move(max(0, ladder.idx - levels), day)
        if not self.pre_gate:
            self._sync_run_phase()

    def _review_after(self, since: dt.date) -> ClinicalTestResult | None:
        return next((t for t in self.clinical if t.test == CLINICIAN_REVIEW and t.passed and t.date >= since), None)

    # ---- prescribing ------------------------------------------------------
    def _prescribe(self, day: dt.date) -> Session:
        wd = Weekday.of(day)
        if self.referred_on is not None:
            return self._rest(day, "Running and brisk walks paused: see your clinician", "refer")
        if self.rest_until is not None and day <= self.rest_until:
            return self._rest(day, "Full rest (pain rule)", "rest")
        if self.phase is Phase.WEIGHT_BEARING:
            if wd in self.session_days or wd in self.strength_days:
                return self._non_weight_bearing(day)
            return self._rest(day, "Rest day", "")
        if wd in self.strength_days and self.proto.strength:
            return self._strength(day)
        if wd not in self.session_days:
            return self._rest(day, "Rest day", "")
        if self.pre_gate:
            return self._brisk_walk(day, self.walk_levels[self.walk.idx], "walk build-up")
        run = self._run_session(day)
        if run is not None:
            return run
        return self._brisk_walk(day, min(30, self.proto.walk.goal_min), "easy walk instead of a run")

    def _session(self, day: dt.date, kind: SessionKind, title: str, steps: list[Step], **kw: object) -> Session:
        run_s = sum(s.seconds_of(RUN_KINDS) for s in steps)
        walk_s = sum(s.seconds_of(WALK_KINDS) for s in steps)
        return Session(
            date=day,
            slot=day.isoformat(),
            kind=kind,
            phase=self.phase,
            level=self._level_id(),
            title=title,
            steps=steps,
            run_s=run_s,
            walk_s=walk_s,
            total_s=sum(s.total_s for s in steps),
            reason=str(kw.pop("reason", self.reason)),
            **kw,
        )

    def _rest(self, day: dt.date, title: str, why: str) -> Session:
        reason = self.reason if why else "no session planned on this weekday"
        return self._session(day, SessionKind.REST, title, [_step(kind=StepKind.REST, label=title)], reason=reason)

    def _non_weight_bearing(self, day: dt.date) -> Session:
        wb = self.proto.weight_bearing
        exercises = list(wb.exercises) if wb else []
        step = _step(kind=StepKind.STRENGTH, exercises=exercises, label="non-weight-bearing exercises")
        return self._session(day, SessionKind.STRENGTH, "Protected loading: non-weight-bearing exercises", [step])

    def _strength(self, day: dt.date) -> Session:
        st = self.proto.strength
        assert st is not None
        stage = max(1, self._strength_stage(day))
        current = st.stages[stage - 1]
        steps = [_step(kind=StepKind.STRENGTH, exercises=list(current.exercises), label=current.name)]
        title = f"Strength {current.name}"
        drills = self.proto.clearance_drills
        if drills and stage >= st.drills_from_stage:
            steps.append(_step(kind=StepKind.STRENGTH, exercises=list(drills.drills), label="clearance drills"))
            title += " + clearance drills"
        if st.cross_training:
            steps.append(_step(kind=StepKind.CROSS_TRAINING, exercises=list(st.cross_training), label="optional"))
        reason = (
            f"strength stage {stage} of {len(st.stages)}: {st.stage_weeks[0]}-{st.stage_weeks[1]} weeks a stage "
            f"from full weight-bearing ({self.proto.cite(st.source)})"
        )
        return self._session(day, SessionKind.STRENGTH, title, steps, reason=reason)

    def _brisk_walk(self, day: dt.date, minutes: int, why: str) -> Session:
        steps = [_step(kind=StepKind.BRISK_WALK, duration_s=minutes * 60, label=f"brisk walk {minutes} min")]
        reason = self.reason if self.pre_gate else f"{why}: no back-to-back run days or weekly cap"
        return self._session(
            day, SessionKind.BRISK_WALK, f"Brisk walk {minutes} min", steps, intensity="brisk, pain-free", reason=reason
        )

    def _in_rest_between_runs(self, day: dt.date) -> bool:
        """During the first weeks of running, a run day must follow a day without running."""
        if self.first_run is None or not self._ran(day - DAY):
            return False
        return day < self.first_run + dt.timedelta(weeks=self.proto.walk_run.no_consecutive_run_days_weeks)

    def _run_budget_s(self, day: dt.date) -> int | None:
        """Running seconds still allowed this ISO week, once running is continuous."""
        if not self.reached_continuous:
            return None
        monday = day - day.weekday() * DAY
        prev = self._week_run_s(monday - 7 * DAY)
        so_far = sum(self.run_by_day.get(monday + k * DAY, 0) for k in range(day.weekday()))
        cap = math.floor(prev * (1 + self.proto.continuous.max_weekly_increase_pct / 100))
        return max(0, cap - so_far)

    def _run_session(self, day: dt.date) -> Session | None:
        wr = self.proto.walk_run
        if self._in_rest_between_runs(day):
            return None
        rung = self.rungs[self.run.idx]
        budget = self._run_budget_s(day)
        steps: list[Step] = []
        if wr.warmup_min:
            steps.append(_step(kind=StepKind.WARMUP, duration_s=round(wr.warmup_min * 60), label="brisk walk warm-up"))
        if rung.interval is not None:
            level = rung.interval
            repeats = level.repeats
            per_repeat = level.run_s // level.repeats
            if budget is not None:
                repeats = min(repeats, budget // per_repeat)
            if repeats < 1:
                return None
            blocks = [
                _step(kind=StepKind(b.kind), duration_s=round(b.min * 60), label=f"{b.kind} {b.min:g} min")
                for b in level.pattern
            ]
            steps.append(_step(kind=StepKind.REPEAT, repeat_count=repeats, steps=blocks))
            pattern = " / ".join(f"{b.kind} {b.min:g}" for b in level.pattern)
            title = f"Walk-run {level.id}: {repeats} × {pattern}"
            kind = SessionKind.WALK_RUN
        else:
            minutes = rung.continuous_min or 0
            if budget is not None:
                minutes = min(minutes, budget // 60)
            if minutes < self.proto.continuous.min_session_min:
                return None
            steps.append(_step(kind=StepKind.RUN, duration_s=minutes * 60, label=f"easy run {minutes} min"))
            title = f"Easy run {minutes} min"
            kind = SessionKind.RUN
        if wr.cooldown_min:
            steps.append(_step(kind=StepKind.COOLDOWN, duration_s=round(wr.cooldown_min * 60), label="walk cool-down"))
        return self._session(day, kind, title, steps, intensity=wr.intensity)

    # ---- applying what happened ------------------------------------------
    def _verdict(self, c: CheckIn | None, running: bool) -> _Verdict:
        pain = self.proto.pain
        if c is None:
            return _Verdict(False, note="pain unknown: no check-in with pain scores")
        for rule in pain.rules:
            if _fires(rule, c):
                return _Verdict(False, rule=rule)
        if (c.pain_during or 0) > pain.clean_max_during or (c.pain_after or 0) > pain.clean_max_after:
            return _Verdict(False, note="pain above what this protocol accepts")
        if c.pain_during is None or c.pain_after is None:
            return _Verdict(False, note="pain during or after not reported")
        if c.pain_next_morning is None:
            if running and pain.require_next_morning:
                return _Verdict(False, note="next-morning pain not reported yet")
        elif c.pain_next_morning > pain.clean_max_next_morning:
            return _Verdict(False, note="pain the next morning")
        return _Verdict(True)

    def _apply_pain_rule(self, day: dt.date, rule: PainRule, c: CheckIn) -> None:
        before = self._level_id()
        scores = _describe_pain(c)
        if rule.action == "stop_and_refer":
            self.referred_on = day
            self.referral_drop = rule.levels
            (self.walk if self.pre_gate else self.run).clean = []
            self._decide(day, "refer", f"pain:{rule.id}", f"{scores}. {rule.says}", rule.source, level_from=before)
            return
        if rule.action == "rest_then_drop":
            self.rest_until = day + rule.rest_days * DAY
            self._step_down(day + (rule.rest_days + 1) * DAY, rule.levels)
            self._decide(
                day,
                "rest",
                f"pain:{rule.id}",
                f"{scores}. {rule.says} Rest until {self.rest_until}, then {self._level_id()}",
                rule.source,
                level_from=before,
                level_to=self._level_id(),
            )
            return
        if rule.action == "drop":
            self._step_down(day + DAY, rule.levels)
            self._decide(
                day,
                "drop",
                f"pain:{rule.id}",
                f"{scores}. {rule.says}",
                rule.source,
                level_from=before,
                level_to=self._level_id(),
            )
            return
        (self.walk if self.pre_gate else self.run).clean = []
        self._decide(
            day, "hold", f"pain:{rule.id}", f"{scores}. {rule.says}", rule.source, level_from=before, level_to=before
        )

    def _apply_actual(self, day: dt.date, prescribed: Session) -> None:
        done = self.done.get(day)
        c = self.checkins.get(day)
        status, summary = self._apply_done(day, prescribed, done, c)
        if self.lookback_start <= day < self.today:
            pain_report = (done.checkin if done else None) or c
            self.past.append(
                PastSession(
                    session=prescribed,
                    status=status,
                    done_run_s=done.run_s if done else 0,
                    done_walk_s=done.walk_s if done else 0,
                    sources=sorted({_short_source(x) for x in done.source.split("+")}) if done else [],
                    adherence=summary,
                    pain=_describe_pain(pain_report) if pain_report and pain_report.any_pain else "",
                )
            )

    def _apply_done(
        self, day: dt.date, prescribed: Session, done: DoneSession | None, c: CheckIn | None
    ) -> tuple[str, str]:
        """Apply one day's session and check-in; returns (status, plain-words summary) for the past view."""
        active = prescribed.kind in (SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN)
        if done is None:
            if c is not None:
                verdict = self._verdict(c, running=False)
                if verdict.rule is not None:
                    self._apply_pain_rule(day, verdict.rule, c)
            if prescribed.kind is SessionKind.REST:
                return "rest", ""
            return ("missed", "no activity or check-in for this session") if active else ("not-tracked", "")
        running = done.run_s > 0
        if running:
            self.run_by_day[day] = done.run_s
        verdict = self._verdict(done.checkin or c, running=running and not self.pre_gate)
        for w in done.warnings:
            self._warn(day, "activity", w)
        status = "done" if active else "unplanned"
        summary = f"walked {_minutes(done.walk_s)}" + (f", ran {_minutes(done.run_s)}" if running else "")
        if running and self.pre_gate:
            self._warn(day, "running-before-gate", f"{done.run_s // 60} min of running before the gate opened")
            self._decide(
                day,
                "hold",
                "running-before-gate",
                f"{done.run_s // 60} min running logged on {day} while the gate is closed; not counted",
                self.proto.gate.source,
            )
            status = "unplanned"
        elif running:
            self.first_run = self.first_run or day
            result = self._judge_run(day, done, prescribed)
            status, summary = result.status, result.summary
            if result.credit and verdict.clean:
                self.run.clean.append(day)
            elif result.credit and verdict.rule is None:
                self._decide(
                    day, "hold", "not-clean", f"{day}: {verdict.note}; session not counted", self.proto.pain.source
                )
        elif self.pre_gate and self.phase is not Phase.WEIGHT_BEARING:
            need = self.walk_levels[self.walk.idx] * 60 - WATCH_SLACK_S
            if verdict.clean and done.longest_brisk_walk_s >= need:
                self.walk.clean.append(day)
            elif not done.pain_known:
                self._warn(day, "pain-unknown", f"walk on {day} has no pain evidence: not counted as pain-free")
            if active and done.longest_brisk_walk_s < need:
                status = "partial"
                summary += f"; longest brisk stretch {_minutes(done.longest_brisk_walk_s)} of {_minutes(need)}"
        pain_report = done.checkin or c
        if verdict.rule is not None and pain_report is not None:
            self._apply_pain_rule(day, verdict.rule, pain_report)
        return status, summary

    def _apply_clinical(self, day: dt.date) -> None:
        """A required test failed after the gate opened: one level down, no advance until it passes again."""
        if self.pre_gate:
            return
        g = self.proto.gate
        for t in (t for t in self.clinical if t.date == day and t.test in g.required_tests):
            if t.passed:
                self.failed_tests.discard(t.test)
                continue
            before = self._level_id()
            if not self.failed_tests:
                self._step_down(day + DAY, 1)
            self.failed_tests.add(t.test)
            self._decide(
                day,
                "drop",
                "clinical-test-failed",
                f"{t.test} failed on {day}{': ' + t.note if t.note else ''}; no step up until it is passed again",
                g.tests_source or g.source,
                level_from=before,
                level_to=self._level_id(),
            )

    def _judge_run(self, day: dt.date, done: DoneSession, prescribed: Session) -> _RunResult:
        wr = self.proto.walk_run
        src = wr.rest_days_source or wr.source
        if self._in_rest_between_runs(day):
            self._warn(day, "consecutive-run-days", f"ran on {day - DAY} and {day}: keep a day between runs")
        if prescribed.run_s == 0:
            self._warn(day, "unplanned-run", f"ran {done.run_s // 60} min on {day}, a day without a planned run")
            self._decide(day, "hold", "unplanned-run", f"{done.run_s // 60} min run on a non-run day; not counted", src)
            return _RunResult(False, "unplanned", f"ran {_minutes(done.run_s)} on a day without a planned run")
        check = self.judge(prescribed, done) if self.judge is not None and done.activity_id else None
        totals = f"ran {_minutes(done.run_s)} of {_minutes(prescribed.run_s)} prescribed"
        summary = check.summary if check is not None else totals
        overdone = done.run_s > prescribed.run_s * OVERDONE_FACTOR + OVERDONE_GRACE_S
        if overdone or (check is not None and check.overdone):
            self._warn(day, "overdone", summary)
            self._decide(
                day, "hold", "overdone", f"{summary}: more than planned never counts toward advancing", wr.source
            )
            return _RunResult(False, "overdone", summary)
        if done.run_s < prescribed.run_s * UNDERDONE_FACTOR - UNDERDONE_GRACE_S:
            self._decide(day, "hold", "incomplete", f"{summary}: not counted as a completed session", wr.source)
            return _RunResult(False, "partial", summary)
        return _RunResult(True, "done", summary)

    def _apply_assumed(self, day: dt.date, prescribed: Session) -> None:
        if prescribed.run_s:
            self.first_run = self.first_run or day
            self.run_by_day[day] = prescribed.run_s
            self.run.clean.append(day)
        elif prescribed.kind is SessionKind.BRISK_WALK and self.pre_gate:
            self.walk.clean.append(day)

    # ---- the gate -----------------------------------------------------------
    def _evaluate_gate(self, day: dt.date) -> None:
        status = self.gate_status(day)
        if self.walk.idx == len(self.walk_levels) - 1 and self.phase is Phase.BRISK_WALK:
            self.phase = Phase.GATE
        unmet = tuple(c.name for c in status.criteria if not c.met)
        if status.open:
            self.gate_opened = day
            self.gate_at_open = status.model_copy(update={"opened_on": day})
            self.phase = Phase.WALK_RUN
            self.run.move(0, day + DAY)
            evidence = "; ".join(f"{c.name}: {c.evidence}" for c in status.criteria)
            self._decide(day, "gate-open", "gate", evidence, self.proto.gate.source, level_to=self.rungs[0].id)
        elif unmet != self.last_gate_key:
            evidence = "; ".join(f"{c.name}: {c.evidence}" for c in status.criteria if not c.met)
            self._decide(day, "gate-closed", "gate", f"not met: {evidence}", self.proto.gate.source)
        self.last_gate_key = unmet

    def gate_status(self, day: dt.date) -> GateStatus:
        g = self.proto.gate
        cite = self.proto.cite
        criteria: list[Criterion] = []
        weeks = (day - self.p.injury_date).days / 7
        earliest = self.p.injury_date + dt.timedelta(weeks=g.min_weeks_since_injury)
        criteria.append(
            Criterion(
                name=f"at least {g.min_weeks_since_injury} weeks since injury",
                met=day >= earliest,
                evidence=f"{weeks:.1f} weeks since {self.p.injury_date}; earliest {earliest}",
                source=cite(g.weeks_source or g.source),
            )
        )
        criteria.append(self._walk_criterion(day))
        if g.pain_free_days:
            start = day - (g.pain_free_days - 1) * DAY
            painful = [c for d, c in sorted(self.checkins.items()) if start <= d <= day and c.any_pain]
            criteria.append(
                Criterion(
                    name=f"no pain reported in the last {g.pain_free_days} days",
                    met=not painful,
                    evidence=", ".join(f"{c.date}: {_describe_pain(c)}" for c in painful) or f"none since {start}",
                    source=cite(self.proto.pain.source),
                )
            )
        if g.required_tests:
            criteria.append(self._tests_criterion(day))
        needed = list(g.required_clearances) + (list(g.surgery_clearances) if self.p.surgery else [])
        for name in needed:
            ok = bool(getattr(self.p.clearances, name, False))
            criteria.append(
                Criterion(
                    name=f"clinician clearance: {name.replace('_', ' ')}",
                    met=ok,
                    evidence="recorded in the profile" if ok else "not recorded (walkrun init --clearance ...)",
                    source=cite(g.source),
                )
            )
        if self.referred_on is not None:
            criteria.append(
                Criterion(
                    name="no open clinician referral",
                    met=False,
                    evidence=f"referred on {self.referred_on}; record '{CLINICIAN_REVIEW}' to resume",
                    source=cite(self.proto.pain.source),
                )
            )
        return GateStatus(open=all(c.met for c in criteria), criteria=criteria, earliest_date=earliest)

    def _walk_criterion(self, day: dt.date) -> Criterion:
        g = self.proto.gate
        need_s = g.walk_min * 60 - WATCH_SLACK_S
        parts = []
        ok = True
        for i in range(g.window_weeks):
            end = day - 7 * i * DAY
            start = end - 6 * DAY
            good, unknown = [], []
            for d in _days(start, end):
                s = self.done.get(d)
                if s is None or s.longest_brisk_walk_s < need_s:
                    continue
                if self._walk_ok(s.checkin or self.checkins.get(d)):
                    good.append(d)
                elif not s.pain_known:
                    unknown.append(d)
            ok = ok and len(good) >= g.walks_per_week
            text = f"{start}..{end}: {len(good)} of {g.walks_per_week}"
            if good:
                text += " (" + ", ".join(d.strftime("%m-%d") for d in good) + ")"
            if unknown:
                text += f"; {len(unknown)} more with pain unknown"
            parts.append(text)
        quality = "pain-free" if self.proto.is_bone else "comfortable (mild pain that settles)"
        return Criterion(
            name=f"{quality} brisk walks of {g.walk_min}+ min, {g.walks_per_week} a week for {g.window_weeks} weeks",
            met=ok,
            evidence="; ".join(parts),
            source=self.proto.cite(g.walks_source or g.source),
        )

    def _walk_ok(self, c: CheckIn | None) -> bool:
        """A walk counts only on explicit scores within the protocol's limits (unknown is not pain-free)."""
        pain = self.proto.pain
        if c is None or c.pain_during is None or c.pain_after is None or c.night_pain:
            return False
        morning_ok = c.pain_next_morning is None or c.pain_next_morning <= pain.clean_max_next_morning
        return c.pain_during <= pain.clean_max_during and c.pain_after <= pain.clean_max_after and morning_ok

    def _tests_criterion(self, day: dt.date) -> Criterion:
        g = self.proto.gate
        parts, ok = [], True
        for test_id in g.required_tests:
            results = [t for t in self.clinical if t.test == test_id and t.date <= day]
            if not results:
                ok = False
                parts.append(f"{test_id}: not recorded")
                continue
            last = results[-1]
            ok = ok and last.passed
            parts.append(f"{test_id}: {'passed' if last.passed else 'FAILED'} {last.date}")
        return Criterion(
            name=f"clinical tests passed ({len(g.required_tests)})",
            met=ok,
            evidence="; ".join(parts),
            source=self.proto.cite(g.tests_source or g.source),
        )

    def _plan(self) -> Plan:
        return Plan(
            athlete_id=self.p.athlete_id,
            protocol_id=self.proto.id,
            today=self.today,
            phase=self.today_phase,
            level=self.today_level,
            gate=self.today_gate or self.gate_status(self.today),
            sessions=self.sessions,
            decisions=self.decisions,
            warnings=self.warnings,
            history_days=(self.today - self.p.injury_date).days + 1,
            past=self.past,
        )


def _step(**fields: Any) -> Step:
    return Step(**fields)


def _short_source(source: str) -> str:
    """A file's own name (and archive member), not the folder it happened to be imported from."""
    kind, _, where = source.partition(":")
    if not where:
        return source
    return f"{kind}:{where.replace(chr(92), '/').split('/')[-1]}"


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min" if seconds >= 60 else f"{round(seconds)} s"


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + k * DAY for k in range((end - start).days + 1)]


def _sessions_by_day(sessions: list[DoneSession], today: dt.date) -> dict[dt.date, DoneSession]:
    """Several activities on one day are judged together as that day's session."""
    by_day: dict[dt.date, list[DoneSession]] = {}
    for s in sessions:
        if s.date <= today:
            by_day.setdefault(s.date, []).append(s)
    out = {}
    for day, items in sorted(by_day.items()):
        if len(items) == 1:
            out[day] = items[0]
            continue
        checkin = next((s.checkin for s in items if s.checkin is not None), None)
        out[day] = DoneSession(
            date=day,
            walk_s=sum(s.walk_s for s in items),
            brisk_walk_s=sum(s.brisk_walk_s for s in items),
            longest_brisk_walk_s=max(s.longest_brisk_walk_s for s in items),
            run_s=sum(s.run_s for s in items),
            source="+".join(sorted({s.source for s in items})),
            checkin=checkin,
            warnings=[w for s in items for w in s.warnings],
        )
    return out


def _fires(rule: PainRule, c: CheckIn) -> bool:
    if rule.signal == "night":
        return c.night_pain
    if rule.signal == "any":
        return (c.max_pain or 0) >= max(rule.min_score, 1)
    score = {"during": c.pain_during, "after": c.pain_after, "next_morning": c.pain_next_morning}[rule.signal]
    return score is not None and score >= max(rule.min_score, 1)


def _describe_pain(c: CheckIn) -> str:
    parts = []
    for label, value in (("during", c.pain_during), ("after", c.pain_after), ("next morning", c.pain_next_morning)):
        if value is not None:
            parts.append(f"{label} {value}/10")
    if c.night_pain:
        parts.append("night pain")
    return f"{c.date}: pain " + ", ".join(parts) if parts else f"{c.date}: no pain scores"


def build_plan(
    profile: AthleteProfile,
    protocol: Protocol,
    history: History,
    today: dt.date,
    horizon_days: int = 28,
    *,
    judge: Judge | None = None,
    lookback_days: int = 0,
) -> Plan:
    """Replay history through the protocol and plan ``horizon_days`` from ``today``.

    ``judge`` compares an imported session with its prescription interval by
    interval; ``lookback_days`` fills ``Plan.past`` with what was planned and
    done on the days before today.
    """
    if horizon_days < 1 or horizon_days > 800:
        raise UsageError(f"horizon must be 1..800 days, got {horizon_days}")
    if profile.condition not in protocol.conditions:
        raise UsageError(f"protocol {protocol.id} does not cover {profile.condition.value}")
    return _Replay(profile, protocol, history, today, judge, lookback_days).run_to(horizon_days)
