"""Plan revisions: a new one only when the plan changed, numbered per athlete."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import select

from walkrun.domain.errors import StoreError
from walkrun.store import tables as t
from walkrun.store.db import Database


class Revisions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, athlete_id: str, today: dt.date, reason: str, plan_json: str) -> int | None:
        """Store the plan if it differs from the latest revision; return its number."""
        digest = hashlib.sha256(plan_json.encode()).hexdigest()
        r = t.plan_revisions
        latest = select(r.c.rev, r.c.plan_hash).where(r.c.athlete_id == athlete_id).order_by(r.c.rev.desc()).limit(1)
        with self.db.write() as conn:
            last = conn.execute(latest).first()
            if last and last.plan_hash == digest:
                return None
            rev = (last.rev if last else 0) + 1
            conn.execute(
                r.insert().values(
                    athlete_id=athlete_id,
                    rev=rev,
                    today=today.isoformat(),
                    reason=reason,
                    plan_hash=digest,
                    plan_json=plan_json,
                )
            )
            return int(rev)

    def all(self, athlete_id: str) -> list[dict[str, object]]:
        r = t.plan_revisions
        query = select(r.c.rev, r.c.today, r.c.reason, r.c.plan_hash).where(r.c.athlete_id == athlete_id)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(r.c.rev)).all()
        return [{"rev": rev, "today": today, "reason": why, "plan_hash": h} for rev, today, why, h in rows]

    def plan(self, athlete_id: str, rev: int) -> dict[str, object]:
        r = t.plan_revisions
        with self.db.read() as conn:
            data = conn.execute(select(r.c.plan_json).where(r.c.athlete_id == athlete_id, r.c.rev == rev)).scalar()
        if data is None:
            raise StoreError(f"athlete {athlete_id!r} has no plan revision {rev}")
        return dict(json.loads(data))
