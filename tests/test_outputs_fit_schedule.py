"""The FIT schedule file next to the workouts (issue 10, item 7): each day points at its workout file."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import fitparse
import pytest
from garmin_fit_sdk import Decoder, Stream

from walkrun.builtin.writers.fit_workouts import SCHEDULE_FILE, FitWorkoutWriter
from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan
from walkrun.fit.schedule import fit_local_timestamp
from walkrun.plugins.writers import ExportContext

TODAY = dt.date(2026, 4, 20)
IDENTITY = ("manufacturer", "product", "serial_number", "time_created")


@pytest.fixture(scope="module")
def setup(femoral_runner: tuple[AthleteProfile, Protocol, History]) -> tuple[AthleteProfile, Protocol, History, Plan]:
    runner, protocol, history = femoral_runner
    prefs = runner.preferences.model_copy(update={"timezone": "America/New_York", "session_time": dt.time(18, 30)})
    profile = runner.model_copy(update={"preferences": prefs})
    return profile, protocol, history, build_plan(profile, protocol, history, TODAY, horizon_days=70)


def _decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages  # type: ignore[no-any-return]


def _export(setup, out: Path, **options: str) -> list[Path]:
    profile, protocol, history, plan = setup
    context = ExportContext(profile=profile, protocol=protocol, history=history, options=options)
    return FitWorkoutWriter().write(plan, context, out)


def _readme_days(folder: Path) -> dict[dt.date, str]:
    text = (folder / "README.txt").read_text(encoding="utf-8")
    rows = re.findall(r"^\s+\w{3} (\d{4}-\d\d-\d\d)\*? +(walkrun-\S+\.fit)", text, flags=re.M)
    return {dt.date.fromisoformat(d): name for d, name in rows}


@pytest.mark.parametrize("weeks", [1, 4, 8])
def test_every_planned_day_points_at_its_workout_file(setup, tmp_path, weeks):
    paths = _export(setup, tmp_path, weeks=str(weeks))
    folder = tmp_path / "fit-workouts"
    assert folder / SCHEDULE_FILE in paths
    messages = _decode((folder / SCHEDULE_FILE).read_bytes())
    assert [m["type"] for m in messages["file_id_mesgs"]] == ["schedules"]
    entries = messages["schedule_mesgs"]
    days = _readme_days(folder)
    assert len(entries) == len(days) > 0
    assert all(TODAY <= d < TODAY + dt.timedelta(weeks=weeks) for d in days)  # the rolling window
    identity = {}
    for name in set(days.values()):
        (file_id,) = _decode((folder / name).read_bytes())["file_id_mesgs"]
        identity[name] = tuple(file_id[k] for k in IDENTITY)
    assert len(set(identity.values())) == len(identity), "every workout file has its own identity"
    for entry, (day, name) in zip(entries, sorted(days.items()), strict=True):
        assert tuple(entry[k] for k in IDENTITY) == identity[name]
        assert entry["type"] == "workout" and entry["completed"] == 0
        # local_date_time: the runner's session time on that day, on their own clock.
        assert entry["scheduled_time"] == fit_local_timestamp(dt.datetime.combine(day, dt.time(18, 30)))


def test_fitparse_reads_the_same_schedule(setup, tmp_path):
    _export(setup, tmp_path)
    data = (tmp_path / "fit-workouts" / SCHEDULE_FILE).read_bytes()
    messages = list(fitparse.FitFile(io.BytesIO(data), check_crc=True).get_messages())
    assert [m.name for m in messages[:2]] == ["file_id", "file_creator"]
    assert messages[0].get_value("type") == "schedules"
    schedule = [m for m in messages if m.name == "schedule"]
    assert len(schedule) == len(_readme_days(tmp_path / "fit-workouts"))
    assert all(m.get_value("type") == "workout" for m in schedule)


def test_same_plan_same_bytes_and_no_schedule_without_workouts(setup, tmp_path):
    first = (_export(setup, tmp_path / "a"), tmp_path / "a" / "fit-workouts" / SCHEDULE_FILE)
    second = (_export(setup, tmp_path / "b"), tmp_path / "b" / "fit-workouts" / SCHEDULE_FILE)
    assert first[1].read_bytes() == second[1].read_bytes()
    profile, protocol, history, plan = setup
    empty = plan.model_copy(update={"sessions": []})
    FitWorkoutWriter().write(empty, ExportContext(profile=profile, protocol=protocol, history=history), tmp_path / "a")
    assert not first[1].exists(), "a schedule pointing at removed workouts would be stale"
