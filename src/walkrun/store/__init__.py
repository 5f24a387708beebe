"""The store: athletes, check-ins, clinical tests, activities, plan revisions and calendar state.

SQLite in the home folder by default; PostgreSQL when a database URL is given (``--database-url``
or ``WALKRUN_DATABASE_URL``), so several processes or machines share one store. ``Store`` is the
façade every caller uses; each table group has its repository (``athletes``, ``checkins``,
``activities``, ``revisions``, ``feeds``) over the database layer (``db``), and opening a store
brings its schema up to date (``migrate``).

Every write is one transaction, so a crash mid-write leaves what was already stored intact.
Check-ins are kept as an append-only log (merged per day on read) so nothing a runner reported
is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from walkrun.domain.activities import Activity
from walkrun.domain.errors import StoreError, UnknownAthleteError
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.domain.notes import CoachNote
from walkrun.domain.paths import DB_NAME, HOME_ENV, default_home
from walkrun.ingest.items import ImportCache, ImportItem
from walkrun.store import migrate
from walkrun.store.activities import SAME_ACTIVITY_S, Activities, Duplicate
from walkrun.store.athletes import Athletes
from walkrun.store.checkins import CheckIns
from walkrun.store.coaches import Coaches, CoachRecord
from walkrun.store.db import BUSY_TIMEOUT_MS, DATABASE_URL_ENV, Database, one_line, open_database
from walkrun.store.feeds import FeedTokens, WriterState
from walkrun.store.notes import Notes
from walkrun.store.revisions import Revisions

__all__ = ["DATABASE_URL_ENV", "DB_NAME", "HOME_ENV", "CoachRecord", "Duplicate", "Store", "default_home"]


class Store:
    """One store per home folder (or database URL), several athletes inside."""

    SAME_ACTIVITY_S = SAME_ACTIVITY_S
    # "@" cannot start an athlete id, so no athlete can ever be handed the coach's token.
    COACH_SCOPE = "@coach"

    def __init__(self, home: Path, url: str | None = None) -> None:
        self.home = home
        self._version_conn: sqlite3.Connection | None = None
        self.db: Database = open_database(home, url)
        try:
            migrate.upgrade(self.db)
        except StoreError:
            self.db.dispose()
            raise
        except (OSError, SQLAlchemyError) as exc:
            self.db.dispose()
            raise StoreError(f"cannot open the store {self.db.describe()}: {one_line(exc)}") from exc
        self._athletes = Athletes(self.db)
        self._checkins = CheckIns(self.db)
        self._activities = Activities(self.db)
        self._revisions = Revisions(self.db)
        self._tokens = FeedTokens(self.db)
        self._writers = WriterState(self.db)
        self._coaches = Coaches(self.db)
        self._notes = Notes(self.db)

    def close(self) -> None:
        if self._version_conn is not None:
            self._version_conn.close()
            self._version_conn = None
        self.db.dispose()

    @property
    def conn(self) -> sqlite3.Connection | None:
        """SQLite only: a connection of its own for cheap change checks (``PRAGMA data_version``).

        Kept for callers of the first release's ``Store.conn``; read with it, never write (writes go
        through the repositories, in transactions). None on PostgreSQL: use ``data_version()``.
        """
        if self._version_conn is None and self.db.dialect == "sqlite" and self.db.url.database:
            self._version_conn = sqlite3.connect(self.db.url.database, isolation_level=None, check_same_thread=False)
            self._version_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return self._version_conn

    def data_version(self) -> int:
        """A number that changes whenever any process commits a write to the store.

        SQLite: its per-connection ``PRAGMA data_version`` (microseconds, no transaction);
        PostgreSQL: the counter every write transaction bumps (one indexed read).
        """
        conn = self.conn
        if conn is not None:
            return int(conn.execute("PRAGMA data_version").fetchone()[0])
        return self.db.changes()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction (alone among writers), rolled back on any error."""
        with self.db.write() as conn:
            yield conn

    # ---- athletes -----------------------------------------------------------
    def save_profile(self, profile: AthleteProfile) -> bool:
        """Insert or update; returns True when the athlete is new."""
        return self._athletes.save(profile)

    def profile(self, athlete_id: str) -> AthleteProfile:
        return self._athletes.get(athlete_id)

    def find_profile(self, athlete_id: str) -> AthleteProfile | None:
        try:
            return self.profile(athlete_id)
        except UnknownAthleteError:
            return None

    def delete_athlete(self, athlete_id: str) -> None:
        """Remove an athlete and everything stored for them, in one transaction."""
        self._athletes.delete(athlete_id)

    def athlete_ids(self) -> list[str]:
        return self._athletes.ids()

    # ---- check-ins and clinical tests ------------------------------------------
    def add_checkin(self, athlete_id: str, checkin: CheckIn) -> None:
        self.profile(athlete_id)
        self._checkins.add(athlete_id, checkin)

    def checkins(self, athlete_id: str) -> list[CheckIn]:
        return self._checkins.all(athlete_id)

    def add_clinical(self, athlete_id: str, result: ClinicalTestResult) -> None:
        self.profile(athlete_id)
        self._checkins.add_clinical(athlete_id, result)

    def clinical(self, athlete_id: str) -> list[ClinicalTestResult]:
        return self._checkins.clinical(athlete_id)

    # ---- plan revisions -------------------------------------------------------
    def save_revision(self, athlete_id: str, today: dt.date, reason: str, plan_json: str) -> int | None:
        """Store the plan if it differs from the latest revision; return its number."""
        return self._revisions.save(athlete_id, today, reason, plan_json)

    def revisions(self, athlete_id: str) -> list[dict[str, object]]:
        return self._revisions.all(athlete_id)

    def revision_plan(self, athlete_id: str, rev: int) -> dict[str, object]:
        return self._revisions.plan(athlete_id, rev)

    # ---- imported activities ----------------------------------------------------
    def start_import(self, athlete_id: str, paths: list[str]) -> int:
        self.profile(athlete_id)
        return self._activities.start_import(athlete_id, paths)

    def finish_import(self, run: int, summary: dict[str, object]) -> None:
        self._activities.finish_import(run, summary)

    def add_activity(self, athlete_id: str, run: int, activity: Activity) -> str | None:
        """Store one activity; returns why it was skipped as a duplicate, or None when added."""
        dup = self._activities.add(athlete_id, run, activity)
        return dup.reason if dup else None

    def add_import_problem(self, athlete_id: str, run: int, source: str, status: str, reason: str) -> None:
        self._activities.add_problem(athlete_id, run, source, status, reason)

    def import_problems(self, athlete_id: str, *, last_run_only: bool = False) -> list[dict[str, object]]:
        return self._activities.problems(athlete_id, last_run_only=last_run_only)

    def activities(self, athlete_id: str, *, with_samples: bool = True) -> list[Activity]:
        """All imported activities in start order; without samples/laps the load is much cheaper."""
        return self._activities.all(athlete_id, with_samples=with_samples)

    def activity(self, athlete_id: str, activity_id: str) -> Activity:
        return self._activities.one(athlete_id, activity_id)

    def activity_count(self, athlete_id: str) -> int:
        return self._activities.count(athlete_id)

    def cached_classifications(self, athlete_id: str, fingerprint: str) -> dict[str, str]:
        return self._activities.cached_classifications(athlete_id, fingerprint)

    def cache_classifications(self, athlete_id: str, fingerprint: str, items: dict[str, str]) -> None:
        self._activities.cache_classifications(athlete_id, fingerprint, items)

    # ---- re-import cache: file identity -> content hash -> what reading it gave ----------
    def import_cache(self, athlete_id: str, reader_tag: str) -> ImportCache:
        """What earlier imports learnt; failures count only for the same readers (``reader_tag``)."""
        return self._activities.import_cache(athlete_id, reader_tag)

    def store_import_item(
        self, athlete_id: str, run: int, item: ImportItem, *, fingerprint: str = "", reader_tag: str = ""
    ) -> list[Duplicate | None]:
        """One file's outcome in one transaction: its activities (None when added, else why not),
        their classification under ``fingerprint``, and what a re-import needs to skip it."""
        return self._activities.store_item(athlete_id, run, item, fingerprint=fingerprint, reader_tag=reader_tag)

    # ---- writer state (e.g. iCal SEQUENCE numbers) ------------------------------------
    def writer_state(self, athlete_id: str, writer: str) -> dict[str, str]:
        return self._writers.get(athlete_id, writer)

    def save_writer_state(self, athlete_id: str, writer: str, state: dict[str, str]) -> None:
        self._writers.save(athlete_id, writer, state)

    # ---- feed tokens ---------------------------------------------------------------
    def feed_token(self, scope: str, *, regenerate: bool = False) -> str:
        """The unguessable token for an athlete's feed (scope = athlete id) or the coach index.

        Created on first use; ``regenerate`` replaces it, so the old URL stops working.
        """
        if scope != self.COACH_SCOPE:
            self.profile(scope)
        return self._tokens.token(scope, regenerate=regenerate)

    def scope_for_token(self, token: str) -> str | None:
        """Which athlete id (or the coach scope) a token opens; None for an unknown token."""
        return self._tokens.scope(token)

    # ---- coaches with scoped access ------------------------------------------------------
    def add_coach(self, name: str, athletes: list[str]) -> str:
        """A new coach who sees only ``athletes``; returns their secret, which is stored only hashed."""
        return self._coaches.add(name, athletes)

    def remove_coach(self, name: str) -> bool:
        return self._coaches.remove(name)

    def regenerate_coach(self, name: str) -> str | None:
        """A new secret for this coach alone (the old one stops working); None for an unknown coach."""
        return self._coaches.regenerate(name)

    def set_coach_athletes(self, name: str, athletes: list[str]) -> bool:
        return self._coaches.set_athletes(name, athletes)

    def coaches(self) -> list[CoachRecord]:
        return self._coaches.all()

    def coach_for_token(self, token: str) -> CoachRecord | None:
        """The coach a secret opens; None for an unknown, removed or regenerated one."""
        return self._coaches.by_token(token)

    # ---- coach notes ------------------------------------------------------------------------------
    def add_note(self, note: CoachNote) -> None:
        """Append a note (``walkrun.domain.notes.new_note`` makes one) to its athlete's log."""
        self.profile(note.athlete)
        self._notes.add(note)

    def notes(self, athlete_id: str | None = None) -> list[CoachNote]:
        """One athlete's notes (every athlete's when none is named), oldest first."""
        return self._notes.all(athlete_id)

    def latest_notes(self, athlete_ids: list[str] | None = None) -> dict[str, CoachNote]:
        """The newest note per athlete, in one query."""
        return self._notes.latest(athlete_ids)
