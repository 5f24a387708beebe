"""Coaches with scoped access: each has a secret that opens only their athletes.

The secret is returned once, when it is made, and only its SHA-256 is stored: a copy of the
database (a backup, a support dump) does not hand out working coach URLs. A lookup hashes the
presented token and finds it by the unique index, so there is nothing to compare in Python and
nothing to cache: a regenerated or removed coach's old URL stops working on the very next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from walkrun.domain.errors import StoreError, UnknownAthleteError
from walkrun.store import tables as t
from walkrun.store.db import Database


@dataclass(frozen=True)
class CoachRecord:
    """A coach as stored: the name, the athletes they may see, when they were added (never the secret)."""

    name: str
    athletes: tuple[str, ...]
    created_utc: str


def token_hash(token: str) -> str:
    """What is stored for a secret: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """An unguessable secret, shaped like the feed tokens (the server's token pattern accepts it)."""
    return secrets.token_urlsafe(24)


class Coaches:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, athletes: list[str]) -> str:
        """Create a coach with these athletes; returns the secret (the only time it exists in clear)."""
        token = new_token()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        with self.db.write() as conn:
            if _exists(conn, name):
                raise StoreError(f"coach {name!r} already exists: remove it first, or regenerate its URL")
            _check_athletes(conn, athletes)
            conn.execute(t.coaches.insert().values(name=name, token_sha256=token_hash(token), created_utc=now))
            _link(conn, name, athletes)
        return token

    def remove(self, name: str) -> bool:
        """Delete the coach and its access at once; False when there was no such coach."""
        with self.db.write() as conn:
            conn.execute(delete(t.coach_athletes).where(t.coach_athletes.c.coach == name))
            return bool(conn.execute(delete(t.coaches).where(t.coaches.c.name == name)).rowcount)

    def regenerate(self, name: str) -> str | None:
        """A new secret for one coach (the old one is dead from this commit on); None for an unknown coach."""
        token = new_token()
        with self.db.write() as conn:
            changed = conn.execute(
                update(t.coaches).where(t.coaches.c.name == name).values(token_sha256=token_hash(token))
            ).rowcount
        return token if changed else None

    def set_athletes(self, name: str, athletes: list[str]) -> bool:
        """Replace which athletes a coach sees; False for an unknown coach."""
        with self.db.write() as conn:
            if not _exists(conn, name):
                return False
            _check_athletes(conn, athletes)
            conn.execute(delete(t.coach_athletes).where(t.coach_athletes.c.coach == name))
            _link(conn, name, athletes)
        return True

    def all(self) -> list[CoachRecord]:
        with self.db.read() as conn:
            coaches = conn.execute(select(t.coaches.c.name, t.coaches.c.created_utc).order_by(t.coaches.c.name)).all()
            links = conn.execute(
                select(t.coach_athletes.c.coach, t.coach_athletes.c.athlete_id).order_by(
                    t.coach_athletes.c.coach, t.coach_athletes.c.athlete_id
                )
            ).all()
        seen: dict[str, list[str]] = {}
        for coach, athlete_id in links:
            seen.setdefault(coach, []).append(athlete_id)
        return [CoachRecord(name, tuple(seen.get(name, [])), created) for name, created in coaches]

    def by_token(self, token: str) -> CoachRecord | None:
        """The coach this secret opens, with their athletes; None for an unknown, removed or replaced secret."""
        c, ca = t.coaches, t.coach_athletes
        with self.db.read() as conn:
            found = conn.execute(select(c.c.name, c.c.created_utc).where(c.c.token_sha256 == token_hash(token))).first()
            if found is None:
                return None
            athletes = conn.execute(
                select(ca.c.athlete_id).where(ca.c.coach == found.name).order_by(ca.c.athlete_id)
            ).scalars()
            return CoachRecord(found.name, tuple(athletes), found.created_utc)


def _exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(t.coaches.c.name).where(t.coaches.c.name == name)).first() is not None


def _check_athletes(conn: Connection, athletes: list[str]) -> None:
    known = set(conn.execute(select(t.athletes.c.athlete_id)).scalars())
    unknown = [a for a in athletes if a not in known]
    if unknown:
        raise UnknownAthleteError(
            f"unknown athlete(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known)) or 'none yet'}"
        )


def _link(conn: Connection, name: str, athletes: list[str]) -> None:
    rows = [{"coach": name, "athlete_id": a} for a in dict.fromkeys(athletes)]
    if rows:
        conn.execute(t.coach_athletes.insert(), rows)
