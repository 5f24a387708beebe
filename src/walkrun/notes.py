"""Per-athlete coach notes: what the coach wants to remember, shown wherever the athlete is looked at.

A note is free text with an author and a UTC time, kept forever in an append-only log. The
roster, the coach's web page, the physio summary and ``walkrun explain`` show them; the short
form (``short``) keeps a table row readable while ``--json`` always carries the full text.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from walkrun.errors import UsageError

if TYPE_CHECKING:
    from walkrun.store import Store

__all__ = ["MAX_NOTE_CHARS", "CoachNote", "add_note", "default_author", "latest_notes", "notes_for", "short"]

MAX_NOTE_CHARS = 4000  # a paragraph or two; longer belongs in the clinic's records
SHORT_CHARS = 60


class CoachNote(BaseModel):
    """One note about one athlete."""

    model_config = ConfigDict(frozen=True)

    athlete: str
    created_utc: dt.datetime = Field(description="when it was written, UTC")
    author: str
    text: str

    @classmethod
    def from_row(cls, row: tuple[str, str, str, str]) -> CoachNote:
        athlete, created, author, text = row
        return cls(athlete=athlete, created_utc=dt.datetime.fromisoformat(created), author=author, text=text)

    def as_dict(self) -> dict[str, str]:
        """As ``--json`` prints it (the same shape as inside the roster's rows)."""
        return {k: str(v) for k, v in self.model_dump(mode="json").items()}

    def heading(self) -> str:
        """``2026-03-01 Dr Lee``: the date (UTC) and who wrote it."""
        return f"{self.created_utc.date().isoformat()} {self.author}"


def short(text: str, limit: int = SHORT_CHARS) -> str:
    """One line of at most ``limit`` characters, cut at a word boundary with an ellipsis when longer."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def default_author() -> str:
    """The login name: who typed the note when --author is not given."""
    try:
        return getpass.getuser() or "coach"
    except (KeyError, OSError):  # no such user in a container
        return "coach"


def add_note(store: Store, athlete_id: str, text: str, author: str, now: dt.datetime | None = None) -> CoachNote:
    """Store a note (stripped; empty or oversized text refused) and return it as stored."""
    text, author = text.strip(), " ".join(author.split())
    if not text:
        raise UsageError("the note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise UsageError(f"the note has {len(text)} characters; at most {MAX_NOTE_CHARS}")
    if not author:
        raise UsageError("--author is empty")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    store.add_note(athlete_id, when.isoformat(), author, text)
    return CoachNote(athlete=athlete_id, created_utc=when, author=author, text=text)


def notes_for(store: Store, athlete_id: str | None = None) -> list[CoachNote]:
    """One athlete's notes (or everyone's), oldest first."""
    return [CoachNote.from_row(row) for row in store.notes(athlete_id)]


def latest_notes(store: Store, athlete_ids: list[str] | None = None) -> dict[str, CoachNote]:
    """The newest note per athlete, in one query."""
    return {a: CoachNote.from_row(row) for a, row in store.latest_notes(athlete_ids).items()}
