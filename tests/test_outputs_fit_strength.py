"""Strength and clearance-drill days on the watch (issue 10, item 8): one step per exercise."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from garmin_fit_sdk import Decoder, Profile, Stream

from walkrun.builtin.writers.fit_strength import exercise_category
from walkrun.builtin.writers.fit_workouts import FitWorkoutWriter
from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Session, SessionKind, StepKind
from walkrun.domain.protocol import Protocol
from walkrun.engine.progression import build_plan
from walkrun.plugins.writers import ExportContext

TODAY = dt.date(2026, 4, 20)
SDK_CATEGORIES = Profile["types"]["exercise_category"]


def _decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, femoral_runner: tuple[AthleteProfile, Protocol, History]):
    profile, protocol, history = femoral_runner
    plan = build_plan(profile, protocol, history, TODAY, horizon_days=28)
    out = tmp_path_factory.mktemp("strength")
    context = ExportContext(profile=profile, protocol=protocol, history=history)
    FitWorkoutWriter().write(plan, context, out)
    readme = (out / "fit-workouts" / "README.txt").read_text(encoding="utf-8")
    rows = re.findall(r"^\s+\w{3} (\d{4}-\d\d-\d\d)\*? +(walkrun-strength-\S+\.fit)", readme, flags=re.M)
    by_file: dict[Path, Session] = {}
    for day, name in rows:
        session = plan.session_on(dt.date.fromisoformat(day))
        assert session is not None and session.kind is SessionKind.STRENGTH
        by_file.setdefault(out / "fit-workouts" / name, session)
    return by_file


def test_one_file_per_strength_stage_whatever_the_run_level(exported):
    stages = {session.title for session in exported.values()}
    assert len(exported) == len(stages)
    assert all(not re.search(r"-[0-9a-f]{6}\.fit$", p.name) for p in exported)


def test_each_exercise_is_a_step_with_a_garmin_category_where_one_fits(exported):
    assert exported
    for path, session in exported.items():
        messages = _decode(path.read_bytes())
        (workout,) = messages["workout_mesgs"]
        assert (workout["sport"], workout["sub_sport"]) == ("training", "strength_training")
        steps = messages["workout_step_mesgs"]
        assert workout["num_valid_steps"] == len(steps)
        assert session.title.startswith(workout["wkt_name"].removesuffix(" + drills"))
        exercises = [
            x for st in session.steps if st.kind in (StepKind.STRENGTH, StepKind.CROSS_TRAINING) for x in st.exercises
        ]
        assert len(steps) == len(exercises)
        for step, exercise in zip(steps, exercises, strict=True):
            assert step["duration_type"] == "open"  # no reps in the plan: lap when done
            name = step["wkt_step_name"]
            assert name in exercise and len(name.encode()) <= 31
            assert exercise.split(name, 1)[1][:1] in ("", " ", ":", ","), "cut at a word or clause"
            assert exercise in step["notes"]
            category = exercise_category(exercise)
            if category is None or step["intensity"] != "active":
                assert "exercise_category" not in step
            else:
                assert step["exercise_category"] == SDK_CATEGORIES[category]


@pytest.mark.parametrize(
    ("exercise", "category"),
    [
        ("Bodyweight squat", "squat"),
        ("Split squat or lunge", "lunge"),
        ("Squat jumps", "plyo"),
        ("Loaded hip hinge (deadlift pattern)", "deadlift"),
        ("Single-leg heel raise", "calf_raise"),
        ("Glute bridge", "hip_raise"),
        ("Side plank from the knees", "plank"),
        ("Loaded carry with high-knee march", "carry"),
        ("Dead bug against a band, one hip held bent", "core"),
        ("Hip airplane: slow pelvic rotation balanced on one leg", "hip_stability"),
        ("Optional: 20-40 min easy cycling", None),
    ],
)
def test_exercise_categories_are_garmins(exercise: str, category: str | None):
    number = exercise_category(exercise)
    assert (SDK_CATEGORIES[number] if number is not None else None) == category
