"""The database layer: one engine per store, SQLite or PostgreSQL, and its transactions.

SQLite (the default, one file in the home folder) runs in WAL mode with foreign keys on and a
busy timeout; every write starts with BEGIN IMMEDIATE so two writers queue instead of failing
half-way. PostgreSQL (``--database-url`` / ``WALKRUN_DATABASE_URL``) gets the same one-writer
rule from a transaction-level advisory lock, so the read-check-insert steps of an import or a
plan revision cannot interleave between processes or machines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from walkrun.domain.errors import StoreError
from walkrun.domain.paths import DB_NAME
from walkrun.store.tables import store_changes

DATABASE_URL_ENV = "WALKRUN_DATABASE_URL"
BUSY_TIMEOUT_MS = 5000
# Any fixed number: every walkrun process takes the same lock before it writes.
PG_WRITE_LOCK = 0x77616C6B  # "walk"
_WRITE = "walkrun_write"
_BUMP = update(store_changes).where(store_changes.c.id == 1).values(version=store_changes.c.version + 1)


def database_url(home: Path, url: str | None = None) -> URL:
    """The URL given, else $WALKRUN_DATABASE_URL, else the SQLite file in ``home``."""
    given = url or os.environ.get(DATABASE_URL_ENV) or ""
    if not given:
        return URL.create("sqlite+pysqlite", database=str(home / DB_NAME))
    try:
        parsed = make_url(given)
    except ArgumentError as exc:  # the message would repeat the URL, password and all
        raise StoreError("the database URL is not a URL: expected postgresql://user:password@host/dbname") from exc
    if parsed.get_backend_name() in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")  # psycopg 3, whatever the URL named
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    raise StoreError(f"database URL {safe_url(parsed)}: walkrun stores data in sqlite or postgresql only")


def one_line(exc: BaseException) -> str:
    """The driver's own words, on one line (SQLAlchemy adds the statement and a link; psycopg a hint line)."""
    return " ".join(str(getattr(exc, "orig", None) or exc).split())


def safe_url(url: URL) -> str:
    """The URL without its password, for messages and logs."""
    return url.render_as_string(hide_password=True)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling would COMMIT around DDL: we issue BEGIN ourselves.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


class Database:
    """An engine and the two ways to use it: ``read()`` and ``write()`` (one transaction each)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.dialect = url.get_backend_name()
        if self.dialect == "sqlite" and url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)

    def describe(self) -> str:
        return safe_url(self.url)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent snapshot for a few reads; never blocks writers."""
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:  # server gone, file unreadable: not a walkrun bug
            raise StoreError(f"cannot read the store {self.describe()}: {one_line(exc)}") from exc

    @contextmanager
    def write(self, *, counted: bool = True) -> Iterator[Connection]:
        """One write transaction, alone among all walkrun processes; rolled back on any error.

        ``counted`` bumps the store's change counter (``changes()``); only migrations, which run
        before the counter exists, leave it alone.
        """
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    self.lock(conn)
                    if counted:
                        conn.execute(_BUMP)
                    yield conn
        except OperationalError as exc:  # server gone, disk full, locked past the busy timeout
            raise StoreError(f"cannot write to the store {self.describe()}: {one_line(exc)}") from exc

    def changes(self) -> int:
        """The store-wide change counter: equal values mean no write committed in between."""
        with self.read() as conn:
            return int(conn.execute(select(store_changes.c.version)).scalar_one())

    def lock(self, conn: Connection) -> None:
        """Make ``conn``'s transaction the only writer (SQLite: BEGIN IMMEDIATE already did)."""
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK})


def open_database(home: Path, url: str | None = None) -> Database:
    """The engine for a store, failing with one line that names it (never its password)."""
    parsed = database_url(home, url)
    try:
        return Database(parsed)
    except (OSError, SQLAlchemyError, ImportError) as exc:
        raise StoreError(f"cannot open the store {safe_url(parsed)}: {one_line(exc)}") from exc


def upsert(conn: Connection, table: Table, rows: Mapping[str, Any] | list[dict[str, Any]], keys: list[str]) -> None:
    """INSERT, or UPDATE the row with the same ``keys``: the one statement both dialects spell alike."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update), rows)
