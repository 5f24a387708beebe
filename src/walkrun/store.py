"""SQLite store: athletes, check-ins, clinical tests, plan revisions.

Every write is one transaction, so a crash mid-write leaves what was already
stored intact. Check-ins are kept as an append-only log (merged per day on
read) so nothing a runner reported is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs

from walkrun.errors import StoreError, UnknownAthleteError
from walkrun.models import AthleteProfile, CheckIn, ClinicalTestResult

HOME_ENV = "WALKRUN_HOME"
DB_NAME = "walkrun.sqlite3"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS athletes (
    athlete_id TEXT PRIMARY KEY,
    profile_json TEXT NOT NULL,
    created_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkins (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    date TEXT NOT NULL,
    checkin_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS checkins_by_athlete ON checkins(athlete_id, date);
CREATE TABLE IF NOT EXISTS clinical_tests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    date TEXT NOT NULL,
    test TEXT NOT NULL,
    passed INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS plan_revisions (
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    rev INTEGER NOT NULL,
    today TEXT NOT NULL,
    reason TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    PRIMARY KEY (athlete_id, rev)
);
"""


def default_home() -> Path:
    env = os.environ.get(HOME_ENV)
    return Path(env) if env else Path(platformdirs.user_data_dir("walkrun", appauthor=False))


class Store:
    """One SQLite file per home directory, several athletes inside."""

    def __init__(self, home: Path) -> None:
        self.home = home
        try:
            home.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(home / DB_NAME, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=5000")
            with self.transaction() as cur:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        cur.execute(statement)
                cur.execute(
                    "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store in {home}: {exc}") from exc

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")

    # ---- athletes -----------------------------------------------------------
    def save_profile(self, profile: AthleteProfile) -> bool:
        """Insert or update; returns True when the athlete is new."""
        data = profile.model_dump_json()
        with self.transaction() as cur:
            row = cur.execute("SELECT 1 FROM athletes WHERE athlete_id = ?", (profile.athlete_id,)).fetchone()
            if row:
                cur.execute("UPDATE athletes SET profile_json = ? WHERE athlete_id = ?", (data, profile.athlete_id))
                return False
            seq = cur.execute("SELECT COALESCE(MAX(created_seq), 0) + 1 FROM athletes").fetchone()[0]
            cur.execute(
                "INSERT INTO athletes(athlete_id, profile_json, created_seq) VALUES (?, ?, ?)",
                (profile.athlete_id, data, seq),
            )
            return True

    def profile(self, athlete_id: str) -> AthleteProfile:
        row = self.conn.execute("SELECT profile_json FROM athletes WHERE athlete_id = ?", (athlete_id,)).fetchone()
        if row is None:
            known = ", ".join(self.athlete_ids()) or "none yet (walkrun init)"
            raise UnknownAthleteError(f"unknown athlete {athlete_id!r}; known: {known}")
        return AthleteProfile.model_validate_json(row[0])

    def find_profile(self, athlete_id: str) -> AthleteProfile | None:
        try:
            return self.profile(athlete_id)
        except UnknownAthleteError:
            return None

    def delete_athlete(self, athlete_id: str) -> None:
        """Remove an athlete and everything stored for them, in one transaction."""
        with self.transaction() as cur:
            for table in ("plan_revisions", "clinical_tests", "checkins", "athletes"):
                cur.execute(f"DELETE FROM {table} WHERE athlete_id = ?", (athlete_id,))

    def athlete_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT athlete_id FROM athletes ORDER BY created_seq")]

    # ---- check-ins and clinical tests ------------------------------------------
    def add_checkin(self, athlete_id: str, checkin: CheckIn) -> None:
        self.profile(athlete_id)
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO checkins(athlete_id, date, checkin_json) VALUES (?, ?, ?)",
                (athlete_id, checkin.date.isoformat(), checkin.model_dump_json()),
            )

    def checkins(self, athlete_id: str) -> list[CheckIn]:
        rows = self.conn.execute(
            "SELECT checkin_json FROM checkins WHERE athlete_id = ? ORDER BY date, seq", (athlete_id,)
        )
        return [CheckIn.model_validate_json(r[0]) for r in rows]

    def add_clinical(self, athlete_id: str, result: ClinicalTestResult) -> None:
        self.profile(athlete_id)
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO clinical_tests(athlete_id, date, test, passed, note) VALUES (?, ?, ?, ?, ?)",
                (athlete_id, result.date.isoformat(), result.test, int(result.passed), result.note),
            )

    def clinical(self, athlete_id: str) -> list[ClinicalTestResult]:
        rows = self.conn.execute(
            "SELECT date, test, passed, note FROM clinical_tests WHERE athlete_id = ? ORDER BY date, seq",
            (athlete_id,),
        )
        return [
            ClinicalTestResult(date=dt.date.fromisoformat(d), test=t, passed=bool(p), note=n) for d, t, p, n in rows
        ]

    # ---- plan revisions -------------------------------------------------------
    def save_revision(self, athlete_id: str, today: dt.date, reason: str, plan_json: str) -> int | None:
        """Store the plan if it differs from the latest revision; return its number."""
        digest = hashlib.sha256(plan_json.encode()).hexdigest()
        with self.transaction() as cur:
            last = cur.execute(
                "SELECT rev, plan_hash FROM plan_revisions WHERE athlete_id = ? ORDER BY rev DESC LIMIT 1",
                (athlete_id,),
            ).fetchone()
            if last and last[1] == digest:
                return None
            rev = (last[0] if last else 0) + 1
            cur.execute(
                "INSERT INTO plan_revisions(athlete_id, rev, today, reason, plan_hash, plan_json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (athlete_id, rev, today.isoformat(), reason, digest, plan_json),
            )
            return rev

    def revisions(self, athlete_id: str) -> list[dict[str, object]]:
        rows = self.conn.execute(
            "SELECT rev, today, reason, plan_hash FROM plan_revisions WHERE athlete_id = ? ORDER BY rev",
            (athlete_id,),
        )
        return [{"rev": r, "today": t, "reason": why, "plan_hash": h} for r, t, why, h in rows]

    def revision_plan(self, athlete_id: str, rev: int) -> dict[str, object]:
        row = self.conn.execute(
            "SELECT plan_json FROM plan_revisions WHERE athlete_id = ? AND rev = ?", (athlete_id, rev)
        ).fetchone()
        if row is None:
            raise StoreError(f"athlete {athlete_id!r} has no plan revision {rev}")
        return dict(json.loads(row[0]))
