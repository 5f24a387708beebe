"""The gate to running: profile + protocol + evidence + day -> which criteria hold, and why.

Only evidence dated on or after the injury and on or before the day counts.
``unmet`` is the cheap question the day loop asks every day; ``status`` builds
the full checklist with its evidence and sources when someone will read it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from walkrun.domain.history import DoneSession
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.domain.plan import Criterion, GateStatus
from walkrun.domain.protocol import Protocol
from walkrun.domain.vocab import PainStatus
from walkrun.evidence import pain

DAY = dt.timedelta(days=1)
# A watch started a few seconds late must not turn a 45-minute walk into a failed one.
WATCH_SLACK_S = 30
CLINICIAN_REVIEW = "clinician-review"


@dataclass
class Evidence:
    """What happened between the injury and today, indexed by day (nothing from before the injury)."""

    done: dict[dt.date, DoneSession]
    checkins: dict[dt.date, CheckIn]
    clinical: list[ClinicalTestResult]
    verdicts: dict[dt.date, pain.Verdict] = field(default_factory=dict)
    clinical_on: dict[dt.date, list[ClinicalTestResult]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for t in self.clinical:
            self.clinical_on.setdefault(t.date, []).append(t)


def walk_verdict(ev: Evidence, protocol: Protocol, day: dt.date) -> pain.Verdict:
    """The pain verdict of a day's session (cached: status, gate and progression ask alike)."""
    found = ev.verdicts.get(day)
    if found is None:
        s = ev.done.get(day)
        report = (s.checkin if s is not None else None) or ev.checkins.get(day)
        found = pain.judge(report, protocol.pain, session=s is not None)
        ev.verdicts[day] = found
    return found


