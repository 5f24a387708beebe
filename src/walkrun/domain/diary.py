"""Several logs for one date -> the one check-in that stands for it.

Check-ins are append-only. For safety the worst score recorded for a date and
signal stands; only an explicit correction (with a reason) replaces a score.
This is record keeping, not judgment: what a standing score means for the plan
is decided in ``walkrun.evidence.pain``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from walkrun.domain.models import CheckIn

SCORES = ("pain_during", "pain_after", "pain_next_morning")


def worse(a: int | None, b: int | None) -> int | None:
    """The higher of two scores, where a missing one never hides a reported one."""
    return b if a is None else a if b is None else max(a, b)


def combine(older: CheckIn, newer: CheckIn) -> CheckIn:
    """Apply a later log for the same date: worst score stands unless ``newer`` is a correction."""
    data = older.model_dump()
    peak = max(
        (v for v in (older.max_pain, older.superseded_peak, newer.superseded_peak) if v is not None), default=None
    )
    for key in SCORES:
        value = getattr(newer, key)
        if value is None:
            continue
        data[key] = value if newer.correction else worse(data[key], value)
    for key in ("walk_min", "run_min"):
        value = getattr(newer, key)
        if value is not None:
            data[key] = value if newer.correction else worse(data[key], value)
    data["night_pain"] = older.night_pain or newer.night_pain
    data["note"] = "; ".join(n for n in (older.note, newer.note) if n)
    if newer.correction:
        data["reason"] = "; ".join(r for r in (older.reason, newer.reason) if r)
        data["correction"] = True
    merged = CheckIn.model_validate(data)
    if peak is not None and (merged.max_pain is None or peak > merged.max_pain):
        merged = merged.model_copy(update={"superseded_peak": peak})
    return merged


def by_day(checkins: Iterable[CheckIn]) -> dict[dt.date, CheckIn]:
    """One check-in per date, in log order, with the worst-stands rule applied."""
    merged: dict[dt.date, CheckIn] = {}
    for c in checkins:
        merged[c.date] = combine(merged[c.date], c) if c.date in merged else c
    return merged
