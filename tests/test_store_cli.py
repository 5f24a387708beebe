"""``walkrun db current`` / ``walkrun db upgrade``, and ``--database-url`` for a shared store."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from walkrun.store import migrate

FIXTURES = Path(__file__).parent / "fixtures"
Run = Callable[..., Any]


def test_db_current_and_upgrade_on_a_first_release_store(run_cli: Run, home: Path) -> None:
    first = run_cli("db", "current")
    assert first.exit_code == 0 and "no store yet" in first.stdout
    home.mkdir()
    shutil.copy(FIXTURES / "store-v1.sqlite3", home / "walkrun.sqlite3")
    before = run_cli("db", "current")
    assert "schema: 0001 (first release, before migrations)" in before.stdout
    assert "needs an upgrade: `walkrun db upgrade`" in before.stdout
    assert f"upgraded from schema 0001 (first release, before migrations) to {migrate.HEAD}" in (
        run_cli("db", "upgrade").stdout
    )
    assert f"already at schema {migrate.HEAD}" in run_cli("db", "upgrade").stdout
    now = json.loads(run_cli("db", "current", "--json").stdout)
    assert (now["current"], now["head"], now["up_to_date"]) == (migrate.HEAD, migrate.HEAD, True)
    assert "ann" in run_cli("athletes").stdout


def test_database_url_puts_every_command_on_the_shared_store(
    run_cli: Run, home: Path, store_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_url is None:
        store_url = f"sqlite:///{home.parent / 'shared.sqlite3'}"
    monkeypatch.delenv("WALKRUN_DATABASE_URL", raising=False)
    init = ("init", "--athlete", "ann", "--condition", "low-risk-bsi", "--injury-date", "2026-01-05")
    assert run_cli("--database-url", store_url, "--today", "2026-03-01", *init).exit_code == 0
    assert not (home / "walkrun.sqlite3").exists(), "nothing was written to the home folder's SQLite file"
    listed = run_cli("athletes", "--database-url", store_url)  # a global option may follow the command
    assert listed.exit_code == 0 and "ann" in listed.stdout
    now = json.loads(run_cli("--database-url", store_url, "db", "current", "--json").stdout)
    assert (now["current"], now["up_to_date"]) == (migrate.HEAD, True)
    assert "WALKRUN_DATABASE_URL" not in os.environ, "the option holds for one command, not the whole process"


def test_a_bad_database_url_is_one_line_without_the_password(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALKRUN_DATABASE_URL", raising=False)
    result = run_cli("--database-url", "mysql://me:secret@db/walkrun", "athletes")
    assert "WALKRUN_DATABASE_URL" not in os.environ
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "sqlite or postgresql only" in lines[0] and "secret" not in lines[0]


def test_db_commands_on_a_store_from_a_newer_walkrun(run_cli: Run, home: Path) -> None:
    import sqlite3

    home.mkdir()
    shutil.copy(FIXTURES / "store-v1.sqlite3", home / "walkrun.sqlite3")
    assert run_cli("db", "upgrade").exit_code == 0
    with sqlite3.connect(home / "walkrun.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0100'")
    shown = run_cli("db", "current")
    assert shown.exit_code == 0 and "schema: 0100" in shown.stdout and "written by a newer walkrun" in shown.stdout
    for args in (("db", "upgrade"), ("athletes",)):
        refused = run_cli(*args)
        lines = [line for line in refused.stderr.splitlines() if line.strip()]
        assert refused.exit_code != 0 and len(lines) == 1, refused.stderr
        assert "written by a newer walkrun (schema 0100" in lines[0] and "upgrade walkrun" in lines[0]
