"""The one judgment of pain: every module that asks "was this pain-free?" asks here.

Check-ins are append-only. For safety the worst score recorded for a date and
signal stands (``walkrun.domain.diary`` merges a day's logs); only an explicit
correction (with a reason) replaces a score, and a referral it triggered still
stands until a clinician review. A score that was never reported is *unknown*,
never pain-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from walkrun.domain.diary import SCORES, worse
from walkrun.domain.models import CheckIn
from walkrun.domain.protocol import PainPolicy, PainRule
from walkrun.domain.vocab import PainSignal, PainStatus


def score(c: CheckIn, signal: PainSignal) -> int | None:
    """The score a rule listens to; for ANY it includes a score a correction lowered."""
    if signal is PainSignal.ANY:
        return worse(c.max_pain, c.superseded_peak)
    if signal is PainSignal.NIGHT:
        return 1 if c.night_pain else 0
    return {PainSignal.DURING: c.pain_during, PainSignal.AFTER: c.pain_after}.get(signal, c.pain_next_morning)


def fires(rule: PainRule, c: CheckIn) -> bool:
    value = score(c, rule.signal)
    return value is not None and value >= max(rule.min_score, 1)


@dataclass(frozen=True)
class Verdict:
    """A day's pain evidence judged against a protocol's policy."""

    status: PainStatus
    rule: PainRule | None = None
    note: str = ""

    @property
    def clean(self) -> bool:
        """Counts toward progress: pain-free, or (soft tissue only) mild pain within the protocol's limits."""
        return self.status in (PainStatus.PAIN_FREE, PainStatus.WITHIN_LIMITS)


def judge(c: CheckIn | None, policy: PainPolicy, *, session: bool = True) -> Verdict:
    """The verdict on one day. ``session``: a walk or run was done, so its scores must be complete."""
    if c is None:
        return Verdict(PainStatus.UNKNOWN, note="pain unknown: no check-in with pain scores")
    for rule in policy.rules:
        if fires(rule, c):
            return Verdict(PainStatus.PAIN, rule=rule)
    if (c.pain_during or 0) > policy.clean_max_during or (c.pain_after or 0) > policy.clean_max_after:
        return Verdict(PainStatus.PAIN, note="pain above what this protocol accepts")
    if (c.pain_next_morning or 0) > policy.clean_max_next_morning or c.night_pain:
        return Verdict(PainStatus.PAIN, note="pain the next morning or at night")
    if session and (c.pain_during is None or c.pain_after is None):
        return Verdict(PainStatus.UNKNOWN, note="pain during or after not reported")
    if session and policy.require_next_morning and c.pain_next_morning is None:
        return Verdict(PainStatus.UNKNOWN, note="next-morning pain not reported yet")
    if (c.max_pain or 0) > 0:
        return Verdict(PainStatus.WITHIN_LIMITS, note="mild pain within this protocol's limits")
    return Verdict(PainStatus.PAIN_FREE)


def describe(c: CheckIn) -> str:
    """Plain words for a day's scores, e.g. '2026-03-02: pain during 2/10, night pain'."""
    parts = [
        f"{label} {v}/10"
        for label, v in zip(("during", "after", "next morning"), (getattr(c, k) for k in SCORES), strict=True)
        if v is not None
    ]
    if c.night_pain:
        parts.append("night pain")
    text = f"{c.date}: pain " + ", ".join(parts) if parts else f"{c.date}: no pain scores"
    if c.superseded_peak is not None:
        text += f" (corrected from {c.superseded_peak}/10: {c.reason})"
    return text
