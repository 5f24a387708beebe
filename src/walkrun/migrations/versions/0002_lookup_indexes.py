"""Index the two per-athlete lookups the first release scanned: clinical tests and import problems.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("clinical_tests_by_athlete", "clinical_tests", ["athlete_id", "date"])
    op.create_index("import_problems_by_athlete", "import_problems", ["athlete_id", "import_run"])
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("import_problems_by_athlete", "import_problems")
    op.drop_index("clinical_tests_by_athlete", "clinical_tests")
    op.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
