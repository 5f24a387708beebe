"""The FIT workout writer: real plans in, files the official SDK and fitparse accept, matching the plan."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import fitparse
import pytest
from garmin_fit_sdk import Decoder, Profile, Stream

from conftest import INJURY, SHARED_SAMPLES
from walkrun.builtin.writers import fit_workouts as fit_workout_writer
from walkrun.builtin.writers.fit_workouts import (
    SCHEDULE_FILE,
    FitWorkoutWriter,
    distinct_workouts,
    encode_workout,
)
from walkrun.domain.errors import UsageError
from walkrun.domain.history import history_from_log
from walkrun.domain.models import AthleteProfile
from walkrun.domain.plan import Plan, Session, SessionKind, Step, StepKind
from walkrun.engine.progression import build_plan
from walkrun.engine.simulate import follow_plan
from walkrun.plugins.manager import BUILTIN_PLUGINS, Registry, make_plugin_manager
from walkrun.plugins.writers import ExportContext

TODAY = dt.date(2026, 4, 20)
FIT_SAMPLES = SHARED_SAMPLES / "fit"
NAME_RE = re.compile(r"^walkrun-[A-Za-z0-9-]+\.fit$")
# What the plan's step kinds must become on the watch (FIT "intensity" names, from the SDK's own profile).
EXPECTED_INTENSITY = {
    StepKind.WARMUP: "warmup",
    StepKind.COOLDOWN: "cooldown",
    StepKind.RUN: "active",
    StepKind.BRISK_WALK: "active",
    StepKind.WALK: "recovery",
}
SDK_TYPES: dict[str, dict[int, str]] = Profile["types"]


# --------------------------------------------------------------------------- fixtures


def _registry() -> Registry:
    """Registers the writer the way a plugin is registered (``extra``), unless it is already a built-in."""
    if fit_workout_writer.__name__ in BUILTIN_PLUGINS:
        return make_plugin_manager(load_entrypoints=False, env={})
    return make_plugin_manager(load_entrypoints=False, env={}, extra=[fit_workout_writer])


@pytest.fixture(scope="module")
def setup() -> tuple[Registry, AthleteProfile, Any, Any]:
    registry = _registry()
    protocol = registry.protocol("femoral-neck-bsi")
    profile = AthleteProfile.model_validate(
        {
            "athlete_id": "ann",
            "condition": "femoral-neck-bsi",
            "injury_date": INJURY,
            "full_weight_bearing_date": dt.date(2026, 3, 2),
        }
    )
    checkins, clinical = follow_plan(profile, protocol, dt.date(2026, 3, 2), TODAY, tests_on=dt.date(2026, 3, 31))
    return registry, profile, protocol, history_from_log(checkins, clinical)


@pytest.fixture(scope="module")
def plan(setup: tuple[Registry, AthleteProfile, Any, Any]) -> Plan:
    _, profile, protocol, history = setup
    return build_plan(profile, protocol, history, today=TODAY, horizon_days=90)


def _context(setup: tuple[Registry, AthleteProfile, Any, Any], **options: str) -> ExportContext:
    _, profile, protocol, history = setup
    return ExportContext(profile=profile, protocol=protocol, history=history, options=options)


def _export(setup: Any, plan: Plan, out: Path, **options: str) -> list[Path]:
    writer_cls = setup[0].writer("fit")
    result = writer_cls().write(plan, _context(setup, **options), out)
    assert isinstance(result, list)
    return result


# --------------------------------------------------------------------------- decoding helpers


def sdk_decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.is_fit()
    assert decoder.check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages  # type: ignore[no-any-return]


def fitparse_decode(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    """(message name, raw values by *main* field name): subfields such as duration_time fold back."""
    out = []
    for msg in fitparse.FitFile(io.BytesIO(data), check_crc=True).get_messages():
        raw = {(fd.parent_field.name if fd.parent_field else fd.name): fd.raw_value for fd in msg.fields}
        out.append((msg.name, raw))
    return out


TARGETED = {StepKind.RUN, StepKind.WALK, StepKind.BRISK_WALK}


def expected_steps(session: Session) -> list[dict[str, Any]]:
    """The plan's steps flattened the FIT way, worked out here independently of the writer."""
    out: list[dict[str, Any]] = []

    def add(steps: list[Step]) -> None:
        for step in steps:
            if step.kind is StepKind.REPEAT:
                first = len(out)
                add(step.steps)
                out.append(
                    {
                        "duration_type": "repeat_until_steps_cmplt",
                        "duration_value": first,
                        "target_value": step.repeat_count,
                        "intensity": "active",
                        "children": len(out) - first,
                    }
                )
            else:
                assert step.duration_s is not None
                out.append(
                    {
                        "wkt_step_name": step.label,
                        "duration_type": "time",
                        "duration_value": step.duration_s * 1000,
                        "intensity": EXPECTED_INTENSITY[step.kind],
                        # No heart rate known here: runs get a cadence range, walks a brisk floor.
                        "target_type": "cadence" if step.kind in TARGETED else "open",
                    }
                )

    add(session.steps)
    return out


