"""Many athletes at a glance: phase, level, recency, last pain and red flags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from walkrun.app.athlete import AthletePlan, plan_for
from walkrun.domain.errors import WalkrunError
from walkrun.domain.history import merge_checkins
from walkrun.domain.models import AthleteProfile, Condition
from walkrun.domain.notes import CoachNote
from walkrun.domain.plan import Phase, SessionKind
from walkrun.domain.vocab import Action, PainSignal, PainStatus, WarningKind
from walkrun.evidence import pain
from walkrun.plugins.manager import Registry
from walkrun.store import Store

MISSED_CHECKIN_DAYS = 7
SEVERE_PAIN = 5
# Every warning kind a clinician must see; a renamed kind fails at import, never silently.
WARNING_FLAGS: dict[WarningKind, str] = {
    WarningKind.RUNNING_BEFORE_GATE: "running before the gate",
    WarningKind.OVERDONE: "ran more than prescribed",
    WarningKind.CONSECUTIVE_RUN_DAYS: "back-to-back run days",
    WarningKind.ACTIVITY_WHILE_REFERRED: "activity while referred to a clinician",
    WarningKind.WALK_BEFORE_FULL_WEIGHT_BEARING: "walking before the expected end of protected loading",
}


class Compliance(StrEnum):
    """Time done against time planned over the last 14 days, coloured as TrainingPeaks colours it."""

    GREEN = "green"  # within 20% of the plan
    YELLOW = "yellow"  # 50-79% or 121-150%
    RED = "red"  # anything further off
    GREY = "grey"  # done, but nothing was planned
    NONE = "none"  # nothing planned, nothing done


class RosterRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    athlete: str
    name: str
    condition: Condition
    weeks_since_injury: float | None = None
    phase: Phase | None = Field(None, description="None when the athlete could not be planned (see problem)")
    level: str | None
    gate_open: bool
    gate_met: int = 0
    gate_total: int = 0
    next_session: str | None = None
    compliance_pct: int | None = Field(None, description="time done / time planned, last 14 days")
    compliance: Compliance = Compliance.NONE
    days_since_last_session: int | None
    last_pain: str | None
    red_flags: list[str]
    problem: str | None = Field(None, description="why this athlete could not be planned")
    latest_note: CoachNote | None = Field(None, description="the coach's newest note about the athlete, in full")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def red_flags(ap: AthletePlan) -> list[str]:
    """Everything in the athlete's history a clinician should look at, newest date shown."""
    plan, history = ap.plan, ap.history
    checkins = merge_checkins(c for c in history.checkins if c.date <= plan.today)
    found: dict[str, dt.date] = {}

    def flag(label: str, day: dt.date) -> None:
        found[label] = max(day, found.get(label, day))

    for c in checkins.values():
        if c.date < ap.profile.injury_date:
            continue
        if c.night_pain:
            flag("night pain", c.date)
        if (c.pain_next_morning or 0) > 0:
            flag("pain on waking", c.date)
        if (pain.score(c, PainSignal.ANY) or 0) >= SEVERE_PAIN:
            flag(f"pain {SEVERE_PAIN}/10 or more", c.date)
        elif ap.protocol.is_bone and ((c.pain_during or 0) > 0 or (c.pain_after or 0) > 0):
            flag("pain during or after a session (bone: must be zero)", c.date)
        if c.superseded_peak is not None:
            flag("a pain score was corrected down", c.date)
    for w in plan.warnings:
        label = WARNING_FLAGS.get(w.kind)
        if label:
            flag(label, w.date)
    refers = [d.date for d in plan.decisions if d.action is Action.REFER and not d.projected]
    if refers:
        last_refer = max(refers)
        resumed = any(d.action is Action.RESUME and d.date >= last_refer for d in plan.decisions if not d.projected)
        if not resumed:
            flag("referred to a clinician, no review recorded", last_refer)
    out = [f"{label} ({day})" for label, day in sorted(found.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)]
    start = max(plan.today - dt.timedelta(days=13), ap.profile.injury_date)
    recent = [s for s in history.sessions if start <= s.date <= plan.today]
    unchecked = [
        s for s in recent if pain.judge(s.checkin, ap.protocol.pain, session=True).status is PainStatus.UNKNOWN
    ]
    if unchecked:
        out.append(f"pain unknown: {len(unchecked)} session(s) in 14 days without complete pain scores")
    last_checkin = max((d for d in checkins), default=None)
    if last_checkin is None or (plan.today - last_checkin).days > MISSED_CHECKIN_DAYS:
        out.append(
            "no check-in yet" if last_checkin is None else f"no check-in for {(plan.today - last_checkin).days} days"
        )
    return out


