"""Coaches with scoped access: each coach's secret (stored hashed) and the athletes it opens.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coaches",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("token_sha256", sa.Text, nullable=False, unique=True),
        sa.Column("created_utc", sa.Text, nullable=False),
    )
    op.create_table(
        "coach_athletes",
        sa.Column("coach", sa.Text, sa.ForeignKey("coaches.name"), primary_key=True),
        sa.Column("athlete_id", sa.Text, sa.ForeignKey("athletes.athlete_id"), primary_key=True),
    )
    op.create_index("coach_athletes_by_athlete", "coach_athletes", ["athlete_id"])
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("coach_athletes_by_athlete", "coach_athletes")
    op.drop_table("coach_athletes")
    op.drop_table("coaches")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
