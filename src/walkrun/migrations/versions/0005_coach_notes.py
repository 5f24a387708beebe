"""Per-athlete coach notes: an append-only log with author and time, shown in the roster and summaries.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coach_notes",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("athlete_id", sa.Text, sa.ForeignKey("athletes.athlete_id"), nullable=False),
        sa.Column("created_utc", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("coach_notes_by_athlete", "coach_notes", ["athlete_id", "seq"])
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("coach_notes_by_athlete", "coach_notes")
    op.drop_table("coach_notes")
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
