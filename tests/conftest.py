from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.protocol import Protocol
from walkrun.plugins.manager import Registry, make_plugin_manager

# Real device files: $WALKRUN_SAMPLES, else ../shared/samples next to the repository.
SAMPLES_ENV = "WALKRUN_SAMPLES"
SHARED_SAMPLES = Path(
    os.environ.get(SAMPLES_ENV) or Path(__file__).resolve().parents[1].parent / "shared" / "samples"
).resolve()
INJURY = dt.date(2026, 1, 5)


@pytest.fixture
def registry() -> Registry:
    """A fresh plugin manager with only the built-ins (no installed third-party plugins)."""
    return make_plugin_manager(load_entrypoints=False, env={})


@pytest.fixture
def femoral(registry: Registry) -> Protocol:
    return registry.protocol("femoral-neck-bsi")


@pytest.fixture
def make_profile() -> Callable[..., AthleteProfile]:
    def make(**kw: Any) -> AthleteProfile:
        data: dict[str, Any] = {"athlete_id": "ann", "condition": "femoral-neck-bsi", "injury_date": INJURY}
        data.update(kw)
        return AthleteProfile.model_validate(data)

    return make


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run_cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Invoke the real entry point (with its one-line error handling) in a temp home."""
    from walkrun.cli.root import main

    def invoke(*args: str, use_home: bool = True) -> CliResult:
        capsys.readouterr()
        full = ["--home", str(home), *args] if use_home else list(args)
        try:
            main(full)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


# CI explores the same examples every run (a failure there is reproducible); locally each
# run explores new random histories.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


# ---- one summary line: how many tests read real device files, and how many skipped without them ----
_current_test: list[str] = []
_used_samples: set[str] = set()
_skipped_samples: set[str] = set()


def _watch_samples(event: str, args: tuple[Any, ...]) -> None:
    # An audit hook sees every file a test opens, so the count needs no marker on each test.
    if _current_test and event in ("open", "os.listdir", "os.scandir") and args and args[0] is not None:
        try:
            path = str(os.fsdecode(args[0])) if isinstance(args[0], (str, bytes, os.PathLike)) else ""
        except (TypeError, ValueError):
            return
        if path.startswith(str(SHARED_SAMPLES)):
            _used_samples.add(_current_test[0])


import sys as _sys  # noqa: E402

_sys.addaudithook(_watch_samples)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    _current_test[:] = [item.nodeid]
    try:
        return (yield)
    finally:
        _current_test.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "sample" in str(report.longrepr).lower():
        _skipped_samples.add(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    where = f"{SHARED_SAMPLES}" + ("" if SHARED_SAMPLES.is_dir() else " (absent)")
    terminalreporter.write_line(
        f"real-device tests: {len(_used_samples)} ran on files in {where}, {len(_skipped_samples)} skipped "
        f"(point ${SAMPLES_ENV} at a samples folder to run them)"
    )


def pytest_configure(config: pytest.Config) -> None:
    import store_backends  # the store suite's SQLite/PostgreSQL fixtures and their summary line

    config.pluginmanager.register(store_backends, "walkrun-store-backends")


@pytest.fixture(scope="session")
def femoral_runner() -> tuple[AthleteProfile, Protocol, History]:
    """A femoral-neck runner who followed the plan from full weight-bearing to 2026-04-20 (simulated once)."""
    from walkrun.domain.history import history_from_log
    from walkrun.engine.simulate import follow_plan

    protocol = make_plugin_manager(load_entrypoints=False, env={}).protocol("femoral-neck-bsi")
    profile = AthleteProfile(
        athlete_id="ann",
        condition="femoral-neck-bsi",
        injury_date=dt.date(2026, 1, 5),
        full_weight_bearing_date=dt.date(2026, 3, 2),
    )
    end = dt.date(2026, 4, 20)
    checkins, clinical = follow_plan(profile, protocol, dt.date(2026, 3, 2), end, tests_on=dt.date(2026, 3, 31))
    return profile, protocol, history_from_log(checkins, clinical)
