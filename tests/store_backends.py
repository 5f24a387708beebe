"""The store suite on SQLite and PostgreSQL: a pytest plugin that tests/conftest.py registers.

PostgreSQL is the ``pgserver`` package's PostgreSQL 16, started once per session in a
temporary folder; each test gets a database of its own. Locally a missing or broken pgserver
skips the PostgreSQL half with the reason; on CI (CI=true) it fails instead, so that half can
never be skipped silently. The terminal summary says how many store tests ran on each.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

BACKENDS = ("sqlite", "postgresql")
_ran: dict[str, int] = dict.fromkeys(BACKENDS, 0)
_pg: dict[str, Any] = {}
_numbers = itertools.count(1)


def _unavailable(reason: str) -> None:
    _pg["problem"] = reason
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL store tests cannot run on CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL store tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running PostgreSQL server (its ``postgres`` database), for the whole session."""
    started = time.monotonic()
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root)
        warnings.simplefilter("ignore")
        try:
            import pgserver
        except ImportError as exc:
            _unavailable(f"the pgserver package is not installed ({exc}); pip install -e '.[test]'")
        try:
            # Not under pytest's basetemp: a concurrent pytest run may prune it while the server runs.
            server = pgserver.get_server(tempfile.mkdtemp(prefix="walkrun-pg-"), cleanup_mode="delete")
        except Exception as exc:  # pgserver raises plain errors from initdb/pg_ctl
            _unavailable(f"pgserver could not start PostgreSQL: {exc}")
    _pg["start_s"] = time.monotonic() - started
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def _fresh_database(server_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"walkrun_test_{os.getpid()}_{next(_numbers)}"
    admin = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(drivername="postgresql+psycopg", database=name).render_as_string(False)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str | None:
    """None for the SQLite file in the test's home; else the URL of an empty PostgreSQL database."""
    request.node.user_properties.append(("store_backend", request.param))
    if request.param == "sqlite":
        return None
    return _fresh_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def open_store(tmp_path: Path, store_url: str | None) -> Callable[[], Any]:
    """Opens the test's store (a new Store each call, the same data)."""
    from walkrun.store import Store

    def make() -> Store:
        return Store(tmp_path / "home", store_url)

    return make


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for key, backend in report.user_properties:
            if key == "store_backend":
                _ran[backend] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not any(_ran.values()):
        return
    started = f", pgserver started in {_pg['start_s']:.1f} s" if "start_s" in _pg else ""
    problem = f" (PostgreSQL unavailable: {_pg['problem']})" if "problem" in _pg else ""
    terminalreporter.write_line(
        f"store tests passed: {_ran['sqlite']} on SQLite, {_ran['postgresql']} on PostgreSQL{started}{problem}"
    )