class Readiness:
    def __init__(self, profile: AthleteProfile, protocol: Protocol, ev: Evidence) -> None:
        self.p = profile
        self.proto = protocol
        self.ev = ev
        g = protocol.gate
        need_s = g.walk_min * 60 - WATCH_SLACK_S
        self.walk_days = sorted(
            d
            for d, s in ev.done.items()
            if s.longest_brisk_walk_s >= need_s and s.run_s == 0 and walk_verdict(ev, protocol, d).clean
        )
        self.earliest = profile.injury_date + dt.timedelta(weeks=g.min_weeks_since_injury)
        self.results: dict[str, list[ClinicalTestResult]] = {}
        for t in ev.clinical:  # already in date order
            self.results.setdefault(t.test, []).append(t)

    # ---- the cheap daily question -------------------------------------------------
    def unmet(self, day: dt.date, referred_on: dt.date | None) -> tuple[str, ...]:
        """Names of the criteria not met; cheap, since the day loop asks every day before the gate."""
        if day < self.earliest:
            # The time floor alone settles it; the rest is only needed when its evidence is shown.
            return (f"at least {self.proto.gate.min_weeks_since_injury} weeks since injury",)
        return tuple(c.name for c in self._criteria(day, referred_on, detail=False) if not c.met)

    def status(self, day: dt.date, referred_on: dt.date | None) -> GateStatus:
        criteria = self._criteria(day, referred_on, detail=True)
        return GateStatus(open=all(c.met for c in criteria), criteria=criteria, earliest_date=self.earliest)

    def _criteria(self, day: dt.date, referred_on: dt.date | None, *, detail: bool) -> list[Criterion]:
        g = self.proto.gate
        cite = self.proto.cite if detail else (lambda key: "")
        weeks = (day - self.p.injury_date).days / 7
        out = [
            _criterion(
                f"at least {g.min_weeks_since_injury} weeks since injury",
                day >= self.earliest,
                f"{weeks:.1f} weeks since {self.p.injury_date}; earliest {self.earliest}" if detail else "",
                cite(g.weeks_source or g.source),
            ),
            self._walks(day, detail),
        ]
        if g.pain_free_days:
            out.append(self._pain_free(day, detail))
        if g.required_tests:
            out.append(self._tests(day, detail))
        needed = list(g.required_clearances) + (list(g.surgery_clearances) if self.p.surgery else [])
        for name in needed:
            ok = bool(getattr(self.p.clearances, name, False))
            text = "recorded in the profile" if ok else "not recorded (walkrun init --clearance ...)"
            out.append(_criterion(f"clinician clearance: {name.replace('_', ' ')}", ok, text, cite(g.source)))
        if referred_on is not None:
            out.append(
                _criterion(
                    "no open clinician referral",
                    False,
                    f"referred on {referred_on}; record '{CLINICIAN_REVIEW}' to resume",
                    cite(self.proto.pain.source),
                )
            )
        return out

    def _walks(self, day: dt.date, detail: bool) -> Criterion:
        g = self.proto.gate
        parts, ok = [], True
        for i in range(g.window_weeks):
            end = day - 7 * i * DAY
            start = end - 6 * DAY
            good = self.walk_days[bisect.bisect_left(self.walk_days, start) : bisect.bisect_right(self.walk_days, end)]
            ok = ok and len(good) >= g.walks_per_week
            if detail:
                text = f"{start}..{end}: {len(good)} of {g.walks_per_week}"
                if good:
                    text += " (" + ", ".join(d.strftime("%m-%d") for d in good) + ")"
                unknown = sum(
                    1
                    for d, s in self.ev.done.items()
                    if start <= d <= end and walk_verdict(self.ev, self.proto, d).status is PainStatus.UNKNOWN
                )
                if unknown:
                    text += f"; {unknown} more with pain unknown"
                parts.append(text)
        quality = "pain-free" if self.proto.is_bone else "comfortable (mild pain that settles)"
        return _criterion(
            f"{quality} brisk walks of {g.walk_min}+ min, {g.walks_per_week} a week for {g.window_weeks} weeks",
            ok,
            "; ".join(parts),
            self.proto.cite(g.walks_source or g.source) if detail else "",
        )

    def _pain_free(self, day: dt.date, detail: bool) -> Criterion:
        """No pain in the window, and check-ins covering it: silence is not pain-free."""
        g = self.proto.gate
        start = day - (g.pain_free_days - 1) * DAY
        painful: list[str] = []
        unknown: list[dt.date] = []
        reported = 0
        for offset in range(g.pain_free_days):
            d = start + offset * DAY
            c = self.ev.checkins.get(d)
            s = self.ev.done.get(d)
            if c is not None or (s is not None and s.checkin is not None):
                reported += 1
            if c is None and s is None:
                continue
            v = walk_verdict(self.ev, self.proto, d)
            if v.status is PainStatus.PAIN:
                painful.append(pain.describe((s.checkin if s else None) or c or CheckIn(date=d)))
            elif v.status is PainStatus.UNKNOWN:
                unknown.append(d)
        need = min(g.walks_per_week, g.pain_free_days)
        ok = not painful and not unknown and reported >= need
        text = ""
        if detail:
            bits = painful + [f"{d}: session without complete pain scores" for d in unknown]
            if reported < need:
                bits.append(f"only {reported} check-in day(s) since {start}; need {need} (silence is not pain-free)")
            text = "; ".join(bits) or f"none since {start}; {reported} day(s) with check-ins"
        return _criterion(
            f"no pain reported in the last {g.pain_free_days} days",
            ok,
            text,
            self.proto.cite(self.proto.pain.source) if detail else "",
        )

    def _tests(self, day: dt.date, detail: bool) -> Criterion:
        g = self.proto.gate
        oldest = day - (g.tests_valid_days - 1) * DAY
        parts, ok = [], True
        for test_id in g.required_tests:
            done = self.results.get(test_id, [])
            upto = bisect.bisect_right([t.date for t in done], day) if done and done[-1].date > day else len(done)
            if not upto:
                ok = False
                parts.append(f"{test_id}: not recorded")
                continue
            last = done[upto - 1]
            fresh = last.date >= oldest
            ok = ok and last.passed and fresh
            if not last.passed:
                parts.append(f"{test_id}: FAILED {last.date}")
            elif not fresh:
                parts.append(f"{test_id}: passed {last.date}, older than {g.tests_valid_days} days")
            else:
                parts.append(f"{test_id}: passed {last.date}")
        return _criterion(
            f"clinical tests passed within {g.tests_valid_days} days ({len(g.required_tests)})",
            ok,
            "; ".join(parts) if detail else "",
            self.proto.cite(g.tests_source or g.source) if detail else "",
        )


def _criterion(name: str, met: bool, evidence: str, source: str) -> Criterion:
    # The daily check builds criteria without evidence text; model_construct skips validation there.
    return Criterion.model_construct(name=name, met=met, evidence=evidence, source=source)