def row_for(ap: AthletePlan) -> RosterRow:
    plan, history = ap.plan, ap.history
    done = [s.date for s in history.sessions if s.date <= plan.today]
    painful = [
        c
        for c in merge_checkins(history.checkins).values()
        if c.any_pain and ap.profile.injury_date <= c.date <= plan.today
    ]
    last_pain = None
    if painful:
        c = max(painful, key=lambda x: x.date)
        parts = [f"{k} {v}/10" for k, v in (("during", c.pain_during), ("after", c.pain_after),
                                             ("next morning", c.pain_next_morning)) if v]  # fmt: skip
        if c.night_pain:
            parts.append("night pain")
        last_pain = f"{c.date}: {', '.join(parts)}"
    upcoming = next((x for x in plan.sessions if x.date > plan.today and x.kind is not SessionKind.REST), None)
    pct, colour = compliance(ap)
    return RosterRow(
        athlete=ap.profile.athlete_id,
        name=ap.profile.name,
        condition=ap.profile.condition,
        weeks_since_injury=round((plan.today - ap.profile.injury_date).days / 7, 1),
        phase=plan.phase,
        level=plan.level,
        gate_open=plan.gate.open,
        gate_met=sum(c.met for c in plan.gate.criteria),
        gate_total=len(plan.gate.criteria),
        next_session=f"{upcoming.date} {upcoming.title}" if upcoming else None,
        compliance_pct=pct,
        compliance=colour,
        days_since_last_session=(plan.today - max(done)).days if done else None,
        last_pain=last_pain,
        red_flags=red_flags(ap),
    )


def compliance(ap: AthletePlan) -> tuple[int | None, Compliance]:
    """Time done against time planned for the walks and runs of the last 14 days (the plan's lookback)."""
    active = (SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN)
    planned = sum(p.session.total_s for p in ap.plan.past if p.session.kind in active)
    done = sum(p.done_walk_s + p.done_run_s for p in ap.plan.past)
    if not planned:
        return None, Compliance.GREY if done else Compliance.NONE
    pct = round(100 * done / planned)
    if 80 <= pct <= 120:
        return pct, Compliance.GREEN
    if 50 <= pct <= 150:
        return pct, Compliance.YELLOW
    return pct, Compliance.RED


def _attention(row: RosterRow) -> tuple[int, int, int, int]:
    """Who needs attention first: a problem, then red flags, then missed check-ins, then the longest idle."""
    missed = sum(f.startswith(("no check-in", "pain unknown")) for f in row.red_flags)
    flags = len(row.red_flags) - missed
    return (row.problem is None, -flags, -missed, -(row.days_since_last_session or 0))


def build_roster(
    store: Store, registry: Registry, today: dt.date, athlete_ids: Iterable[str] | None = None
) -> list[RosterRow]:
    """One row per athlete (every one, or ``athlete_ids``: a coach's own), those who need attention first;
    an athlete who cannot be planned is a row that says why."""
    rows = []
    for athlete_id in store.athlete_ids() if athlete_ids is None else athlete_ids:
        profile = store.profile(athlete_id)
        if today < profile.injury_date:
            continue
        try:
            rows.append(row_for(plan_for(store, registry, athlete_id, today, 7, lookback_days=14)))
        except WalkrunError as exc:
            rows.append(_problem_row(profile, str(exc)))
    notes = store.latest_notes([r.athlete for r in rows]) if rows else {}
    rows = [r.model_copy(update={"latest_note": notes[r.athlete]}) if r.athlete in notes else r for r in rows]
    return sorted(rows, key=_attention)


def _problem_row(profile: AthleteProfile, problem: str) -> RosterRow:
    return RosterRow(
        athlete=profile.athlete_id,
        name=profile.name,
        condition=profile.condition,
        phase=None,
        level=None,
        gate_open=False,
        days_since_last_session=None,
        last_pain=None,
        red_flags=[],
        problem=problem,
    )
