"""Watch workouts with easy-effort targets (issue 10, item 6), read back with Garmin's own decoder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from garmin_fit_sdk import Decoder, Stream

from walkrun.builtin.writers.fit_workouts import SCHEDULE_FILE, FitWorkoutWriter
from walkrun.domain.activities import Activity, Sample
from walkrun.domain.errors import UsageError
from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile, Preferences
from walkrun.domain.plan import Plan
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan
from walkrun.engine.targets import EffortFacts, TargetKind, TargetMode, effort_from_activities, run_target
from walkrun.plugins.writers import ExportContext

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "fit" / "WorkoutCustomTargetValues.fit"
TODAY = dt.date(2026, 4, 20)


@pytest.fixture(scope="module")
def walk_run(femoral_module: tuple[AthleteProfile, Protocol, History]) -> Plan:
    profile, protocol, history = femoral_module
    return build_plan(profile, protocol, history, TODAY, horizon_days=42)


@pytest.fixture(scope="module")
def femoral_module(
    femoral_runner: tuple[AthleteProfile, Protocol, History],
) -> tuple[AthleteProfile, Protocol, History]:
    return femoral_runner


def _decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages  # type: ignore[no-any-return]


def _export(setup, plan: Plan, out: Path, effort: EffortFacts | None = None, **options: str):
    profile, protocol, history = setup
    context = ExportContext(
        profile=profile, protocol=protocol, history=history, options=options, effort=effort or EffortFacts()
    )
    paths = FitWorkoutWriter().write(plan, context, out)
    fits = {p.name: _decode(p.read_bytes()) for p in paths if p.suffix == ".fit" and p.name != SCHEDULE_FILE}
    assert fits
    return fits, (out / "fit-workouts" / "README.txt").read_text(encoding="utf-8")


def _steps(fits: dict[str, Any], intensity: str) -> list[dict[str, Any]]:
    return [s for m in fits.values() for s in m["workout_step_mesgs"] if s["intensity"] == intensity]


def test_default_without_heart_rate_is_a_cadence_range_and_a_brisk_walk_floor(femoral_module, walk_run, tmp_path):
    fits, readme = _export(femoral_module, walk_run, tmp_path)
    runs = [s for s in _steps(fits, "active") if s["duration_type"] == "time"]
    walks = _steps(fits, "recovery")
    assert runs and walks
    assert all(s["target_type"] == "cadence" and s["target_value"] == 0 for s in runs)
    # Runs: 160-180 steps/min = 80-90 strides/min; brisk-walk sessions' walking: the walk floor.
    ranges = {(s["custom_target_cadence_low"], s["custom_target_cadence_high"]) for s in runs}
    assert ranges == {(80, 90), (50, 70)}
    for step in walks:
        # >= 100 steps/min is brisk; FIT cadence is strides: 50. Up to 140 steps/min (70) is still walking.
        assert step["target_type"] == "cadence"
        assert (step["custom_target_cadence_low"], step["custom_target_cadence_high"]) == (50, 70)
    for step in _steps(fits, "warmup") + _steps(fits, "cooldown"):
        assert step["target_type"] == "open"
    assert "cadence 160-180 steps/min" in readme and "cadence 100-140 steps/min" in readme


def test_known_heart_rate_gives_run_steps_a_heart_rate_range(femoral_module, walk_run, tmp_path):
    fits, readme = _export(femoral_module, walk_run, tmp_path, max_hr="190", resting_hr="50")
    runs = [s for s in _steps(fits, "active") if s["duration_type"] == "time" and s["target_type"] != "cadence"]
    assert runs
    for step in runs:
        assert step["target_type"] == "heart_rate" and step["target_hr_zone"] == 0
        # Karvonen 50-70% of 140 bpm reserve above 50: 120-148 bpm, stored as bpm + 100.
        assert (step["custom_target_heart_rate_low"], step["custom_target_heart_rate_high"]) == (220, 248)
    assert "heart rate 120-148 bpm" in readme


def test_estimated_max_heart_rate_from_imported_runs(femoral_module, walk_run, tmp_path):
    effort = EffortFacts(max_hr_bpm=180, hr_from="imported runs")
    fits, readme = _export(femoral_module, walk_run, tmp_path, effort=effort)
    hr = [s for s in _steps(fits, "active") if s["target_type"] == "heart_rate"]
    assert hr and {(s["custom_target_heart_rate_low"], s["custom_target_heart_rate_high"]) for s in hr} == {(208, 235)}
    assert "60-75% of max heart rate 180 from imported runs" in readme


@pytest.mark.parametrize("mode", ["none", "pace", "cadence", "hr"])
def test_every_mode_decodes_cleanly(femoral_module, walk_run, tmp_path, mode):
    fits, readme = _export(femoral_module, walk_run, tmp_path, targets=mode)
    steps = [s for m in fits.values() for s in m["workout_step_mesgs"]]
    kinds = {s["target_type"] for s in steps}
    if mode == "none":
        assert kinds == {"open"} and "run steps: open" in readme
    elif mode == "pace":
        assert "speed" in kinds
        for s in (s for s in steps if s["target_type"] == "speed"):
            assert 0 < s["custom_target_speed_low"] < s["custom_target_speed_high"] < 6  # m/s
    else:  # hr without a known heart rate falls back to cadence, and says so
        assert kinds == {"open", "cadence"}


def test_cadence_boost_for_a_clinician(femoral_module, walk_run, tmp_path):
    effort = EffortFacts(run_cadence_spm=160)
    fits, readme = _export(femoral_module, walk_run, tmp_path, effort=effort, targets="cadence", cadence_boost="7")
    runs = [s for s in _steps(fits, "active") if s["target_type"] == "cadence" and s["custom_target_cadence_low"] > 70]
    # 160 +7% = 171 steps/min, +-3%: 166-176 steps/min = 83-88 strides/min.
    assert {(s["custom_target_cadence_low"], s["custom_target_cadence_high"]) for s in runs} == {(83, 88)}
    assert "+7% (lower hip load)" in readme


@pytest.mark.parametrize("options", [{"targets": "fast"}, {"max_hr": "400"}, {"cadence_boost": "50"}])
def test_bad_target_options_are_clear_errors(femoral_module, walk_run, tmp_path, options):
    with pytest.raises(UsageError, match="fit writer: option"):
        _export(femoral_module, walk_run, tmp_path, **options)


def test_heart_rate_step_has_the_layout_of_garmins_example(femoral_module, walk_run, tmp_path):
    if not SAMPLE.is_file():
        pytest.skip(f"shared FIT samples not found at {SAMPLE.parent} (../shared/samples is absent)")
    theirs = _decode(SAMPLE.read_bytes())
    their_hr = next(s for s in theirs["workout_step_mesgs"] if s["target_type"] == "heart_rate")
    fits, _ = _export(femoral_module, walk_run, tmp_path, max_hr="190")
    ours = next(s for s in _steps(fits, "active") if s["target_type"] == "heart_rate")
    # Every field and sub-field Garmin's example has (custom_target_heart_rate_low/high,
    # target_hr_zone, duration_time ...), of the same types; we add notes.
    assert set(their_hr) <= set(ours) and set(ours) - set(their_hr) <= {"notes"}
    assert {k: type(ours[k]) for k in their_hr} == {k: type(v) for k, v in their_hr.items()}
    assert list(fits[next(iter(fits))]) == [
        "file_id_mesgs",
        "file_creator_mesgs",
        "workout_mesgs",
        "workout_step_mesgs",
    ]


def test_effort_is_estimated_from_running_samples():
    prefs = Preferences()
    start = dt.datetime(2025, 10, 1, 7, tzinfo=dt.UTC)
    samples = [
        Sample(t_s=i, heart_rate_bpm=120 + i // 10, cadence_spm=164 + (i // 5) % 5, speed_mps=2.8)
        for i in range(0, 600, 5)
    ]
    walk = [Sample(t_s=i, heart_rate_bpm=100, cadence_spm=110, speed_mps=1.5) for i in range(0, 600, 5)]
    acts = [
        Activity(source="run.fit", start_utc=start, elapsed_s=600, samples=samples),
        Activity(source="walk.fit", start_utc=start, elapsed_s=600, samples=walk),
    ]
    facts = effort_from_activities(acts, prefs)
    assert facts.max_hr_bpm == 179 and facts.hr_from == "imported runs"
    assert facts.run_cadence_spm == 166 and facts.run_speed_mps == 2.8
    # Only easy walks imported: nothing to say about running heart rate.
    assert effort_from_activities(acts[1:], prefs) == EffortFacts()
    target = run_target(TargetMode.AUTO, facts, prefs)
    assert target is not None and target.kind is TargetKind.HEART_RATE and target.high < 179
