"""Athletes: profiles in the order they were added, and removing one with everything stored for them."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from walkrun.domain.errors import UnknownAthleteError
from walkrun.domain.models import AthleteProfile
from walkrun.store import tables as t
from walkrun.store.db import Database

# Child tables first, so foreign keys hold at every step of a delete.
_OWNED = (
    t.coach_notes,
    t.coach_athletes,
    t.plan_revisions,
    t.writer_state,
    t.clinical_tests,
    t.checkins,
    t.classifications,
    t.import_problems,
    t.import_files,
    t.import_contents,
    t.import_runs,
    t.activities,
    t.athletes,
)


class Athletes:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, profile: AthleteProfile) -> bool:
        """Insert or update; True when the athlete is new."""
        data = profile.model_dump_json()
        a = t.athletes
        with self.db.write() as conn:
            if conn.execute(select(a.c.athlete_id).where(a.c.athlete_id == profile.athlete_id)).first():
                conn.execute(update(a).where(a.c.athlete_id == profile.athlete_id).values(profile_json=data))
                return False
            seq = conn.execute(select(func.coalesce(func.max(a.c.created_seq), 0) + 1)).scalar_one()
            conn.execute(a.insert().values(athlete_id=profile.athlete_id, profile_json=data, created_seq=seq))
            return True

    def get(self, athlete_id: str) -> AthleteProfile:
        with self.db.read() as conn:
            data = conn.execute(select(t.athletes.c.profile_json).where(t.athletes.c.athlete_id == athlete_id)).scalar()
        if data is None:
            known = ", ".join(self.ids()) or "none yet (walkrun init)"
            raise UnknownAthleteError(f"unknown athlete {athlete_id!r}; known: {known}")
        return AthleteProfile.model_validate_json(data)

    def ids(self) -> list[str]:
        with self.db.read() as conn:
            return list(conn.execute(select(t.athletes.c.athlete_id).order_by(t.athletes.c.created_seq)).scalars())

    def delete(self, athlete_id: str) -> None:
        """Remove an athlete and everything stored for them, in one transaction."""
        with self.db.write() as conn:
            conn.execute(delete(t.feed_tokens).where(t.feed_tokens.c.scope == athlete_id))
            for table in _OWNED:
                conn.execute(delete(table).where(table.c.athlete_id == athlete_id))
