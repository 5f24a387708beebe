"""Metadata from bulk exports: Strava's ``activities.csv`` and Garmin's activity summaries.

The watch file is the evidence; these tables carry what the athlete typed or
corrected afterwards (type, name, notes, perceived exertion). ``ingest`` finds
them, this module parses them and merges them into the activities the readers
produced.

Strava ``activities.csv`` (one row per activity, read by header name)
---------------------------------------------------------------------
Strava repeats some column names ("Elapsed Time", "Distance", "Max Heart Rate",
"Relative Effort", "Commute"); every column resolves to its FIRST occurrence,
except distance (see below). Headers are matched case-insensitively.

=================  ===========================  ==========================================  =========
field              English header               German header                               confirmed
=================  ===========================  ==========================================  =========
id                 Activity ID                  Aktivitäts-ID                               yes
date (UTC)         Activity Date                Aktivitätsdatum                             yes
name               Activity Name                Name der Aktivität                          yes
type -> sport      Activity Type                Aktivitätsart                               yes
description        Activity Description         Aktivitätsbeschreibung                      yes
elapsed_s          Elapsed Time (1st)           Verstrichene Zeit (1st)                     yes
moving_s           Moving Time                  Bewegungszeit                               yes
distance           Distance (1st km, 2nd m)     Distanz (1st km, 2nd m)                     yes
filename           Filename                     Dateiname                                   yes
private_note       Activity Private Note        Hinweis zur Privatsphäre für Aktivitäten    yes
                                                Private Notiz                               no
rpe                Perceived Exertion           Gefühlte Anstrengung                        yes
                                                Wahrgenommene Anstrengung                   no
=================  ===========================  ==========================================  =========

"Confirmed" means the header appears in real-export header lines quoted in
public code (a 103-column English and a 92-column German export); the
unconfirmed German aliases are plausible translations kept as extra aliases.
"Gefühlte Anstrengung verwenden" is "Prefer Perceived Exertion", not RPE.

Distance: the first "Distance" is kilometres (German exports use a decimal
comma), the later duplicate is metres regardless of the account's units. We
prefer the metre column and fall back to the first one x 1000 (older exports
have only the first). Durations are seconds ("1390" or "1390.0").
"Activity Date" is UTC: "Mar 3, 2024, 7:01:02 AM" (English) or
"20.09.2026, 14:12:12" (German).

Activity types: "Walk" -> walking, "Run" -> running, "Hike" -> hiking (German
"Spaziergang", "Lauf", "Wanderung"); others are lower-cased. Strava's type
wins over the file's sport for a single-session file, because it is what the
athlete last set; "Perceived Exertion" goes to ``rpe`` and is never pain.

Garmin ``DI_CONNECT/**/*summarizedActivities*.json``
----------------------------------------------------
A JSON list, usually ``[{"summarizedActivitiesExport": [ {...}, ... ]}]``.
Times are epoch milliseconds, durations milliseconds, distances centimetres.

==================================  =========================================  =========
Garmin field                        use                                        confirmed
==================================  =========================================  =========
startTimeGmt (or beginTimestamp)    match key: file start within 60 s          yes
startTimeLocal                      utc_offset_s = local - gmt, when missing   yes
activityType (str or {"typeKey"})   sport / sub_sport, when missing            yes
name                                name, when empty                           yes
description                         description, when empty                    yes
workoutRpe                          rpe, when missing (10..100, divided by 10) yes
workoutFeel                         feel, when missing (0..100 as given)       yes
duration / movingDuration (ms)      parsed, not merged (the file is better)    yes
distance (cm)                       parsed, not merged (the file is better)    yes
==================================  =========================================  =========

``workoutRpe``/``workoutFeel`` are kept on Garmin's scale (RPE 1-10 stored as
10..100, feel 0/25/50/75/100), as ``Activity`` asks for "as the source gives
it"; the FIT session fields carry the same scale. The Garmin API's
``directWorkoutRpe``/``directWorkoutFeel`` names are accepted as aliases.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from walkrun.domain.activities import Activity, rpe_from_tenths

GARMIN_MATCH_S = 60.0

STRAVA_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("Activity ID", "Aktivitäts-ID"),
    "date": ("Activity Date", "Aktivitätsdatum"),
    "name": ("Activity Name", "Name der Aktivität"),
    "type": ("Activity Type", "Aktivitätsart"),
    "description": ("Activity Description", "Aktivitätsbeschreibung"),
    "elapsed": ("Elapsed Time", "Verstrichene Zeit"),
    "moving": ("Moving Time", "Bewegungszeit"),
    "distance": ("Distance", "Distanz"),
    "filename": ("Filename", "Dateiname"),
    "private_note": ("Activity Private Note", "Hinweis zur Privatsphäre für Aktivitäten", "Private Notiz"),
    "rpe": ("Perceived Exertion", "Gefühlte Anstrengung", "Wahrgenommene Anstrengung"),
}

SPORTS: dict[str, str] = {
    "walk": "walking",
    "run": "running",
    "hike": "hiking",
    "trail run": "running",
    "trailrun": "running",
    "virtual run": "running",
    "virtualrun": "running",
    "ride": "cycling",
    "swim": "swimming",
    "spaziergang": "walking",
    "lauf": "running",
    "wanderung": "hiking",
    "radfahrt": "cycling",
}

_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_EN_DATE = re.compile(r"^([A-Za-z]{3})[a-z]*\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AaPp][Mm])?$")
_DE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?$")


def strava_sport(value: str) -> str | None:
    """Strava's activity type as a walkrun sport name (lower-case), or None when blank."""
    key = " ".join(value.split()).casefold()
    if not key:
        return None
    return SPORTS.get(key, key)


