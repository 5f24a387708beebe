"""The schema of walkrun 0.1.0 (the store before migrations), frozen here as it was.

Stores written by that release have these tables and no ``alembic_version``: opening one
stamps it with this revision and upgrades from there.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _athlete(primary: bool = False) -> sa.Column[str]:
    return sa.Column("athlete_id", sa.Text, sa.ForeignKey("athletes.athlete_id"), nullable=False, primary_key=primary)


def _seq(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    op.create_table(
        "athletes",
        sa.Column("athlete_id", sa.Text, primary_key=True),
        sa.Column("profile_json", sa.Text, nullable=False),
        sa.Column("created_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "checkins",
        _seq("seq"),
        _athlete(),
        sa.Column("date", sa.Text, nullable=False),
        sa.Column("checkin_json", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("checkins_by_athlete", "checkins", ["athlete_id", "date"])
    op.create_table(
        "clinical_tests",
        _seq("seq"),
        _athlete(),
        sa.Column("date", sa.Text, nullable=False),
        sa.Column("test", sa.Text, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sqlite_autoincrement=True,
    )
    _activities()
    _imports()
    op.create_table(
        "writer_state",
        _athlete(primary=True),
        sa.Column("writer", sa.Text, primary_key=True),
        sa.Column("state_json", sa.Text, nullable=False),
    )
    op.create_table(
        "feed_tokens",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("token", sa.Text, nullable=False, unique=True),
    )
    op.create_table(
        "plan_revisions",
        _athlete(primary=True),
        sa.Column("rev", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("today", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("plan_hash", sa.Text, nullable=False),
        sa.Column("plan_json", sa.Text, nullable=False),
    )
    op.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")


def _activities() -> None:
    op.create_table(
        "activities",
        _athlete(primary=True),
        sa.Column("activity_id", sa.Text, primary_key=True),
        sa.Column("content_hash", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("start_utc", sa.Text, nullable=False),
        sa.Column("elapsed_s", sa.Float, nullable=False),
        sa.Column("sport", sa.Text, nullable=False),
        sa.Column("import_run", sa.Integer, nullable=False),
        sa.Column("meta_json", sa.Text, nullable=False),
        sa.Column("activity_z", sa.LargeBinary, nullable=False),
    )
    op.create_index("activities_by_start", "activities", ["athlete_id", "start_utc"])
    op.create_table(
        "classifications",
        sa.Column("athlete_id", sa.Text, primary_key=True),
        sa.Column("activity_id", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, primary_key=True),
        sa.Column("classification_json", sa.Text, nullable=False),
    )


def _imports() -> None:
    op.create_table(
        "import_runs",
        _seq("run"),
        _athlete(),
        sa.Column("paths", sa.Text, nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False, server_default="{}"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "import_problems",
        _seq("seq"),
        _athlete(),
        sa.Column("import_run", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "import_files",
        _athlete(primary=True),
        sa.Column("file_key", sa.LargeBinary, primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("stamp", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.Text, nullable=False),
    )
    op.create_table(
        "import_contents",
        _athlete(primary=True),
        sa.Column("content_hash", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("activities", sa.Integer, nullable=False),
        sa.Column("reader_tag", sa.Text, nullable=False),
        sa.Column("import_run", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "plan_revisions",
        "feed_tokens",
        "writer_state",
        "import_contents",
        "import_files",
        "import_problems",
        "import_runs",
        "classifications",
        "activities",
        "clinical_tests",
        "checkins",
        "athletes",
        "meta",
    ):
        op.drop_table(table)
