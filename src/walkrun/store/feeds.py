"""Calendar state: feed tokens (who may read which feed) and each writer's state (e.g. iCal SEQUENCE)."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select

from walkrun.store import tables as t
from walkrun.store.db import Database, upsert


class FeedTokens:
    def __init__(self, db: Database) -> None:
        self.db = db

    def token(self, scope: str, *, regenerate: bool = False) -> str:
        f = t.feed_tokens
        if not regenerate:
            # A plain read first: a write transaction moves the store's change counter, and the
            # server asks for every athlete's token each time it renders the coach page.
            with self.db.read() as conn:
                old = conn.execute(select(f.c.token).where(f.c.scope == scope)).scalar()
            if old is not None:
                return str(old)
        with self.db.write() as conn:
            old = conn.execute(select(f.c.token).where(f.c.scope == scope)).scalar()
            if old is not None and not regenerate:
                return str(old)
            token = secrets.token_urlsafe(24)
            upsert(conn, f, {"scope": scope, "token": token}, ["scope"])
            return token

    def scope(self, token: str) -> str | None:
        f = t.feed_tokens
        with self.db.read() as conn:
            scope = conn.execute(select(f.c.scope).where(f.c.token == token)).scalar()
        return str(scope) if scope is not None else None


class WriterState:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, athlete_id: str, writer: str) -> dict[str, str]:
        w = t.writer_state
        with self.db.read() as conn:
            data = conn.execute(
                select(w.c.state_json).where(w.c.athlete_id == athlete_id, w.c.writer == writer)
            ).scalar()
        return dict(json.loads(data)) if data else {}

    def save(self, athlete_id: str, writer: str, state: dict[str, str]) -> None:
        row = {"athlete_id": athlete_id, "writer": writer, "state_json": json.dumps(state, sort_keys=True)}
        with self.db.write() as conn:
            upsert(conn, t.writer_state, row, ["athlete_id", "writer"])
