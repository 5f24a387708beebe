"""Migrations: a store written by the first release upgrades intact, newer stores are refused,
a failed migration changes nothing, and the migrations build exactly the schema the code uses."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from walkrun.domain.errors import StoreError
from walkrun.domain.models import CheckIn
from walkrun.store import Store, migrate
from walkrun.store.db import open_database
from walkrun.store.tables import metadata

FIXTURES = Path(__file__).parent / "fixtures"
OpenStore = Callable[[], Store]


def _dump(store: Store) -> dict[str, Any]:
    """What the store reads back, in the shape of store-v1.expected.json (made by the first release)."""
    out: dict[str, Any] = {"athletes": store.athlete_ids(), "per_athlete": {}}
    out["coach_token"] = store.feed_token(Store.COACH_SCOPE)
    for a in store.athlete_ids():
        revisions = store.revisions(a)
        plans = [json.dumps(store.revision_plan(a, int(str(r["rev"]))), sort_keys=True) for r in revisions]
        out["per_athlete"][a] = {
            "profile": store.profile(a).model_dump(mode="json"),
            "checkins": [c.model_dump(mode="json") for c in store.checkins(a)],
            "clinical": [c.model_dump(mode="json") for c in store.clinical(a)],
            # Samples are stored as columns now; the first release's shape is rebuilt from them.
            "activities": [
                x.model_dump(mode="json", exclude={"columns"})
                | {"samples": [s.model_dump(mode="json") for s in x.samples]}
                for x in store.activities(a, with_samples=False)
            ],
            "activity_samples": [[len(x.samples), len(x.laps)] for x in store.activities(a)],
            "revisions": revisions,
            "revision_plans_sha256": [hashlib.sha256(p.encode()).hexdigest() for p in plans],
            "import_problems": store.import_problems(a),
            "writer_state_ics": store.writer_state(a, "ics"),
            "feed_token": store.feed_token(a),
        }
    return out


def _contains(actual: Any, expected: Any, where: str = "") -> None:
    """``expected`` is found in ``actual``; fields a later model added (with defaults) may be extra."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} is missing"
            _contains(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _contains(a, e, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _first_release_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FIXTURES / "store-v1.sqlite3", home / "walkrun.sqlite3")
    return home


def test_a_store_written_by_the_first_release_upgrades_with_everything_intact(tmp_path: Path) -> None:
    home = _first_release_home(tmp_path)
    expected = json.loads((FIXTURES / "store-v1.expected.json").read_text())
    with Store(home) as store:
        assert migrate.state(store.db).current == migrate.HEAD
        actual = _dump(store)
        assert actual["per_athlete"]["ann"]["activities"], "the fixture holds activities"
        _contains(actual, expected)
        store.add_checkin("bob", CheckIn(date=expected_day(expected), pain_during=0))  # and it can still be written
    with Store(home) as again:
        assert len(again.checkins("bob")) == len(expected["per_athlete"]["bob"]["checkins"]) + 1
        indexes = {i["name"] for i in inspect(again.db.engine).get_indexes("clinical_tests")}
        assert "clinical_tests_by_athlete" in indexes


def expected_day(expected: dict[str, Any]) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(expected["per_athlete"]["bob"]["checkins"][0]["date"]) + dt.timedelta(days=1)


def test_a_store_from_a_newer_walkrun_is_refused_in_one_line(open_store: OpenStore) -> None:
    with open_store() as store:
        url = store.db.url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
        engine.dispose()
    with pytest.raises(StoreError) as caught:
        open_store()
    message = str(caught.value)
    assert "\n" not in message and "written by a newer walkrun (schema 9999_from_the_future" in message
    assert f"knows up to {migrate.HEAD}" in message and "upgrade walkrun" in message


def test_migrations_build_exactly_the_schema_the_code_uses(open_store: OpenStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with open_store() as store, store.db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in differences if "alembic_version" not in str(d)] == []


def test_the_head_the_store_checks_on_open_is_the_newest_script() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrate.SCRIPT_LOCATION)
    assert ScriptDirectory.from_config(config).get_heads() == [migrate.HEAD]


FAILING_MIGRATION = """
from alembic import op
import sqlalchemy as sa

revision = "0999"
down_revision = "{head}"


def upgrade() -> None:
    op.create_table("half_done", sa.Column("x", sa.Integer, primary_key=True))
    op.execute("UPDATE meta SET value = 'half' WHERE key = 'schema_version'")
    op.execute("SELECT * FROM no_such_table")
"""


def test_a_failed_migration_changes_nothing(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store() as store, store.db.read() as conn:
        url, meta_before = store.db.url, conn.execute(text("SELECT value FROM meta")).scalar()
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(migrate.__file__).parents[1] / "migrations", scripts)
    (scripts / "versions" / "0999_fails.py").write_text(FAILING_MIGRATION.format(head=migrate.HEAD))
    monkeypatch.setattr(migrate, "SCRIPT_LOCATION", str(scripts))
    head = migrate.HEAD
    monkeypatch.setattr(migrate, "HEAD", "0999")
    with pytest.raises(StoreError, match=r"cannot upgrade the store .*no_such_table"):
        open_store()
    database = open_database(tmp_path, url.render_as_string(hide_password=False))
    try:
        assert migrate.state(database).current == head
        with database.read() as conn:
            assert not inspect(conn).has_table("half_done")
            assert conn.execute(text("SELECT value FROM meta")).scalar() == meta_before
    finally:
        database.dispose()
