"""Schema migrations with Alembic: run on open, in one transaction, alone among all processes.

Opening a store costs one query when it is up to date; Alembic is imported only when a store
needs upgrading (or an operator asks with ``walkrun db``). A store written by a newer walkrun
is refused: this release cannot know what the newer schema means.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Connection, column, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from walkrun.domain.errors import StoreError
from walkrun.store.db import one_line

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from walkrun.store.db import Database

SCRIPT_LOCATION = "walkrun:migrations"
# The newest revision in migrations/versions, so opening an up-to-date store needs no Alembic
# import at all; a test checks it against the scripts.
HEAD = "0005"
FIRST_RELEASE = "0001"  # the schema stores had before migrations existed
_VERSION = table("alembic_version", column("version_num"))


@dataclass(frozen=True)
class SchemaState:
    """Where a store is (None: empty, or "0001" for a first-release store not yet stamped) and where it can go."""

    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


@cache
def _scripts(location: str) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(location))


def _config(location: str, conn: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", location)
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    return HEAD


def _stored_revision(conn: Connection) -> str | None:
    """The revision stamped in the store; FIRST_RELEASE for an unstamped store of the first release."""
    names = set(inspect(conn).get_table_names())
    if "alembic_version" in names:
        return conn.execute(select(_VERSION.c.version_num)).scalar()
    return FIRST_RELEASE if "athletes" in names else None


def is_known(revision: str) -> bool:
    """Whether this walkrun has a migration script for ``revision`` (else a newer walkrun wrote it)."""
    return revision in {s.revision for s in _scripts(SCRIPT_LOCATION).walk_revisions()}


def _refuse_newer(db: Database, current: str | None) -> None:
    if current is not None and not is_known(current):
        raise StoreError(
            f"the store {db.describe()} was written by a newer walkrun (schema {current}; this walkrun knows up "
            f"to {head_revision()}): upgrade walkrun to open it"
        )


def state(db: Database) -> SchemaState:
    """The store's schema revision and this walkrun's newest, changing nothing."""
    try:
        with db.read() as conn:
            current = _stored_revision(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store {db.describe()}: {one_line(exc)}") from exc
    return SchemaState(current, head_revision())


def _fast_current(db: Database) -> str | None:
    """One query: the stamped revision, or None when the store has no stamp (yet)."""
    try:
        with db.read() as conn:
            return conn.execute(select(_VERSION.c.version_num)).scalar()
    except (SQLAlchemyError, StoreError):  # no stamp table yet; a real problem shows on the slow path
        return None


def upgrade(db: Database) -> SchemaState:
    """Bring the store to this walkrun's newest schema; returns where it was before."""
    current = _fast_current(db)
    if current is not None and current == head_revision():
        return SchemaState(current, current)
    from alembic import command

    with db.write(counted=False) as conn:  # the write lock: two processes opening a new store migrate it once
        try:
            before = _stored_revision(conn)
            _refuse_newer(db, before)
            cfg = _config(SCRIPT_LOCATION, conn)
            if before == FIRST_RELEASE and not inspect(conn).has_table("alembic_version"):
                command.stamp(cfg, FIRST_RELEASE)
            command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:  # raised inside the transaction, so it is rolled back
            raise StoreError(f"cannot upgrade the store {db.describe()}: {one_line(exc)}") from exc
    return SchemaState(before, head_revision())
