"""Alembic environment: walkrun always hands over an open connection inside its write transaction.

So a migration runs in the caller's transaction and is committed, or rolled back, with it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from walkrun.store.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("walkrun migrations run through `walkrun db upgrade` (or on opening the store), not alembic")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