def parse_strava_date(text: str) -> dt.datetime:
    """Strava's "Activity Date" (UTC) in the English or German export style."""
    # Newer exports put a narrow no-break space before AM/PM (CLDR 42).
    clean = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    if m := _EN_DATE.match(clean):
        month = _MONTHS.get(m[1].casefold())
        if month is None:
            raise ValueError(f"unknown month in date {text!r}")
        hour = int(m[4])
        if m[7]:
            hour = hour % 12 + (12 if m[7].casefold() == "pm" else 0)
        return dt.datetime(int(m[3]), month, int(m[2]), hour, int(m[5]), int(m[6] or 0), tzinfo=dt.UTC)
    if m := _DE_DATE.match(clean):
        d, mo, y, h, mi, s = (int(x or 0) for x in m.groups())
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(clean)
    except ValueError:
        raise ValueError(f"cannot read date {text!r}") from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def parse_number(text: str) -> float | None:
    """A CSV number in English ("1234.5") or German ("1.234,5", "2,81") style; None when blank."""
    s = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not s:
        return None
    if "," in s and "." in s:
        # Whichever separator comes last is the decimal one.
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", ".")
    return float(s)


def normalise_export_path(name: str) -> str:
    """A CSV ``Filename`` or a member path in the form both are compared in."""
    parts = [p for p in name.strip().replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


@dataclass(frozen=True)
class StravaRow:
    """One row of ``activities.csv``, already typed."""

    line: int
    activity_id: str
    date_text: str
    sport: str | None
    name: str
    description: str
    private_note: str
    filename: str
    elapsed_s: float | None
    moving_s: float | None
    distance_m: float | None
    rpe: float | None

    def manual_activity(self, source: str) -> Activity:
        """The row as an activity without samples (a manual entry or a file the export lacks)."""
        identity = self.activity_id or f"{self.date_text}|{self.name}|{self.line}"
        return Activity(
            source=source,
            content_hash=hashlib.sha256(f"strava-activity:{identity}".encode()).hexdigest(),
            sport=self.sport or "unknown",
            start_utc=parse_strava_date(self.date_text),
            elapsed_s=self.elapsed_s if self.elapsed_s is not None else (self.moving_s or 0.0),
            moving_s=self.moving_s,
            distance_m=self.distance_m,
            name=self.name,
            description=self.description,
            private_note=self.private_note,
            rpe=self.rpe,
        )

    def merge(self, activities: Sequence[Activity]) -> list[Activity]:
        """Strava's fields over the file's: the athlete edited them after recording."""
        single = len(activities) == 1
        out = []
        for act in activities:
            update: dict[str, Any] = {}
            if self.sport and (single or act.sport in ("", "unknown")):
                update["sport"] = self.sport
            for key in ("name", "description", "private_note"):
                if value := getattr(self, key):
                    update[key] = value
            if self.rpe is not None:
                update["rpe"] = self.rpe
            out.append(act.model_copy(update=update) if update else act)
        return out


@dataclass(frozen=True)
class GarminSummary:
    """The parts of one Garmin activity summary that can fill gaps in a file's activity."""

    start_utc: dt.datetime
    sport: str | None = None
    sub_sport: str | None = None
    name: str = ""
    description: str = ""
    utc_offset_s: int | None = None
    elapsed_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    rpe: float | None = None
    feel: float | None = None


def garmin_sport(activity_type: object) -> tuple[str | None, str | None]:
    """Garmin's ``activityType`` (a key or ``{"typeKey": ...}``) as (sport, sub_sport)."""
    key = activity_type.get("typeKey") if isinstance(activity_type, Mapping) else activity_type
    if not isinstance(key, str) or not key.strip():
        return None, None
    key = key.strip().casefold()
    for sub in ("trail", "treadmill", "track"):
        if key == f"{sub}_running":
            return "running", sub
    for sport in ("running", "walking", "hiking", "cycling", "swimming"):
        if key == sport or key.endswith("_" + sport):
            return sport, None
    return key, None


def _epoch_ms(value: object) -> dt.datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000.0, tz=dt.UTC)
    if isinstance(value, str) and value.strip():
        parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "T"))
        return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)
    return None


