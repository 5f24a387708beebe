"""Protocol + history + today -> plan. Pure: no clock, no I/O, no randomness.

The engine replays every day from the injury to the end of the horizon. Up to
``today`` it applies what the runner actually did and reported; after
``today`` it assumes each planned session goes cleanly, which gives a
provisional roadmap recomputed at every check-in. The gate opens only on
evidence, never on a projection, so no running is ever planned before it is met.

Order of one day (documented in docs/safety.md): (1) start of day: protected
loading ends, rest ends, breaks cost levels, a level is earned; (2) the day's
prescription; (3) the day's activity and check-in, credited to the level it was
prescribed at, then pain rules; (4) the day's clinical tests and reviews;
(5) the gate. Rules and vocabulary live in ``walkrun.evidence.pain``,
``walkrun.engine.readiness``, ``walkrun.engine.prescribe``, ``walkrun.engine.responses`` and
``walkrun.domain.vocab``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from walkrun.domain.diary import by_day
from walkrun.domain.errors import UsageError
from walkrun.domain.history import DoneSession, History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Decision, GateStatus, PastSession, Phase, Plan, Session, SessionKind, Step, Warning_
from walkrun.domain.protocol import Protocol, WalkRunLevel
from walkrun.domain.tolerances import Tolerances
from walkrun.domain.vocab import Action, WarningKind
from walkrun.engine import prescribe, responses
from walkrun.engine.floors import effective_protocol
from walkrun.engine.readiness import CLINICIAN_REVIEW, WATCH_SLACK_S, Evidence, Readiness

__all__ = ["CLINICIAN_REVIEW", "Judge", "RunCheck", "Rung", "build_plan", "floored", "running_ladder"]

DAY = dt.timedelta(days=1)


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
class Ladder:
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
Why = tuple[str, str, str]


class Replay:
    """The state of one athlete's rehab as the days are replayed; rules live in the helper modules."""

    def __init__(
        self, profile: AthleteProfile, protocol: Protocol, history: History, today: dt.date, judge: Judge | None
    ) -> None:
        self.p, self.proto, self.today, self.judge = profile, protocol, today, judge
        self.tol = Tolerances.of(protocol)
        self.ev = _evidence(profile, history, today)
        self.ready = Readiness(profile, protocol, self.ev)
        prefs = profile.preferences
        self.rungs = running_ladder(protocol, prefs.goal_run_min)
        self.walk_levels = protocol.walk.levels_min
        self.session_days = set(prefs.session_weekdays)
        self.strength_days = set(prefs.strength_weekdays) - self.session_days
        self.fwb_date, self.fwb_reason = _full_weight_bearing(profile, protocol)
        self.phase = Phase.WEIGHT_BEARING if protocol.weight_bearing else Phase.BRISK_WALK
        self.walk = Ladder(since=profile.injury_date)
        self.run = Ladder()
        self.reached_continuous = False
        self.gate_opened: dt.date | None = None
        self.gate_at_open: GateStatus | None = None
        self.last_gate_key: tuple[str, ...] | None = None
        self.rest_until: dt.date | None = None
        self.referred_on: dt.date | None = None
        self.referral_drop = 0
        self.first_run: dt.date | None = None
        self.last_run_day: dt.date | None = None
        self.break_stage = 0
        self.run_by_day: dict[dt.date, int] = {}
        self.failed_tests: set[str] = set()
        self.hop_lock_noted = False
        self.last_why: Why = ("start", f"injury on {profile.injury_date}", protocol.cite(protocol.walk.source))
        self.decisions: list[Decision] = []
        self.warnings: list[Warning_] = []
        self.sessions: list[Session] = []
        self.past: list[PastSession] = []
        self.steps_memo: dict[tuple[object, ...], list[Step]] = {}
        self.citations: dict[str, str] = {}
        # Keyed by id() of lists held alive in steps_memo for the whole replay.
        self.totals_memo: dict[int, tuple[int, int, int]] = {}

    # ---- small helpers -------------------------------------------------
    def cite(self, key: str) -> str:
        """The protocol's citation for a source key, formatted once per replay."""
        found = self.citations.get(key)
        if found is None:
            found = self.citations[key] = self.proto.cite(key)
        return found

    def decide(self, day: dt.date, action: Action, rule: str, evidence: str, source_key: str, **kw: str | None) -> None:
        source = self.cite(source_key)
        self.decisions.append(
            Decision(
                date=day, action=action, rule=rule, evidence=evidence, source=source, projected=day > self.today, **kw
            )
        )
        if action not in (Action.HOLD, Action.GATE_CLOSED, Action.LOCK):
            self.last_why = (rule, evidence, source)

    def warn(self, day: dt.date, kind: WarningKind, message: str) -> None:
        self.warnings.append(Warning_(date=day, kind=kind, message=message))

    @property
    def pre_gate(self) -> bool:
        return self.gate_opened is None

    def level_id(self) -> str | None:
        if self.phase is Phase.WEIGHT_BEARING:
            return None
        if self.pre_gate:
            return f"W{self.walk_levels[self.walk.idx]}"
        return self.rungs[self.run.idx].id

    def ran(self, day: dt.date) -> bool:
        return self.run_by_day.get(day, 0) > 0

    def week_run_s(self, monday: dt.date) -> int:
        return sum(self.run_by_day.get(monday + k * DAY, 0) for k in range(7))

    def in_rest_between_runs(self, day: dt.date) -> bool:
        """Any running yesterday (walk, run, before or after the gate) rules out a run today, early on."""
        if not self.ran(day - DAY):
            return False
        weeks = self.proto.walk_run.no_consecutive_run_days_weeks
        return self.first_run is None or day < self.first_run + dt.timedelta(weeks=weeks)

    def strength_stage(self, day: dt.date) -> tuple[int, str]:
        """The strength stage for a day, and why a plyometric stage is locked (empty when it is not)."""
        st = self.proto.strength
        if st is None or day < self.fwb_date:
            return 1, ""
        weeks = st.stage_weeks[1] if self.p.grade is None or self.p.grade >= 3 else st.stage_weeks[0]
        stage = min(len(st.stages), 1 + (day - self.fwb_date).days // (7 * weeks))
        if not (self.proto.is_bone and st.stages[stage - 1].plyometric):
            return stage, ""
        if day >= self.ready.earliest and self.p.clearances.hop_tests_allowed:
            return stage, ""
        while stage > 1 and st.stages[stage - 1].plyometric:
            stage -= 1
        why = (
            f"hops and plyometrics stay locked at a bone site until {self.ready.earliest} and a clinician's "
            "hop-test clearance (walkrun init --clearance hop-tests)"
        )
        if not self.hop_lock_noted and day <= self.today:
            self.hop_lock_noted = True
            self.decide(day, Action.LOCK, "plyometrics-locked", why, st.source)
        return stage, why

    def step_down(self, day: dt.date, levels: int) -> None:
        ladder = self.walk if self.pre_gate else self.run
        ladder.move(max(0, ladder.idx - levels), day)
        if not self.pre_gate:
            self.sync_run_phase()

    def sync_run_phase(self) -> None:
        continuous = self.rungs[self.run.idx].continuous_min is not None
        self.phase = Phase.CONTINUOUS if continuous else Phase.WALK_RUN
        self.reached_continuous = self.reached_continuous or continuous

    def mark_run(self, day: dt.date, run_s: int) -> None:
        self.run_by_day[day] = run_s
        self.last_run_day = day
        self.break_stage = 0

    # ---- the day loop ---------------------------------------------------
    def run_to(self, horizon_days: int, lookback_days: int) -> Plan:
        end = self.today + dt.timedelta(days=max(horizon_days, 1) - 1)
        lookback = self.today - dt.timedelta(days=lookback_days)
        day = self.p.injury_date
        gate_today: GateStatus | None = None
        phase_today, level_today = self.phase, self.level_id()
        while day <= end:
            responses.begin_day(self, day)
            rx = prescribe.prescribe(self, day)
            if day <= self.today:
                status, summary = responses.apply_actual(self, day, rx)
                responses.apply_clinical(self, day)
                if self.pre_gate and self.phase is not Phase.WEIGHT_BEARING and self.referred_on is None:
                    responses.evaluate_gate(self, day)
                if lookback <= day < self.today:
                    self.past.append(responses.past_session(self, day, rx, status, summary))
            else:
                responses.apply_assumed(self, day, rx)
            if day >= self.today:
                self.sessions.append(rx.session(provisional=day > self.today))
            if day == self.today:
                phase_today, level_today = self.phase, self.level_id()
                gate_today = self.gate_at_open or self.ready.status(day, self.referred_on)
            day += DAY
        return Plan(
            athlete_id=self.p.athlete_id,
            protocol_id=self.proto.id,
            today=self.today,
            phase=phase_today,
            level=level_today,
            gate=gate_today or self.ready.status(self.today, self.referred_on),
            sessions=self.sessions,
            decisions=self.decisions,
            warnings=self.warnings,
            history_days=(self.today - self.p.injury_date).days + 1,
            past=self.past,
        )

    def credit_level(self, rx: prescribe.Rx) -> bool:
        """Only a session done at the level it was prescribed at, as prescribed, counts toward that level."""
        active = rx.kind in (SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN)
        return active and not rx.capped and rx.level == self.level_id()

    def walk_need_s(self) -> int:
        return self.walk_levels[self.walk.idx] * 60 - WATCH_SLACK_S


def _evidence(profile: AthleteProfile, history: History, today: dt.date) -> Evidence:
    """Nothing dated before the injury or after today is evidence; several activities on a day are one session."""
    start = profile.injury_date
    checkins = {d: c for d, c in by_day(history.checkins).items() if start <= d <= today}
    clinical = sorted((t for t in history.clinical if start <= t.date <= today), key=lambda t: (t.date, t.test))
    grouped: dict[dt.date, list[DoneSession]] = {}
    for s in history.sessions:
        if start <= s.date <= today:
            grouped.setdefault(s.date, []).append(s)
    done = {day: items[0] if len(items) == 1 else _combined(day, items) for day, items in sorted(grouped.items())}
    return Evidence(done=done, checkins=checkins, clinical=clinical)


def _combined(day: dt.date, items: list[DoneSession]) -> DoneSession:
    checkin = next((s.checkin for s in items if s.checkin is not None), None)
    return DoneSession(
        date=day,
        walk_s=sum(s.walk_s for s in items),
        brisk_walk_s=sum(s.brisk_walk_s for s in items),
        longest_brisk_walk_s=max(s.longest_brisk_walk_s for s in items),
        run_s=sum(s.run_s for s in items),
        source="+".join(sorted({s.source for s in items})),
        checkin=checkin,
        warnings=[w for s in items for w in s.warnings],
    )


def _full_weight_bearing(profile: AthleteProfile, protocol: Protocol) -> tuple[dt.date, str]:
    """Only a clinician's date or the protocol's cautious estimate; never inferred from a logged walk."""
    wb = protocol.weight_bearing
    if wb is None:
        return profile.injury_date, "protocol has no protected-loading stage"
    if profile.full_weight_bearing_date:
        return profile.full_weight_bearing_date, "full weight-bearing date from the profile (clinician)"
    severe = profile.grade is not None and profile.grade >= 4
    weeks = (wb.severe_non_weight_bearing_weeks if severe else wb.non_weight_bearing_weeks)[1]
    weeks += wb.partial_weight_bearing_weeks[1]
    estimate = profile.injury_date + dt.timedelta(weeks=weeks)
    return estimate, f"no date given: injury + {weeks} weeks (non-weight-bearing and partial stages, upper end)"


_EFFECTIVE: dict[tuple[int, str], tuple[Protocol, Protocol]] = {}


def floored(protocol: Protocol, profile: AthleteProfile) -> Protocol:
    """The protocol tightened to the athlete's condition floors (memoised per protocol object and condition)."""
    key = (id(protocol), profile.condition.value)
    hit = _EFFECTIVE.get(key)
    if hit is None or hit[0] is not protocol:
        result = effective_protocol(protocol, profile.condition)
        hit = (protocol, result)
        _EFFECTIVE[key] = hit
        # Flooring the result again must give itself (callers may pass an already floored protocol).
        _EFFECTIVE[(id(result), profile.condition.value)] = (result, result)
    return hit[1]


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
    """Replay history through the protocol (tightened to the condition's safety floors) and plan ahead.

    ``judge`` compares an imported session with its prescription interval by
    interval; ``lookback_days`` fills ``Plan.past`` with what was planned and
    done on the days before today.
    """
    if horizon_days < 1 or horizon_days > 800:
        raise UsageError(f"horizon must be 1..800 days, got {horizon_days}")
    if profile.condition not in protocol.conditions:
        raise UsageError(f"protocol {protocol.id} does not cover {profile.condition.value}")
    if today < profile.injury_date:
        raise UsageError(f"{today} is before the injury date {profile.injury_date}")
    replay = Replay(profile, floored(protocol, profile), history, today, judge)
    return replay.run_to(horizon_days, lookback_days)
