"""Coach notes: an append-only log per athlete (nothing a coach wrote is ever overwritten)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from walkrun.domain.notes import CoachNote
from walkrun.store import tables as t
from walkrun.store.db import Database


class Notes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, note: CoachNote) -> None:
        row = {"athlete_id": note.athlete, "created_utc": note.created_utc.isoformat(), "author": note.author,
               "text": note.text}  # fmt: skip
        with self.db.write() as conn:
            conn.execute(t.coach_notes.insert().values(**row))

    def all(self, athlete_id: str | None = None) -> list[CoachNote]:
        """Every note (or one athlete's), oldest first."""
        n = t.coach_notes
        query = select(n.c.athlete_id, n.c.created_utc, n.c.author, n.c.text).order_by(n.c.seq)
        if athlete_id is not None:
            query = query.where(n.c.athlete_id == athlete_id)
        with self.db.read() as conn:
            return [_note(r) for r in conn.execute(query)]

    def latest(self, athlete_ids: Iterable[str] | None = None) -> dict[str, CoachNote]:
        """The newest note of each athlete who has one: one query for a whole roster."""
        n = t.coach_notes
        newest = select(func.max(n.c.seq)).group_by(n.c.athlete_id)
        if athlete_ids is not None:
            newest = newest.where(n.c.athlete_id.in_(list(athlete_ids)))
        query = select(n.c.athlete_id, n.c.created_utc, n.c.author, n.c.text).where(n.c.seq.in_(newest))
        with self.db.read() as conn:
            return {r.athlete_id: _note(r) for r in conn.execute(query)}


def _note(r: Any) -> CoachNote:
    return CoachNote(
        athlete=r.athlete_id, created_utc=dt.datetime.fromisoformat(r.created_utc), author=r.author, text=r.text
    )