def execute(steps: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """Run decoded steps the way a watch does (repeat steps jump back) -> [(intensity, seconds)]."""
    done: list[tuple[str, float]] = []
    counts: dict[int, int] = {}
    i = 0
    while i < len(steps):
        step = steps[i]
        if step["duration_type"] == "repeat_until_steps_cmplt":
            counts[i] = counts.get(i, 0) + 1
            if counts[i] < step["target_value"]:
                back = step["duration_value"]
                for j in range(back, i):
                    counts.pop(j, None)  # inner repeats start over on each outer pass
                i = back
                continue
        else:
            done.append((step["intensity"], step["duration_value"] / 1000))
        i += 1
    return done


def schedule(readme: str) -> dict[dt.date, str]:
    """date -> file name, from the README's schedule list."""
    rows = re.findall(r"^\s+\w{3} (\d{4}-\d\d-\d\d)\*? +(walkrun-\S+\.fit)", readme, flags=re.M)
    return {dt.date.fromisoformat(d): name for d, name in rows}


# --------------------------------------------------------------------------- tests


def test_registered_through_the_hook(setup: Any) -> None:
    registry = setup[0]
    assert registry.writer("fit") is FitWorkoutWriter
    assert FitWorkoutWriter.extension == ".fit"
    owner = [p for p in registry.plugins.values() if "fit" in p.registered.get("writers", [])]
    assert len(owner) == 1 and owner[0].error is None


def test_every_file_matches_its_sessions(setup: Any, plan: Plan, tmp_path: Path) -> None:
    paths = _export(setup, plan, tmp_path, strength="0")  # walks and runs; strength: test_outputs_fit_strength
    folder = tmp_path / "fit-workouts"
    assert all(p.parent == folder for p in paths)
    fits = [p for p in paths if p.suffix == ".fit" and p.name != SCHEDULE_FILE]
    assert paths[-1] == folder / "README.txt"
    by_date = schedule((folder / "README.txt").read_text("utf-8"))
    end = TODAY + dt.timedelta(weeks=4)
    planned = {
        s.date: s
        for s in plan.sessions
        if TODAY <= s.date < end and s.kind in (SessionKind.WALK_RUN, SessionKind.RUN, SessionKind.BRISK_WALK)
    }
    assert set(by_date) == set(planned), "every walk/run in the window is scheduled, nothing else"
    assert {p.name for p in fits} == set(by_date.values())
    assert any(s.kind is SessionKind.WALK_RUN for s in planned.values()), "the fixture plan must have walk-runs"

    for day, session in planned.items():
        data = (folder / by_date[day]).read_bytes()
        messages = sdk_decode(data)
        assert [m["type"] for m in messages["file_id_mesgs"]] == ["workout"]
        (wkt,) = messages["workout_mesgs"]
        steps = messages["workout_step_mesgs"]
        expected = expected_steps(session)
        assert wkt["num_valid_steps"] == len(steps) == len(expected)
        assert wkt["sport"] == ("walking" if session.kind is SessionKind.BRISK_WALK else "running")
        assert 0 < len(wkt["wkt_name"]) <= 20
        for index, (got, want) in enumerate(zip(steps, expected, strict=True)):
            assert got["message_index"] == index
            assert got["duration_type"] == want["duration_type"]
            assert got["duration_value"] == want["duration_value"]
            assert got["intensity"] == want["intensity"]
            assert got["target_type"] == want.get("target_type", "open")
            if "wkt_step_name" in want:
                assert got["wkt_step_name"] == want["wkt_step_name"]
            else:
                assert got["target_value"] == want["target_value"] == got["repeat_steps"]
                assert got["duration_value"] == index - want["children"]
        # What the watch will actually do adds up to the plan's minutes.
        done = execute(steps)
        assert sum(sec for _, sec in done) == session.total_s
        if session.kind is not SessionKind.BRISK_WALK:
            assert sum(sec for kind, sec in done if kind == "active") == session.run_s
        run_notes = [s.get("notes") for s in steps if s["intensity"] == "active" and "notes" in s]
        assert all(n == session.intensity for n in run_notes)


def test_fitparse_reads_the_same(setup: Any, plan: Plan, tmp_path: Path) -> None:
    paths = _export(setup, plan, tmp_path, strength="0")
    by_date = schedule((tmp_path / "fit-workouts" / "README.txt").read_text("utf-8"))
    intensity = {name: num for num, name in SDK_TYPES["intensity"].items()}
    duration = {name: num for num, name in SDK_TYPES["wkt_step_duration"].items()}
    checked = set()
    for day, name in sorted(by_date.items()):
        if name in checked:
            continue
        checked.add(name)
        session = plan.session_on(day)
        assert session is not None
        messages = fitparse_decode((tmp_path / "fit-workouts" / name).read_bytes())
        assert [n for n, _ in messages[:3]] == ["file_id", "file_creator", "workout"]
        assert messages[0][1]["type"] == 5  # workout file
        steps = [v for n, v in messages if n == "workout_step"]
        assert messages[2][1]["num_valid_steps"] == len(steps)
        for got, want in zip(steps, expected_steps(session), strict=True):
            # fitparse's 2019 profile lacks some newer enum names, so compare raw numbers.
            assert got["duration_type"] == duration[want["duration_type"]]
            assert got["duration_value"] == want["duration_value"]
            assert got["intensity"] == intensity[want["intensity"]]
            if "target_value" in want:
                assert got["target_value"] == want["target_value"]
            else:
                assert got["wkt_step_name"] == want["wkt_step_name"]
    assert checked == {p.name for p in paths if p.suffix == ".fit"} - {SCHEDULE_FILE}


def test_walk_run_layout_warmup_repeat_cooldown(setup: Any, plan: Plan, tmp_path: Path) -> None:
    _export(setup, plan, tmp_path)
    data = (tmp_path / "fit-workouts" / "walkrun-L4-6x-run2-walk3.fit").read_bytes()
    messages = sdk_decode(data)
    assert messages["workout_mesgs"][0]["wkt_name"] == "WR L4 6x2/3"
    steps = messages["workout_step_mesgs"]
    assert [(s["intensity"], s["duration_type"]) for s in steps] == [
        ("warmup", "time"),
        ("active", "time"),
        ("recovery", "time"),
        ("active", "repeat_until_steps_cmplt"),
        ("cooldown", "time"),
    ]
    assert [s.get("duration_time") for s in steps] == [300.0, 120.0, 180.0, None, 300.0]
    assert steps[3]["duration_step"] == 1 and steps[3]["repeat_steps"] == 6
    assert steps[1]["notes"].startswith("easy, conversational")


def test_repeat_step_matches_the_sdk_example(setup: Any, plan: Plan, tmp_path: Path) -> None:
    sample = FIT_SAMPLES / "WorkoutRepeatSteps.fit"
    if not sample.is_file():
        pytest.skip(f"shared FIT samples not found at {FIT_SAMPLES} (../shared/samples is absent)")
    theirs = sdk_decode(sample.read_bytes())
    _export(setup, plan, tmp_path)
    ours = sdk_decode((tmp_path / "fit-workouts" / "walkrun-L4-6x-run2-walk3.fit").read_bytes())
    # Same message order; we add file_creator, which the SDK recommends and its 2009 example predates.
    assert [k for k in ours if k != "file_creator_mesgs"] == list(theirs)
    their_repeat = next(s for s in theirs["workout_step_mesgs"] if s["duration_type"] == "repeat_until_steps_cmplt")
    our_repeat = next(s for s in ours["workout_step_mesgs"] if s["duration_type"] == "repeat_until_steps_cmplt")
    assert set(our_repeat) == set(their_repeat), "same fields, same sub-fields (duration_step, repeat_steps)"
    for key in ("duration_type", "target_type", "intensity"):
        assert our_repeat[key] == their_repeat[key]
    # In both, the repeat follows the steps it repeats and points back at the first of them.
    for mesgs, repeat in ((theirs, their_repeat), (ours, our_repeat)):
        assert repeat["duration_value"] < repeat["message_index"]
        assert mesgs["workout_mesgs"][0]["num_valid_steps"] >= repeat["message_index"]
    assert {k: type(v) for k, v in our_repeat.items()} == {k: type(v) for k, v in their_repeat.items()}


def test_byte_identical_for_the_same_plan(setup: Any, plan: Plan, tmp_path: Path) -> None:
    first = _export(setup, plan, tmp_path / "a")
    second = _export(setup, plan, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    again = _export(setup, plan, tmp_path / "a")  # re-export over itself
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in second]


def test_one_file_per_distinct_session_with_safe_stable_names(setup: Any, plan: Plan, tmp_path: Path) -> None:
    paths = _export(setup, plan, tmp_path, weeks="8")
    fits = [p.name for p in paths if p.suffix == ".fit" and p.name != SCHEDULE_FILE]
    assert len(fits) == len(set(fits))
    assert all(NAME_RE.match(n) and len(n) <= 64 for n in fits), fits
    assert "walkrun-walk-30min.fit" in fits
    assert "walkrun-L4-6x-run2-walk3.fit" in fits
    assert any(n.startswith("walkrun-C") and "-run-" in n for n in fits), "continuous runs get their own files"
    readme = (tmp_path / "fit-workouts" / "README.txt").read_text("utf-8")
    assert "GARMIN/NewFiles" in readme
    # Sessions that share a file really are the same workout.
    by_date = schedule(readme)
    for name in set(by_date.values()):
        shapes = {
            tuple(s.model_dump_json() for s in plan.session_on(d).steps)  # type: ignore[union-attr]
            for d, n in by_date.items()
            if n == name
        }
        assert len(shapes) == 1, name


def test_continuous_run_has_no_repeat(setup: Any, plan: Plan, tmp_path: Path) -> None:
    paths = _export(setup, plan, tmp_path, weeks="8")
    run_file = next(p for p in paths if p.name.startswith("walkrun-C") and p.suffix == ".fit")
    messages = sdk_decode(run_file.read_bytes())
    assert messages["workout_mesgs"][0]["sport"] == "running"
    assert [s["intensity"] for s in messages["workout_step_mesgs"]] == ["warmup", "active", "cooldown"]


def test_rest_days_get_no_file_strength_days_unless_turned_off(setup: Any, plan: Plan, tmp_path: Path) -> None:
    _export(setup, plan, tmp_path / "on")
    by_date = schedule((tmp_path / "on" / "fit-workouts" / "README.txt").read_text("utf-8"))
    rest = [s for s in plan.sessions if s.kind is SessionKind.REST]
    strength = [s for s in plan.sessions if s.kind is SessionKind.STRENGTH and s.date < TODAY + dt.timedelta(weeks=4)]
    assert rest and not any(s.date in by_date for s in rest)
    assert strength and all(by_date[s.date].startswith("walkrun-strength-") for s in strength)
    _export(setup, plan, tmp_path / "off", strength="0")
    off = schedule((tmp_path / "off" / "fit-workouts" / "README.txt").read_text("utf-8"))
    assert not any(s.date in off for s in strength)


@pytest.mark.parametrize("weeks", [1, 2, 4])
def test_rolling_window(setup: Any, plan: Plan, tmp_path: Path, weeks: int) -> None:
    _export(setup, plan, tmp_path, weeks=str(weeks))
    readme = (tmp_path / "fit-workouts" / "README.txt").read_text("utf-8")
    dates = sorted(schedule(readme))
    assert dates and dates[0] >= TODAY
    assert dates[-1] < TODAY + dt.timedelta(weeks=weeks)
    assert dates[-1] >= TODAY + dt.timedelta(weeks=weeks) - dt.timedelta(days=7)


@pytest.mark.parametrize("bad", ["0", "-1", "53", "four", "1.5", ""])
def test_bad_weeks_option_is_a_clear_error(setup: Any, plan: Plan, tmp_path: Path, bad: str) -> None:
    with pytest.raises(UsageError, match="weeks"):
        _export(setup, plan, tmp_path, weeks=bad)


def test_stale_files_removed_others_kept(setup: Any, plan: Plan, tmp_path: Path) -> None:
    folder = tmp_path / "fit-workouts"
    wide = {p.name for p in _export(setup, plan, tmp_path, weeks="8")}
    (folder / "walkrun-old-export.fit").write_bytes(b"old")
    (folder / "my-own-workout.fit").write_bytes(b"mine")
    (folder / "notes.txt").write_text("keep me")
    narrow = {p.name for p in _export(setup, plan, tmp_path, weeks="1")}
    on_disk = {p.name for p in folder.iterdir()}
    assert narrow < wide
    assert on_disk == narrow | {"my-own-workout.fit", "notes.txt"}
    assert not any(n.startswith(".") for n in on_disk), "no temporary files left behind"


def test_empty_window_writes_readme_and_clears_old_files(setup: Any, plan: Plan, tmp_path: Path) -> None:
    _export(setup, plan, tmp_path)
    empty = plan.model_copy(update={"sessions": []})
    paths = _export(setup, empty, tmp_path)
    assert [p.name for p in paths] == ["README.txt"]
    assert "nothing to load" in paths[0].read_text("utf-8")
    assert not list((tmp_path / "fit-workouts").glob("*.fit"))


def _session(steps: list[Step], kind: SessionKind = SessionKind.WALK_RUN, level: str = "L9") -> Session:
    total = sum(s.total_s for s in steps)
    run = sum(s.seconds_of({StepKind.RUN}) for s in steps)
    return Session(
        date=TODAY,
        slot=str(TODAY),
        kind=kind,
        phase="walk-run",  # type: ignore[arg-type]
        level=level,
        title="test",
        steps=steps,
        run_s=run,
        walk_s=total - run,
        total_s=total,
        intensity="easy",
    )


def test_names_that_clash_get_a_content_hash() -> None:
    block = Step(
        kind=StepKind.REPEAT,
        repeat_count=4,
        steps=[Step(kind=StepKind.RUN, duration_s=90, label="run"), Step(kind=StepKind.WALK, duration_s=60)],
    )
    a = _session([Step(kind=StepKind.WARMUP, duration_s=300), block, Step(kind=StepKind.COOLDOWN, duration_s=300)])
    b = _session([Step(kind=StepKind.WARMUP, duration_s=600), block, Step(kind=StepKind.COOLDOWN, duration_s=300)])
    b = b.model_copy(update={"date": TODAY + dt.timedelta(days=2)})
    workouts = distinct_workouts([a, b, a.model_copy(update={"date": TODAY + dt.timedelta(days=4)})])
    assert len(workouts) == 2
    names = [w.file_name for w in workouts]
    assert len(set(names)) == 2
    assert all(re.match(r"^walkrun-L9-4x-run90s-walk1-[0-9a-f]{6}\.fit$", n) for n in names), names
    assert workouts[0].dates == [TODAY, TODAY + dt.timedelta(days=4)]
    assert [w.wkt_name for w in workouts] == ["WR L9 4x1:30/1"] * 2
    assert [w.file_name for w in distinct_workouts([a, b])] == names, "same input, same names"


def test_nested_repeats_and_open_steps_decode() -> None:
    inner = Step(
        kind=StepKind.REPEAT,
        repeat_count=3,
        steps=[Step(kind=StepKind.RUN, duration_s=60, label="run 1"), Step(kind=StepKind.WALK, duration_s=30)],
    )
    outer = Step(kind=StepKind.REPEAT, repeat_count=2, steps=[inner, Step(kind=StepKind.WALK, duration_s=120)])
    session = _session([Step(kind=StepKind.WARMUP, duration_s=300), outer, Step(kind=StepKind.COOLDOWN)])
    data = encode_workout(session, "nested", TODAY, "test")
    steps = sdk_decode(data)["workout_step_mesgs"]
    assert [s["duration_type"] for s in steps] == [
        "time",
        "time",
        "time",
        "repeat_until_steps_cmplt",
        "time",
        "repeat_until_steps_cmplt",
        "open",
    ]
    assert (steps[3]["duration_value"], steps[3]["target_value"]) == (1, 3)
    assert (steps[5]["duration_value"], steps[5]["target_value"]) == (1, 2)
    assert steps[2]["wkt_step_name"] == "walk" and steps[6]["wkt_step_name"] == "cool-down walk"
    done = execute([s for s in steps if s["duration_type"] != "open"])
    assert sum(sec for _, sec in done) == 300 + 2 * (3 * 90 + 120)
