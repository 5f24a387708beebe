"""What a calendar last published for each event UID, kept between exports.

Clients update an event they hold only when the UID matches and SEQUENCE went
up, so each UID's SEQUENCE, a hash of its content, its DTSTAMP and enough to
publish a cancellation are stored (as JSON strings in ``WriteResult.state``).
DTSTAMPs come from the plan date, never the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

UTC = dt.UTC
UID_DOMAIN = "walkrun"


def event_uid(athlete_id: str, slot: str) -> str:
    """The event UID for one plan slot: stable across regenerations, opaque to clients."""
    digest = hashlib.sha1(f"{athlete_id}\x1f{slot}".encode(), usedforsecurity=False).hexdigest()
    return f"{digest}@{UID_DOMAIN}"


@dataclass(frozen=True)
class CalendarEntry:
    """What was last published for one UID (stored as JSON in ``WriteResult.state``)."""

    slot: str
    seq: int
    digest: str  # hash of the event as published, minus SEQUENCE and DTSTAMP
    stamp: str  # DTSTAMP as written, e.g. 20260420T000000Z
    date: dt.date
    duration_s: int  # 0 means an all-day event (rest day)
    summary: str
    gone: dt.date | None = None  # the plan.today on which the slot left the plan

    def dump(self) -> str:
        data = {
            "slot": self.slot,
            "seq": self.seq,
            "hash": self.digest,
            "stamp": self.stamp,
            "date": self.date.isoformat(),
            "dur": self.duration_s,
            "summary": self.summary,
        }
        if self.gone:
            data["gone"] = self.gone.isoformat()
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def load(cls, raw: str) -> CalendarEntry | None:
        try:
            data = json.loads(raw)
            return cls(
                slot=str(data["slot"]),
                seq=int(data["seq"]),
                digest=str(data["hash"]),
                stamp=str(data["stamp"]),
                date=dt.date.fromisoformat(data["date"]),
                duration_s=int(data["dur"]),
                summary=str(data["summary"]),
                gone=dt.date.fromisoformat(data["gone"]) if data.get("gone") else None,
            )
        except (ValueError, TypeError, KeyError):
            # A damaged entry only costs that event its SEQUENCE history.
            return None


def load_state(state: dict[str, str], athlete_id: str) -> dict[str, CalendarEntry]:
    out: dict[str, CalendarEntry] = {}
    for uid, raw in state.items():
        entry = CalendarEntry.load(raw)
        # Entries for another athlete (state handed over by mistake) must not be
        # read as this athlete's dropped sessions and cancelled in their calendar.
        if entry is not None and uid == event_uid(athlete_id, entry.slot):
            out[uid] = entry
    return out


def stamp_of(day: dt.date) -> str:
    return f"{day:%Y%m%d}T000000Z"


def next_stamp(previous: str, today: dt.date) -> str:
    """DTSTAMP of a changed event: the plan date, yet always later than what clients saw.

    Deterministic (no clock), never backwards even when exporting "as of" an
    earlier day, and a second re-plan on the same day still moves it on.
    """
    later = parse_stamp(previous) + dt.timedelta(seconds=1)
    return max(later, parse_stamp(stamp_of(today))).strftime("%Y%m%dT%H%M%SZ")


def parse_stamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