def _num(value: object, scale: float = 1.0) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) * scale


def _garmin_records(payload: object) -> Iterable[Mapping[str, Any]]:
    """Activity records from ``[{"summarizedActivitiesExport": [...]}]`` or a bare list of them."""
    for chunk in payload if isinstance(payload, list) else [payload]:
        if not isinstance(chunk, Mapping):
            continue
        inner = chunk.get("summarizedActivitiesExport")
        if isinstance(inner, list):
            yield from (r for r in inner if isinstance(r, Mapping))
        elif "activityId" in chunk or "startTimeGmt" in chunk:
            yield chunk


def parse_garmin_summaries(data: bytes) -> list[GarminSummary]:
    """Summaries from a ``*summarizedActivities*.json`` file, sorted by start; raises ValueError."""
    try:
        payload = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    out = []
    for rec in _garmin_records(payload):
        raw_start = next((rec[k] for k in ("startTimeGmt", "startTimeGMT", "beginTimestamp") if rec.get(k)), None)
        try:
            start = _epoch_ms(raw_start)
        except (ValueError, OverflowError, OSError):
            start = None
        if start is None:
            continue  # without a start time it cannot be matched to anything
        local = rec.get("startTimeLocal")
        offset = None
        if isinstance(local, int | float) and not isinstance(local, bool):
            offset = round((local / 1000.0 - start.timestamp()) / 60.0) * 60
        sport, sub_sport = garmin_sport(rec.get("activityType"))
        name = rec.get("name", rec.get("activityName"))
        description = rec.get("description")
        out.append(
            GarminSummary(
                start_utc=start,
                sport=sport,
                sub_sport=sub_sport,
                name=name.strip() if isinstance(name, str) else "",
                description=description.strip() if isinstance(description, str) else "",
                utc_offset_s=offset,
                elapsed_s=_num(rec.get("elapsedDuration", rec.get("duration")), 0.001),
                moving_s=_num(rec.get("movingDuration"), 0.001),
                distance_m=_num(rec.get("distance"), 0.01),
                rpe=rpe_from_tenths(_num(rec.get("workoutRpe", rec.get("directWorkoutRpe")))),
                feel=_num(rec.get("workoutFeel", rec.get("directWorkoutFeel"))),
            )
        )
    out.sort(key=lambda s: s.start_utc)
    return out


@dataclass
class ExportMeta:
    """What one export root says about its files: Strava rows by path, Garmin summaries by time."""

    strava_rows: list[StravaRow] = field(default_factory=list)
    garmin: list[GarminSummary] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_file = {r.filename: r for r in self.strava_rows if r.filename}
        self._starts = [s.start_utc.timestamp() for s in self.garmin]

    def __bool__(self) -> bool:
        return bool(self.strava_rows or self.garmin)

    def strava_row(self, rel_path: str | None) -> StravaRow | None:
        return self._by_file.get(normalise_export_path(rel_path)) if rel_path else None

    def garmin_for(self, start: dt.datetime) -> GarminSummary | None:
        """The summary starting nearest to ``start``, if within ``GARMIN_MATCH_S``."""
        if not self._starts:
            return None
        t = start.timestamp() if start.tzinfo else start.replace(tzinfo=dt.UTC).timestamp()
        i = bisect.bisect_left(self._starts, t)
        near = [j for j in (i - 1, i) if 0 <= j < len(self._starts)]
        best = min(near, key=lambda j: abs(self._starts[j] - t))
        return self.garmin[best] if abs(self._starts[best] - t) <= GARMIN_MATCH_S else None

    def merge(self, rel_path: str | None, activities: Sequence[Activity]) -> list[Activity]:
        """Activities with this export's metadata merged in (Strava first, then Garmin gaps)."""
        acts = list(activities)
        if row := self.strava_row(rel_path):
            acts = row.merge(acts)
        return [_fill_from_garmin(a, self.garmin_for(a.start_utc)) for a in acts] if self.garmin else acts

    def garmin_only(self) -> ExportMeta:
        """The part that applies inside a nested archive, whose paths are not Strava's."""
        return ExportMeta(garmin=self.garmin)


def _fill_from_garmin(act: Activity, summary: GarminSummary | None) -> Activity:
    if summary is None:
        return act
    update: dict[str, Any] = {}
    if act.sport in ("", "unknown") and summary.sport:
        update["sport"] = summary.sport
        if act.sub_sport is None and summary.sub_sport:
            update["sub_sport"] = summary.sub_sport
    for key in ("name", "description"):
        if not getattr(act, key) and getattr(summary, key):
            update[key] = getattr(summary, key)
    for key in ("rpe", "feel", "utc_offset_s"):
        if getattr(act, key) is None and getattr(summary, key) is not None:
            update[key] = getattr(summary, key)
    return act.model_copy(update=update) if update else act
