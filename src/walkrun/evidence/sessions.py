"""Activities + pain reports -> the sessions the gate and the progression judge.

Pain evidence comes from three places, strongest first: check-ins logged with
``walkrun log`` or a pain diary, then tags the runner wrote into the activity
(``pain:0``, ``pain 2/10``, ``pain-free``). RPE and "feel" are effort, never
pain, and an activity with no pain evidence is "pain unknown", not pain-free.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from walkrun.domain.activities import Activity
from walkrun.domain.errors import UsageError
from walkrun.domain.history import DoneSession, History, merge_checkins, sessions_from_checkins
from walkrun.domain.models import CheckIn, ClinicalTestResult
from walkrun.domain.protocol import PainPolicy, PainRule, Tissue
from walkrun.domain.vocab import PainAction, PainSignal, PainStatus
from walkrun.evidence.classify import Classification
from walkrun.evidence.pain import judge

_SCORE = r"(10|[0-9])(?:\s*/\s*10)?"
_TAGS = [
    (re.compile(rf"\bpain[\s_-]*(?:during)[\s:=]*{_SCORE}\b", re.I), ("pain_during",)),
    (re.compile(rf"\bpain[\s_-]*(?:after)[\s:=]*{_SCORE}\b", re.I), ("pain_after",)),
    (
        re.compile(
            rf"\b(?:(?:next[\s_-]*)?morning[\s_-]*pain|pain[\s_-]*(?:next[\s_-]*)?morning)[\s:=]*{_SCORE}\b", re.I
        ),
        ("pain_next_morning",),
    ),
    (re.compile(rf"#?\bpain[\s:=]*{_SCORE}(?![\d.])", re.I), ("pain_during", "pain_after")),
]
_PAIN_FREE = re.compile(r"#?\b(?:pain[\s_-]?free|no[\s_-]pain|painfree)\b", re.I)
_NIGHT = re.compile(r"#?\bnight[\s_-]?pain\b", re.I)


def pain_from_text(text: str, day: dt.date) -> CheckIn | None:
    """Read pain tags from an activity's name, description or notes; None when there are none."""
    fields: dict[str, int | bool] = {}
    rest = text
    for pattern, keys in _TAGS:
        for m in pattern.finditer(rest):
            for key in keys:
                fields.setdefault(key, int(m.group(1)))
        rest = pattern.sub(" ", rest)  # "morning pain 2" must not also read as a plain "pain 2"
    if not fields and _PAIN_FREE.search(text):
        fields = {"pain_during": 0, "pain_after": 0}
    if _NIGHT.search(text) and not re.search(r"\bno[\s_-]night[\s_-]?pain\b", text, re.I):
        fields["night_pain"] = True
    if not fields:
        return None
    return CheckIn(date=day, source="tag", note="from activity text", **fields)


@dataclass(frozen=True)
class ClassifiedActivity:
    activity_id: str
    activity: Activity
    classification: Classification


def local_day(activity: Activity, timezone: str) -> dt.date:
    return activity.local_date(ZoneInfo(timezone))


def pain_evidence(activity: Activity, day: dt.date, checkins_by_day: dict[dt.date, CheckIn]) -> CheckIn | None:
    """The day's check-in, completed by tags in the activity's own text; None means pain unknown."""
    text = " ".join(t for t in (activity.name, activity.description, activity.private_note) if t)
    tag = pain_from_text(text, day)
    logged = checkins_by_day.get(day)
    if logged is not None and tag is not None and logged.pain_during is None:
        return logged.merged(tag)
    return logged or tag


def sessions_from_activities(
    items: Iterable[ClassifiedActivity], checkins: Iterable[CheckIn], timezone: str
) -> list[DoneSession]:
    """One DoneSession per on-foot activity, joined to that day's pain evidence."""
    by_day = merge_checkins(checkins)
    out = []
    for item in items:
        c = item.classification
        if c.method == "not-on-foot" or (c.walk_s == 0 and c.run_s == 0):
            continue
        act = item.activity
        day = local_day(act, timezone)
        pain = pain_evidence(act, day, by_day)
        out.append(
            DoneSession(
                date=day,
                walk_s=c.walk_s,
                brisk_walk_s=c.brisk_walk_s,
                longest_brisk_walk_s=c.longest_brisk_walk_s,
                run_s=c.run_s,
                source=f"import:{act.source}",
                activity_id=item.activity_id,
                checkin=pain,
                warnings=list(c.warnings),
            )
        )
    return sorted(out, key=lambda s: (s.date, s.activity_id or ""))


def assemble_history(
    checkins: list[CheckIn],
    clinical: list[ClinicalTestResult],
    items: Iterable[ClassifiedActivity],
    timezone: str,
) -> History:
    """The engine's input: imported sessions, plus hand-logged ones on days without an import (no double counting)."""
    imported = sessions_from_activities(items, checkins, timezone)
    days = {s.date for s in imported}
    manual = [s for s in sessions_from_checkins(checkins) if s.date not in days]
    sessions = sorted(manual + imported, key=lambda s: (s.date, s.activity_id or ""))
    return History(checkins=checkins, clinical=clinical, sessions=sessions)


