"""Imported activities, import runs and their problems, classifications, and the re-import cache."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from walkrun.domain.activities import Activity
from walkrun.domain.errors import StoreError
from walkrun.ingest.items import ImportCache, ImportItem, KnownContent
from walkrun.store import tables as t
from walkrun.store.db import Database, upsert

# The same walk exported twice (Garmin and Strava, FIT and GPX) starts within this many seconds.
SAME_ACTIVITY_S = 60


@dataclass(frozen=True)
class Duplicate:
    """Why an activity was not stored, and the import run that stored the one it repeats."""

    reason: str
    import_run: int


def insert_activity(
    conn: Connection, athlete_id: str, run: int, activity: Activity, blob: bytes | None
) -> Duplicate | None:
    """Store one activity in ``conn``'s write transaction, unless it (or its twin) is already there."""
    a = t.activities
    start = activity.start_utc.astimezone(dt.UTC)
    same = select(a.c.import_run).where(a.c.athlete_id == athlete_id, a.c.activity_id == activity.activity_id)
    row = conn.execute(same).first()
    if row:
        return Duplicate("already imported (same file content)", int(row.import_run))
    try:
        lo = (start - dt.timedelta(seconds=SAME_ACTIVITY_S)).isoformat()
        hi = (start + dt.timedelta(seconds=SAME_ACTIVITY_S)).isoformat()
    except OverflowError:  # a start at the very edge of the calendar; ingest refuses these
        lo = hi = start.isoformat()
    near = select(a.c.source, a.c.elapsed_s, a.c.import_run).where(
        a.c.athlete_id == athlete_id, a.c.start_utc.between(lo, hi)
    )
    for source, elapsed, twin_run in conn.execute(near):
        if abs(elapsed - activity.elapsed_s) <= max(120.0, 0.1 * activity.elapsed_s):
            return Duplicate(f"same activity as {source}", int(twin_run))
    if blob is None:
        blob = zlib.compress(activity.model_dump_json().encode(), 6)
    meta = activity.model_dump_json(exclude={"columns", "laps"})
    conn.execute(
        a.insert().values(
            athlete_id=athlete_id,
            activity_id=activity.activity_id,
            content_hash=activity.content_hash,
            source=activity.source,
            start_utc=start.isoformat(),
            elapsed_s=activity.elapsed_s,
            sport=activity.sport,
            import_run=run,
            meta_json=meta,
            activity_z=blob,
        )
    )
    return None


