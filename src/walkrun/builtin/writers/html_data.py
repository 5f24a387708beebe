"""What the plan page's charts and tables count: weekly minutes and each run session's run:walk share.

Done sessions come from the history up to the plan date; planned ones from the
plan from that date on, a day already done counted once, as done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from walkrun.domain.history import DoneSession, History
from walkrun.domain.plan import Plan, Session, StepKind


@dataclass(frozen=True)
class WeekTotals:
    """Seconds of brisk walking and running in one Monday-to-Sunday week."""

    week_start: dt.date
    brisk_done_s: int = 0
    brisk_planned_s: int = 0
    run_done_s: int = 0
    run_planned_s: int = 0

    @property
    def brisk_min(self) -> float:
        return (self.brisk_done_s + self.brisk_planned_s) / 60

    @property
    def run_min(self) -> float:
        return (self.run_done_s + self.run_planned_s) / 60


@dataclass(frozen=True)
class RatioPoint:
    """One planned session with running in it."""

    date: dt.date
    run_s: int
    walk_s: int
    provisional: bool
    title: str

    @property
    def run_share(self) -> float:
        total = self.run_s + self.walk_s
        return self.run_s / total if total else 0.0


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def done_sessions(plan: Plan, history: History) -> list[DoneSession]:
    # A history that runs past the plan date is not the plan's past; leave it out.
    return [s for s in history.sessions if s.date <= plan.today]


def planned_sessions(plan: Plan, history: History) -> list[Session]:
    # A day that was already done is shown as done, not counted a second time.
    done_days = {s.date for s in done_sessions(plan, history)}
    return [s for s in plan.sessions if s.date >= plan.today and s.date not in done_days]


def planned_brisk_s(session: Session) -> int:
    return sum(step.seconds_of({StepKind.BRISK_WALK}) for step in session.steps)


def weekly_totals(plan: Plan, history: History) -> list[WeekTotals]:
    """Every week from the first done session (or the plan date) to the plan's end.

    Done minutes come from ``history.sessions`` as recorded (a hand-logged walk
    counts as brisk); planned brisk minutes are the ``brisk_walk`` steps of the
    planned sessions, not the recovery walks inside walk-run sessions.
    """
    done = done_sessions(plan, history)
    planned = planned_sessions(plan, history)
    days = [s.date for s in done] + [s.date for s in planned] + [plan.today]
    first, last = monday_of(min(days)), monday_of(max(days))
    weeks: dict[dt.date, dict[str, int]] = {}
    day = first
    while day <= last:
        weeks[day] = {"brisk_done_s": 0, "brisk_planned_s": 0, "run_done_s": 0, "run_planned_s": 0}
        day += dt.timedelta(days=7)
    for d in done:
        week = weeks[monday_of(d.date)]
        week["brisk_done_s"] += d.brisk_walk_s
        week["run_done_s"] += d.run_s
    for s in planned:
        week = weeks[monday_of(s.date)]
        week["brisk_planned_s"] += planned_brisk_s(s)
        week["run_planned_s"] += s.run_s
    return [WeekTotals(start, **totals) for start, totals in weeks.items()]


def ratio_points(plan: Plan, history: History) -> list[RatioPoint]:
    """The planned sessions that include running, in date order."""
    return [
        RatioPoint(s.date, s.run_s, s.walk_s, s.provisional, s.title)
        for s in planned_sessions(plan, history)
        if s.run_s > 0
    ]
