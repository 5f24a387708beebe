"""Per-athlete coach notes: what the coach wants to remember, shown wherever the athlete is looked at.

A note is free text with an author and a UTC time, kept forever in an append-only log (the
store's ``add_note`` / ``notes`` / ``latest_notes``). The roster, the coach's web page, the
physio summary and ``walkrun explain`` show them; the short form (``short``) keeps a table row
readable while ``--json`` always carries the full text. This module is the model only, so the
store and the writer contract can use it without importing anything above them.
"""

from __future__ import annotations

import datetime as dt
import getpass

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.errors import UsageError

__all__ = ["MAX_NOTE_CHARS", "CoachNote", "default_author", "new_note", "short"]

MAX_NOTE_CHARS = 4000  # a paragraph or two; longer belongs in the clinic's records
SHORT_CHARS = 60


class CoachNote(BaseModel):
    """One note about one athlete."""

    model_config = ConfigDict(frozen=True)

    athlete: str
    created_utc: dt.datetime = Field(description="when it was written, UTC")
    author: str
    text: str

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


def new_note(athlete_id: str, text: str, author: str, now: dt.datetime | None = None) -> CoachNote:
    """A note as it will be stored: text stripped, time in whole UTC seconds; empty or oversized text refused."""
    text, author = text.strip(), " ".join(author.split())
    if not text:
        raise UsageError("the note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise UsageError(f"the note has {len(text)} characters; at most {MAX_NOTE_CHARS}")
    if not author:
        raise UsageError("--author is empty")
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return CoachNote(athlete=athlete_id, created_utc=when, author=author, text=text)