class Activities:
    def __init__(self, db: Database) -> None:
        self.db = db

    def start_import(self, athlete_id: str, paths: list[str]) -> int:
        with self.db.write() as conn:
            insert = t.import_runs.insert().values(athlete_id=athlete_id, paths=json.dumps(paths))
            return int(conn.execute(insert.returning(t.import_runs.c.run)).scalar_one())

    def finish_import(self, run: int, summary: dict[str, object]) -> None:
        r = t.import_runs
        with self.db.write() as conn:
            conn.execute(update(r).where(r.c.run == run).values(summary_json=json.dumps(summary)))

    def add(self, athlete_id: str, run: int, activity: Activity) -> Duplicate | None:
        with self.db.write() as conn:
            return insert_activity(conn, athlete_id, run, activity, None)

    def add_problem(self, athlete_id: str, run: int, source: str, status: str, reason: str) -> None:
        row = {"athlete_id": athlete_id, "import_run": run, "source": source, "status": status, "reason": reason}
        with self.db.write() as conn:
            conn.execute(t.import_problems.insert().values(**row))

    def problems(self, athlete_id: str, *, last_run_only: bool = False) -> list[dict[str, object]]:
        p, r = t.import_problems, t.import_runs
        query = select(p.c.import_run, p.c.source, p.c.status, p.c.reason).where(p.c.athlete_id == athlete_id)
        if last_run_only:
            last = select(func.max(r.c.run)).where(r.c.athlete_id == athlete_id).scalar_subquery()
            query = query.where(p.c.import_run == last)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(p.c.seq)).all()
        return [{"run": run, "source": s, "status": st, "reason": why} for run, s, st, why in rows]

    def all(self, athlete_id: str, *, with_samples: bool = True) -> list[Activity]:
        """All imported activities in start order; without samples/laps the load is much cheaper."""
        a = t.activities
        column = a.c.activity_z if with_samples else a.c.meta_json
        query = select(column).where(a.c.athlete_id == athlete_id).order_by(a.c.start_utc, a.c.activity_id)
        with self.db.read() as conn:
            rows = list(conn.execute(query).scalars())
        if with_samples:
            return [Activity.model_validate_json(zlib.decompress(blob)) for blob in rows]
        return [Activity.model_validate_json(data) for data in rows]

    def one(self, athlete_id: str, activity_id: str) -> Activity:
        a = t.activities
        with self.db.read() as conn:
            blob = conn.execute(
                select(a.c.activity_z).where(a.c.athlete_id == athlete_id, a.c.activity_id == activity_id)
            ).scalar()
        if blob is None:
            raise StoreError(f"athlete {athlete_id!r} has no activity {activity_id!r}")
        return Activity.model_validate_json(zlib.decompress(blob))

    def count(self, athlete_id: str) -> int:
        a = t.activities
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).where(a.c.athlete_id == athlete_id)).scalar_one())

    def cached_classifications(self, athlete_id: str, fingerprint: str) -> dict[str, str]:
        c = t.classifications
        query = select(c.c.activity_id, c.c.classification_json).where(
            c.c.athlete_id == athlete_id, c.c.fingerprint == fingerprint
        )
        with self.db.read() as conn:
            return {str(k): str(v) for k, v in conn.execute(query)}

    def cache_classifications(self, athlete_id: str, fingerprint: str, items: dict[str, str]) -> None:
        if not items:
            return
        rows = [
            {"athlete_id": athlete_id, "activity_id": k, "fingerprint": fingerprint, "classification_json": v}
            for k, v in items.items()
        ]
        with self.db.write() as conn:
            upsert(conn, t.classifications, rows, ["athlete_id", "activity_id", "fingerprint"])

    def import_cache(self, athlete_id: str, reader_tag: str) -> ImportCache:
        """What earlier imports learnt. Failures count only for the same readers (``reader_tag``):
        a newer reader may read a file an older one refused."""
        f, c = t.import_files, t.import_contents
        with self.db.read() as conn:
            file_rows = conn.execute(
                select(f.c.file_key, f.c.size, f.c.stamp, f.c.content_hash).where(f.c.athlete_id == athlete_id)
            ).all()
            content_rows = conn.execute(
                select(c.c.content_hash, c.c.status, c.c.reason, c.c.activities, c.c.reader_tag).where(
                    c.c.athlete_id == athlete_id
                )
            ).all()
        files = {bytes(key): (int(size), int(stamp), str(digest)) for key, size, stamp, digest in file_rows}
        contents: dict[str, KnownContent] = {}
        for digest, status, reason, count, tag in content_rows:
            if status == "imported" or (tag == reader_tag and status in ("non_activity", "error")):
                contents[digest] = KnownContent(status, reason, int(count))
        return ImportCache(files, contents)

    def store_item(
        self, athlete_id: str, run: int, item: ImportItem, *, fingerprint: str = "", reader_tag: str = ""
    ) -> list[Duplicate | None]:
        """One file's outcome in one transaction: its activities (None when added, else why not),
        their classification under ``fingerprint``, and what a re-import needs to skip it."""
        out: list[Duplicate | None] = []
        if not item.activities and not (item.file_key and item.content_hash):
            return out  # nothing new: an unchanged re-import writes nothing per file
        with self.db.write() as conn:
            for i, act in enumerate(item.activities):
                dup = insert_activity(conn, athlete_id, run, act, item.blobs[i] if i < len(item.blobs) else None)
                out.append(dup)
                if dup is None and fingerprint and i < len(item.classifications):
                    row = {"athlete_id": athlete_id, "activity_id": act.activity_id, "fingerprint": fingerprint}
                    row["classification_json"] = item.classifications[i]
                    upsert(conn, t.classifications, row, ["athlete_id", "activity_id", "fingerprint"])
            if item.file_key and item.content_hash:
                self._remember_file(conn, athlete_id, run, item, reader_tag)
        return out

    @staticmethod
    def _remember_file(conn: Connection, athlete_id: str, run: int, item: ImportItem, reader_tag: str) -> None:
        files = {"athlete_id": athlete_id, "file_key": item.file_key, "size": item.file_size, "stamp": item.file_stamp}
        files["content_hash"] = item.content_hash
        upsert(conn, t.import_files, files, ["athlete_id", "file_key"])
        if item.status != "known":
            content: dict[str, object] = {"athlete_id": athlete_id, "content_hash": item.content_hash}
            content |= {"status": item.status, "reason": item.reason.removeprefix(f"{item.source}: ")}
            content |= {"activities": len(item.activities), "reader_tag": reader_tag, "import_run": run}
            upsert(conn, t.import_contents, content, ["athlete_id", "content_hash"])
