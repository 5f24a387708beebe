"""The store's tables as SQLAlchemy Core metadata: the schema the newest migration produces.

Dates and instants stay ISO text as the first release wrote them (sortable as text in every
dialect); JSON documents stay text so both dialects store exactly the bytes pydantic wrote.
A test compares this metadata with what the migrations build, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, Table, Text

metadata = MetaData()


def _athlete() -> Column[str]:
    return Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), nullable=False)


meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text, nullable=False))

athletes = Table(
    "athletes",
    metadata,
    Column("athlete_id", Text, primary_key=True),
    Column("profile_json", Text, nullable=False),
    Column("created_seq", Integer, nullable=False),
)

checkins = Table(
    "checkins",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    _athlete(),
    Column("date", Text, nullable=False),
    Column("checkin_json", Text, nullable=False),
    Index("checkins_by_athlete", "athlete_id", "date"),
    sqlite_autoincrement=True,
)

clinical_tests = Table(
    "clinical_tests",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    _athlete(),
    Column("date", Text, nullable=False),
    Column("test", Text, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Index("clinical_tests_by_athlete", "athlete_id", "date"),
    sqlite_autoincrement=True,
)

activities = Table(
    "activities",
    metadata,
    Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), primary_key=True),
    Column("activity_id", Text, primary_key=True),
    Column("content_hash", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("start_utc", Text, nullable=False),
    Column("elapsed_s", Float, nullable=False),
    Column("sport", Text, nullable=False),
    Column("import_run", Integer, nullable=False),
    Column("meta_json", Text, nullable=False),
    Column("activity_z", LargeBinary, nullable=False),
    Index("activities_by_start", "athlete_id", "start_utc"),
)

classifications = Table(
    "classifications",
    metadata,
    Column("athlete_id", Text, primary_key=True),
    Column("activity_id", Text, primary_key=True),
    Column("fingerprint", Text, primary_key=True),
    Column("classification_json", Text, nullable=False),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("run", Integer, primary_key=True, autoincrement=True),
    _athlete(),
    Column("paths", Text, nullable=False),
    Column("summary_json", Text, nullable=False, server_default="{}"),
    sqlite_autoincrement=True,
)

import_problems = Table(
    "import_problems",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    _athlete(),
    Column("import_run", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Index("import_problems_by_athlete", "athlete_id", "import_run"),
    sqlite_autoincrement=True,
)

import_files = Table(
    "import_files",
    metadata,
    Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), primary_key=True),
    Column("file_key", LargeBinary, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("stamp", BigInteger, nullable=False),  # mtime in nanoseconds: past 32 bits
    Column("content_hash", Text, nullable=False),
)

import_contents = Table(
    "import_contents",
    metadata,
    Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), primary_key=True),
    Column("content_hash", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("activities", Integer, nullable=False),
    Column("reader_tag", Text, nullable=False),
    Column("import_run", Integer, nullable=False),
)

writer_state = Table(
    "writer_state",
    metadata,
    Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), primary_key=True),
    Column("writer", Text, primary_key=True),
    Column("state_json", Text, nullable=False),
)

feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("token", Text, nullable=False, unique=True),
)

plan_revisions = Table(
    "plan_revisions",
    metadata,
    Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), primary_key=True),
    Column("rev", Integer, primary_key=True),
    Column("today", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("plan_hash", Text, nullable=False),
    Column("plan_json", Text, nullable=False),
)

# Coaches with scoped access: the secret is shown once and only its SHA-256 is kept.
coaches = Table(
    "coaches",
    metadata,
    Column("name", Text, primary_key=True),
    Column("token_sha256", Text, nullable=False, unique=True),
    Column("created_utc", Text, nullable=False),
)

coach_athletes = Table(
    "coach_athletes",
    metadata,
    Column("coach", Text, ForeignKey("coaches.name"), primary_key=True),
    Column("athlete_id", Text, ForeignKey("athletes.athlete_id"), primary_key=True),
    Index("coach_athletes_by_athlete", "athlete_id"),
)

# Coach notes: append-only, newest last (seq), one log per athlete.
coach_notes = Table(
    "coach_notes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    _athlete(),
    Column("created_utc", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("text", Text, nullable=False),
    Index("coach_notes_by_athlete", "athlete_id", "seq"),
    sqlite_autoincrement=True,
)

# One row (id 1): bumped by every write transaction, read by servers to skip unchanged work.
store_changes = Table(
    "store_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
