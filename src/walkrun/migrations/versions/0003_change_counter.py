"""A store-wide change counter, bumped by every write: a server can tell "nothing changed" in one query.

SQLite already has one per connection (PRAGMA data_version); PostgreSQL shared by several
server processes or machines needs it in the database itself.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO store_changes(id, version) VALUES (1, 0)")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("store_changes")
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