DIARY_COLUMNS = ("date", "pain_during", "pain_after", "pain_next_morning", "night_pain", "walk_min", "run_min", "note")
_TRUE = {"1", "y", "yes", "true", "x"}


def read_pain_diary(text: str, source: str) -> list[CheckIn]:
    """Parse a CSV pain diary (header row; columns in DIARY_COLUMNS, only ``date`` required)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "date" not in header:
        raise UsageError(f"{source}: a pain diary needs a 'date' column (columns: {', '.join(DIARY_COLUMNS)})")
    unknown = [h for h in header if h not in DIARY_COLUMNS]
    if unknown:
        raise UsageError(f"{source}: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(DIARY_COLUMNS)}")
    out = []
    for line_no, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        where = f"{source}: line {line_no}"
        try:
            out.append(CheckIn.model_validate(_diary_fields(row, where)))
        except ValidationError as exc:
            err = exc.errors()[0]
            column = ".".join(str(p) for p in err["loc"])
            raise UsageError(f"{where}, column {column}: {err['msg']}") from None
    return out


def _pain_score(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 10:
        raise ValueError(text)
    return value


def _diary_fields(row: dict[str, str], where: str) -> dict[str, object]:
    """One diary row as CheckIn fields; a bad cell is a one-line error naming the line, column and format."""

    def cell(column: str, convert: Callable[[str], object], expected: str) -> object:
        try:
            return convert(row[column])
        except ValueError:
            raise UsageError(f"{where}, column {column}: {row[column]!r} is not {expected}") from None

    fields: dict[str, object] = {"source": "diary", "note": row.get("note", "")}
    fields["date"] = cell("date", dt.date.fromisoformat, "a date: expected YYYY-MM-DD")
    for key in ("pain_during", "pain_after", "pain_next_morning"):
        if row.get(key):
            fields[key] = cell(key, _pain_score, "a pain score: expected a whole number 0-10")
    for key in ("walk_min", "run_min"):
        if row.get(key):
            fields[key] = cell(key, float, "a number of minutes")
    fields["night_pain"] = row.get("night_pain", "").lower() in _TRUE
    return fields


@dataclass(frozen=True)
class WeekEvidence:
    """One row of the weekly brisk-walk table in ``walkrun status``."""

    week_start: dt.date
    brisk_sessions: int
    brisk_walk_s: int
    longest_brisk_walk_s: int
    pain_free: int
    pain_unknown: int
    with_pain: int
    run_s: int
    warnings: list[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "week_start": self.week_start.isoformat(),
            "brisk_sessions": self.brisk_sessions,
            "brisk_walk_s": self.brisk_walk_s,
            "longest_brisk_walk_s": self.longest_brisk_walk_s,
            "pain_free": self.pain_free,
            "pain_unknown": self.pain_unknown,
            "with_pain": self.with_pain,
            "run_s": self.run_s,
            "warnings": self.warnings,
        }


MIN_BRISK_SESSION_S = 10 * 60
_ZERO_PAIN = PainPolicy(
    source="zero",
    tissue=Tissue.BONE,
    clean_max_during=0,
    clean_max_after=0,
    clean_max_next_morning=0,
    require_next_morning=True,
    rules=[
        PainRule(
            id="any-pain-hold", source="zero", signal=PainSignal.ANY, min_score=1, action=PainAction.HOLD, says="hold"
        )
    ],
)


def weekly_evidence(
    sessions: Iterable[DoneSession], today: dt.date, weeks: int = 8, policy: PainPolicy | None = None
) -> list[WeekEvidence]:
    """Monday-to-Sunday weeks, newest last, ending with the week that holds ``today``.

    Pain is judged by ``walkrun.evidence.pain.judge`` with the athlete's protocol policy, exactly as the gate judges it;
    without a policy, a zero-pain bone policy is assumed.
    """
    policy = policy or _ZERO_PAIN
    this_monday = today - dt.timedelta(days=today.weekday())
    rows = []
    items = list(sessions)
    for k in range(weeks - 1, -1, -1):
        start = this_monday - dt.timedelta(weeks=k)
        week = [s for s in items if start <= s.date < start + dt.timedelta(days=7) and s.date <= today]
        brisk = [s for s in week if s.brisk_walk_s >= MIN_BRISK_SESSION_S]
        pain_free = unknown = painful = 0
        for s in brisk:
            verdict = judge(s.checkin, policy, session=True)
            if verdict.status is PainStatus.UNKNOWN:
                unknown += 1
            elif verdict.clean and s.run_s == 0:
                pain_free += 1
            elif not verdict.clean:
                painful += 1
        warnings = sorted({w for s in week for w in s.warnings})
        rows.append(
            WeekEvidence(
                week_start=start,
                brisk_sessions=len(brisk),
                brisk_walk_s=sum(s.brisk_walk_s for s in week),
                longest_brisk_walk_s=max((s.longest_brisk_walk_s for s in week), default=0),
                pain_free=pain_free,
                pain_unknown=unknown,
                with_pain=painful,
                run_s=sum(s.run_s for s in week),
                warnings=warnings,
            )
        )
    return rows
