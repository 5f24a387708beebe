"""Check-ins (an append-only log, merged per day on read) and clinical test results."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from walkrun.domain.models import CheckIn, ClinicalTestResult
from walkrun.store import tables as t
from walkrun.store.db import Database


class CheckIns:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, athlete_id: str, checkin: CheckIn) -> None:
        row = {"athlete_id": athlete_id, "date": checkin.date.isoformat(), "checkin_json": checkin.model_dump_json()}
        with self.db.write() as conn:
            conn.execute(t.checkins.insert().values(**row))

    def all(self, athlete_id: str) -> list[CheckIn]:
        c = t.checkins
        query = select(c.c.checkin_json).where(c.c.athlete_id == athlete_id).order_by(c.c.date, c.c.seq)
        with self.db.read() as conn:
            return [CheckIn.model_validate_json(data) for data in conn.execute(query).scalars()]

    def add_clinical(self, athlete_id: str, result: ClinicalTestResult) -> None:
        row = {
            "athlete_id": athlete_id,
            "date": result.date.isoformat(),
            "test": result.test,
            "passed": int(result.passed),
            "note": result.note,
        }
        with self.db.write() as conn:
            conn.execute(t.clinical_tests.insert().values(**row))

    def clinical(self, athlete_id: str) -> list[ClinicalTestResult]:
        c = t.clinical_tests
        query = (
            select(c.c.date, c.c.test, c.c.passed, c.c.note)
            .where(c.c.athlete_id == athlete_id)
            .order_by(c.c.date, c.c.seq)
        )
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [
            ClinicalTestResult(date=dt.date.fromisoformat(d), test=test, passed=bool(p), note=n)
            for d, test, p, n in rows
        ]
