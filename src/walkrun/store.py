"""SQLite store: athletes, check-ins, clinical tests, plan revisions.

Every write is one transaction, so a crash mid-write leaves what was already
stored intact. Check-ins are kept as an append-only log (merged per day on
read) so nothing a runner reported is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from walkrun.activities import Activity
from walkrun.errors import StoreError, UnknownAthleteError
from walkrun.ingest_items import ImportCache, ImportItem, KnownContent
from walkrun.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.paths import DB_NAME, HOME_ENV, default_home  # noqa: F401  (re-exported for callers)


@dataclass(frozen=True)
class Duplicate:
    """Why an activity was not stored, and the import run that stored the one it repeats."""

    reason: str
    import_run: int


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
CREATE TABLE IF NOT EXISTS activities (
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    activity_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    start_utc TEXT NOT NULL,
    elapsed_s REAL NOT NULL,
    sport TEXT NOT NULL,
    import_run INTEGER NOT NULL,
    meta_json TEXT NOT NULL,
    activity_z BLOB NOT NULL,
    PRIMARY KEY (athlete_id, activity_id)
);
CREATE INDEX IF NOT EXISTS activities_by_start ON activities(athlete_id, start_utc);
CREATE TABLE IF NOT EXISTS classifications (
    athlete_id TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    classification_json TEXT NOT NULL,
    PRIMARY KEY (athlete_id, activity_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS import_runs (
    run INTEGER PRIMARY KEY AUTOINCREMENT,
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    paths TEXT NOT NULL,
    summary_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS import_problems (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    import_run INTEGER NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS import_files (
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    file_key BLOB NOT NULL,
    size INTEGER NOT NULL,
    stamp INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (athlete_id, file_key)
);
CREATE TABLE IF NOT EXISTS import_contents (
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    content_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    activities INTEGER NOT NULL,
    reader_tag TEXT NOT NULL,
    import_run INTEGER NOT NULL,
    PRIMARY KEY (athlete_id, content_hash)
);
CREATE TABLE IF NOT EXISTS writer_state (
    athlete_id TEXT NOT NULL REFERENCES athletes(athlete_id),
    writer TEXT NOT NULL,
    state_json TEXT NOT NULL,
    PRIMARY KEY (athlete_id, writer)
);
CREATE TABLE IF NOT EXISTS feed_tokens (
    scope TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE
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
            cur.execute("DELETE FROM feed_tokens WHERE scope = ?", (athlete_id,))
            for table in (
                "plan_revisions",
                "writer_state",
                "clinical_tests",
                "checkins",
                "classifications",
                "import_problems",
                "import_files",
                "import_contents",
                "import_runs",
                "activities",
                "athletes",
            ):
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

    # ---- imported activities ----------------------------------------------------
    SAME_ACTIVITY_S = 60

    def start_import(self, athlete_id: str, paths: list[str]) -> int:
        self.profile(athlete_id)
        with self.transaction() as cur:
            cur.execute("INSERT INTO import_runs(athlete_id, paths) VALUES (?, ?)", (athlete_id, json.dumps(paths)))
            return int(cur.lastrowid or 0)

    def finish_import(self, run: int, summary: dict[str, object]) -> None:
        with self.transaction() as cur:
            cur.execute("UPDATE import_runs SET summary_json = ? WHERE run = ?", (json.dumps(summary), run))

    def add_activity(self, athlete_id: str, run: int, activity: Activity) -> str | None:
        """Store one activity; returns why it was skipped as a duplicate, or None when added."""
        with self.transaction() as cur:
            dup = self._insert_activity(cur, athlete_id, run, activity, None)
        return dup.reason if dup else None

    def _insert_activity(
        self, cur: sqlite3.Cursor, athlete_id: str, run: int, activity: Activity, blob: bytes | None
    ) -> Duplicate | None:
        start = activity.start_utc.astimezone(dt.UTC)
        row = cur.execute(
            "SELECT import_run FROM activities WHERE athlete_id = ? AND activity_id = ?",
            (athlete_id, activity.activity_id),
        ).fetchone()
        if row:
            return Duplicate("already imported (same file content)", int(row[0]))
        # The same walk exported twice (Garmin and Strava, FIT and GPX) must not count twice.
        try:
            lo = (start - dt.timedelta(seconds=self.SAME_ACTIVITY_S)).isoformat()
            hi = (start + dt.timedelta(seconds=self.SAME_ACTIVITY_S)).isoformat()
        except OverflowError:  # a start at the very edge of the calendar; ingest refuses these
            lo = hi = start.isoformat()
        twin = cur.execute(
            "SELECT source, elapsed_s, import_run FROM activities WHERE athlete_id = ? AND start_utc BETWEEN ? AND ?",
            (athlete_id, lo, hi),
        ).fetchall()
        for source, elapsed, twin_run in twin:
            if abs(elapsed - activity.elapsed_s) <= max(120.0, 0.1 * activity.elapsed_s):
                return Duplicate(f"same activity as {source}", int(twin_run))
        if blob is None:
            blob = zlib.compress(activity.model_dump_json().encode(), 6)
        meta = activity.model_copy(update={"samples": [], "laps": []}).model_dump_json()
        cur.execute(
            "INSERT INTO activities(athlete_id, activity_id, content_hash, source, start_utc, elapsed_s, sport,"
            " import_run, meta_json, activity_z) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                athlete_id,
                activity.activity_id,
                activity.content_hash,
                activity.source,
                start.isoformat(),
                activity.elapsed_s,
                activity.sport,
                run,
                meta,
                blob,
            ),
        )
        return None

    def add_import_problem(self, athlete_id: str, run: int, source: str, status: str, reason: str) -> None:
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO import_problems(athlete_id, import_run, source, status, reason) VALUES (?, ?, ?, ?, ?)",
                (athlete_id, run, source, status, reason),
            )

    def import_problems(self, athlete_id: str, *, last_run_only: bool = False) -> list[dict[str, object]]:
        sql = "SELECT import_run, source, status, reason FROM import_problems WHERE athlete_id = ?"
        args: list[object] = [athlete_id]
        if last_run_only:
            sql += " AND import_run = (SELECT MAX(run) FROM import_runs WHERE athlete_id = ?)"
            args.append(athlete_id)
        rows = self.conn.execute(sql + " ORDER BY seq", args)
        return [{"run": r, "source": s, "status": st, "reason": why} for r, s, st, why in rows]

    def activities(self, athlete_id: str, *, with_samples: bool = True) -> list[Activity]:
        """All imported activities in start order; without samples/laps the load is much cheaper."""
        column = "activity_z" if with_samples else "meta_json"
        rows = self.conn.execute(
            f"SELECT {column} FROM activities WHERE athlete_id = ? ORDER BY start_utc, activity_id", (athlete_id,)
        )
        if with_samples:
            return [Activity.model_validate_json(zlib.decompress(r[0])) for r in rows]
        return [Activity.model_validate_json(r[0]) for r in rows]

    def activity(self, athlete_id: str, activity_id: str) -> Activity:
        row = self.conn.execute(
            "SELECT activity_z FROM activities WHERE athlete_id = ? AND activity_id = ?", (athlete_id, activity_id)
        ).fetchone()
        if row is None:
            raise StoreError(f"athlete {athlete_id!r} has no activity {activity_id!r}")
        return Activity.model_validate_json(zlib.decompress(row[0]))

    def activity_count(self, athlete_id: str) -> int:
        row = self.conn.execute("SELECT COUNT(*) FROM activities WHERE athlete_id = ?", (athlete_id,)).fetchone()
        return int(row[0])

    def cached_classifications(self, athlete_id: str, fingerprint: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT activity_id, classification_json FROM classifications WHERE athlete_id = ? AND fingerprint = ?",
            (athlete_id, fingerprint),
        )
        return dict(rows.fetchall())

    def cache_classifications(self, athlete_id: str, fingerprint: str, items: dict[str, str]) -> None:
        if not items:
            return
        with self.transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO classifications(athlete_id, activity_id, fingerprint, classification_json)"
                " VALUES (?, ?, ?, ?)",
                [(athlete_id, k, fingerprint, v) for k, v in items.items()],
            )

    # ---- re-import cache: file identity -> content hash -> what reading it gave ----------
    def import_cache(self, athlete_id: str, reader_tag: str) -> ImportCache:
        """What earlier imports learnt. Failures count only for the same readers (``reader_tag``):
        a newer reader may read a file an older one refused."""
        files = {
            bytes(key): (int(size), int(stamp), str(digest))
            for key, size, stamp, digest in self.conn.execute(
                "SELECT file_key, size, stamp, content_hash FROM import_files WHERE athlete_id = ?", (athlete_id,)
            )
        }
        contents: dict[str, KnownContent] = {}
        rows = self.conn.execute(
            "SELECT content_hash, status, reason, activities, reader_tag FROM import_contents WHERE athlete_id = ?",
            (athlete_id,),
        )
        for digest, status, reason, count, tag in rows:
            if status == "imported" or (tag == reader_tag and status in ("non_activity", "error")):
                contents[digest] = KnownContent(status, reason, int(count))
        return ImportCache(files, contents)

    def store_import_item(
        self, athlete_id: str, run: int, item: ImportItem, *, fingerprint: str = "", reader_tag: str = ""
    ) -> list[Duplicate | None]:
        """One file's outcome in one transaction: its activities (None when added, else why not),
        their classification under ``fingerprint``, and what a re-import needs to skip it."""
        out: list[Duplicate | None] = []
        if not item.activities and not (item.file_key and item.content_hash):
            return out  # nothing new: an unchanged re-import writes nothing per file
        with self.transaction() as cur:
            for i, act in enumerate(item.activities):
                blob = item.blobs[i] if i < len(item.blobs) else None
                dup = self._insert_activity(cur, athlete_id, run, act, blob)
                out.append(dup)
                if dup is None and fingerprint and i < len(item.classifications):
                    cur.execute(
                        "INSERT OR REPLACE INTO classifications(athlete_id, activity_id, fingerprint,"
                        " classification_json) VALUES (?, ?, ?, ?)",
                        (athlete_id, act.activity_id, fingerprint, item.classifications[i]),
                    )
            if item.file_key and item.content_hash:
                cur.execute(
                    "INSERT OR REPLACE INTO import_files(athlete_id, file_key, size, stamp, content_hash)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (athlete_id, item.file_key, item.file_size, item.file_stamp, item.content_hash),
                )
                if item.status != "known":
                    reason = item.reason.removeprefix(f"{item.source}: ")
                    cur.execute(
                        "INSERT OR REPLACE INTO import_contents(athlete_id, content_hash, status, reason, activities,"
                        " reader_tag, import_run) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (athlete_id, item.content_hash, item.status, reason, len(item.activities), reader_tag, run),
                    )
        return out

    # ---- writer state (e.g. iCal SEQUENCE numbers) ------------------------------------
    def writer_state(self, athlete_id: str, writer: str) -> dict[str, str]:
        row = self.conn.execute(
            "SELECT state_json FROM writer_state WHERE athlete_id = ? AND writer = ?", (athlete_id, writer)
        ).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def save_writer_state(self, athlete_id: str, writer: str, state: dict[str, str]) -> None:
        with self.transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO writer_state(athlete_id, writer, state_json) VALUES (?, ?, ?)",
                (athlete_id, writer, json.dumps(state, sort_keys=True)),
            )

    # ---- feed tokens ---------------------------------------------------------------
    # "@" cannot start an athlete id, so no athlete can ever be handed the coach's token.
    COACH_SCOPE = "@coach"

    def feed_token(self, scope: str, *, regenerate: bool = False) -> str:
        """The unguessable token for an athlete's feed (scope = athlete id) or the coach index ("coach").

        Created on first use; ``regenerate`` replaces it, so the old URL stops working.
        """
        if scope != self.COACH_SCOPE:
            self.profile(scope)
        with self.transaction() as cur:
            row = cur.execute("SELECT token FROM feed_tokens WHERE scope = ?", (scope,)).fetchone()
            if row and not regenerate:
                return str(row[0])
            token = secrets.token_urlsafe(24)
            cur.execute("INSERT OR REPLACE INTO feed_tokens(scope, token) VALUES (?, ?)", (scope, token))
            return token

    def scope_for_token(self, token: str) -> str | None:
        """Which athlete id (or "coach") a token opens; None for an unknown token."""
        row = self.conn.execute("SELECT scope FROM feed_tokens WHERE token = ?", (token,)).fetchone()
        return str(row[0]) if row else None
