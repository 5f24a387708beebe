"""Writes the coming walks and walk-runs as FIT workout files a watch can follow.

Each distinct session becomes one file: warm-up walk, then each run and walk
interval as its own step inside a repeat step (so the watch cues every
change), then the cool-down walk. Watches hold a limited number of workouts,
so only a rolling window of weeks is exported; files from earlier exports
that fell out of the window are removed from the output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from walkrun.builtin.writers.fit_strength import encode_strength, strength_names
from walkrun.domain.errors import UsageError
from walkrun.domain.plan import Plan, Session, SessionKind, Step, StepKind
from walkrun.engine.targets import (
    StepTarget,
    TargetKind,
    boost_option,
    effort_with_options,
    run_target,
    target_mode,
    walk_target,
)
from walkrun.fit import encode as fe
from walkrun.fit import schedule as fsch
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.writers import ExportContext, Writer, atomic_write

FOLDER = "fit-workouts"
PREFIX = "walkrun-"
README = "README.txt"
SCHEDULE_FILE = f"{PREFIX}schedule.fit"
DEFAULT_WEEKS = 4
MAX_WEEKS = 52
WATCH_KINDS = {SessionKind.WALK_RUN, SessionKind.RUN, SessionKind.BRISK_WALK, SessionKind.STRENGTH}
WKT_NAME_MAX = fe.WKT_NAME_SIZE - 1

SPORTS = {
    SessionKind.WALK_RUN: fe.Sport.RUNNING,
    SessionKind.RUN: fe.Sport.RUNNING,
    SessionKind.BRISK_WALK: fe.Sport.WALKING,
}
INTENSITIES = {
    StepKind.WARMUP: fe.Intensity.WARMUP,
    StepKind.COOLDOWN: fe.Intensity.COOLDOWN,
    StepKind.RUN: fe.Intensity.ACTIVE,
    StepKind.BRISK_WALK: fe.Intensity.ACTIVE,
    # A walk between runs is the recovery part of the interval.
    StepKind.WALK: fe.Intensity.RECOVERY,
    StepKind.REST: fe.Intensity.REST,
    StepKind.STRENGTH: fe.Intensity.OTHER,
    StepKind.CROSS_TRAINING: fe.Intensity.OTHER,
}
DEFAULT_STEP_NAMES = {
    StepKind.WARMUP: "warm-up walk",
    StepKind.COOLDOWN: "cool-down walk",
    StepKind.RUN: "run",
    StepKind.WALK: "walk",
    StepKind.BRISK_WALK: "brisk walk",
    StepKind.REST: "rest",
    StepKind.STRENGTH: "strength",
    StepKind.CROSS_TRAINING: "cross-training",
}


@dataclass
class Workout:
    """One distinct session shape and the dates it is planned on."""

    key: str
    session: Session
    stem: str
    wkt_name: str
    dates: list[dt.date] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return f"{self.stem}.fit"


def weeks_option(options: dict[str, str]) -> int:
    """The ``weeks`` writer option: how many weeks from the plan's today to export."""
    raw = options.get("weeks", str(DEFAULT_WEEKS)).strip()
    try:
        weeks = int(raw)
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(f"fit writer: option weeks must be a whole number from 1 to {MAX_WEEKS}, got {raw!r}")
    return weeks


def _session_key(session: Session) -> str:
    # Brisk walks and strength days look the same at every run level, so the level does not split them.
    level = None if session.kind in (SessionKind.BRISK_WALK, SessionKind.STRENGTH) else session.level
    steps = [s.model_dump(mode="json") for s in session.steps]
    return json.dumps([session.kind.value, level, session.intensity, steps], sort_keys=True)


def _minutes(seconds: int) -> str:
    """Short duration for names: whole minutes as '2', otherwise 'm:ss'."""
    minutes, rest = divmod(seconds, 60)
    return str(minutes) if rest == 0 else f"{minutes}:{rest:02d}"


def _file_minutes(seconds: int) -> str:
    return str(seconds // 60) if seconds % 60 == 0 else f"{seconds}s"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def _single_repeat(session: Session) -> Step | None:
    """The interval block when the session is warm-up / one repeat of run+walk / cool-down."""
    repeats = [s for s in session.steps if s.kind is StepKind.REPEAT]
    if len(repeats) != 1:
        return None
    kinds = [s.kind for s in repeats[0].steps]
    return repeats[0] if kinds == [StepKind.RUN, StepKind.WALK] else None


def _names(session: Session) -> tuple[str, str]:
    """(file stem, name shown on the watch) for a session."""
    if session.kind is SessionKind.STRENGTH:
        return strength_names(session, PREFIX)
    level = session.level or ""
    lvl_file = f"{_safe(level)}-" if _safe(level) else ""
    lvl_name = f" {level}" if level else ""
    total = _file_minutes(session.total_s)
    if session.kind is SessionKind.WALK_RUN:
        block = _single_repeat(session)
        if block is not None:
            run_s, walk_s = (s.duration_s or 0 for s in block.steps)
            count = block.repeat_count or 1
            stem = f"{PREFIX}{lvl_file}{count}x-run{_file_minutes(run_s)}-walk{_file_minutes(walk_s)}"
            return stem, f"WR{lvl_name} {count}x{_minutes(run_s)}/{_minutes(walk_s)}"
        return f"{PREFIX}{lvl_file}walkrun-{total}min", f"WR{lvl_name} {_minutes(session.total_s)}min"
    if session.kind is SessionKind.RUN:
        run = _file_minutes(session.run_s)
        return f"{PREFIX}{lvl_file}run-{run}min", f"Run{lvl_name} {_minutes(session.run_s)}min"
    walk = _file_minutes(session.total_s)
    return f"{PREFIX}walk-{walk}min", f"Brisk walk {_minutes(session.total_s)}min"


def distinct_workouts(sessions: list[Session]) -> list[Workout]:
    """Group sessions with the same steps; names are unique and stable for the same plan."""
    by_key: dict[str, Workout] = {}
    for s in sorted(sessions, key=lambda s: s.date):
        key = _session_key(s)
        if key not in by_key:
            stem, wkt_name = _names(s)
            by_key[key] = Workout(key, s, stem, wkt_name[:WKT_NAME_MAX])
        by_key[key].dates.append(s.date)
    workouts = list(by_key.values())
    stems: dict[str, list[Workout]] = {}
    for w in workouts:
        stems.setdefault(w.stem, []).append(w)
    for clash in stems.values():
        if len(clash) > 1:
            # Same summary, different details (say a longer warm-up): a content hash keeps both.
            for w in clash:
                w.stem += "-" + hashlib.sha1(w.key.encode("utf-8")).hexdigest()[:6]
    return workouts


def _step_name(step: Step) -> str:
    if step.kind is StepKind.REPEAT:
        return step.label or f"repeat {step.repeat_count or 1}x"
    return step.label or DEFAULT_STEP_NAMES.get(step.kind, step.kind.value)


def _step_notes(step: Step, session: Session) -> str:
    # The session's intensity cue ("easy, conversational ...") belongs to the effort steps.
    return session.intensity if step.kind in (StepKind.RUN, StepKind.BRISK_WALK) else ""


@dataclass(frozen=True)
class Targets:
    """What the watch holds run and walk steps to (None = open step)."""

    run: StepTarget | None = None
    walk: StepTarget | None = None

    def for_step(self, kind: StepKind) -> StepTarget | None:
        if kind is StepKind.RUN:
            return self.run
        # Warm-up and cool-down stay open: they are for easing in and out.
        return self.walk if kind in (StepKind.WALK, StepKind.BRISK_WALK) else None


def fit_target(target: StepTarget | None) -> fe.CustomTarget | None:
    if target is None:
        return None
    if target.kind is TargetKind.HEART_RATE:
        return fe.CustomTarget.heart_rate_bpm(target.low, target.high)
    if target.kind is TargetKind.CADENCE:
        return fe.CustomTarget.cadence_spm(target.low, target.high)
    return fe.CustomTarget.speed_mps(target.low, target.high)


def targets_for(context: ExportContext) -> Targets:
    """The run and walk targets the export's options and the runner's known effort give."""
    mode = target_mode(context.options)
    facts = effort_with_options(context.effort, context.options)
    prefs = context.profile.preferences
    boost = boost_option(context.options)
    return Targets(run_target(mode, facts, prefs, cadence_boost_pct=boost), walk_target(mode, prefs))


def workout_steps(session: Session, targets: Targets | None = None) -> list[fe.Message]:
    """The session's steps as FIT workout_step messages, repeats placed after the steps they repeat."""
    out: list[fe.Message] = []
    targets = targets or Targets()

    def add(steps: list[Step]) -> None:
        for step in steps:
            if step.kind is StepKind.REPEAT:
                if not step.steps:
                    continue
                first = len(out)
                add(step.steps)
                count = step.repeat_count or 1
                if count > 1:
                    out.append(fe.repeat_step(len(out), first, count, _step_name(step)))
                continue
            out.append(
                fe.workout_step(
                    len(out),
                    _step_name(step),
                    duration_s=step.duration_s,
                    intensity=INTENSITIES.get(step.kind, fe.Intensity.OTHER),
                    notes=_step_notes(step, session),
                    target=fit_target(targets.for_step(step.kind)),
                )
            )

    add(session.steps)
    return out


def _created_at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def encode_workout(
    session: Session, wkt_name: str, created: dt.date, serial_key: str, targets: Targets | None = None
) -> bytes:
    """One FIT workout file for ``session``; ``created`` and ``serial_key`` make it deterministic."""
    steps = workout_steps(session, targets)
    created_at = _created_at(created)
    head = [
        # Watches tell workouts apart by type + manufacturer + product + serial.
        fe.file_id(fe.File.WORKOUT, created_at, fe.serial_for(serial_key)),
        fe.file_creator(),
        fe.workout(wkt_name, SPORTS.get(session.kind, fe.Sport.GENERIC), len(steps)),
    ]
    return fe.encode([*head, *steps])


def _target_lines(targets: Targets) -> list[str]:
    lines = ["Targets (the watch alerts when you leave the range; change with --targets none|hr|pace|cadence)"]
    for what, target in (("run steps", targets.run), ("walk steps", targets.walk)):
        lines.append(f"  {what}: {target.describe() if target else 'open (no target)'}")
    return [*lines, ""]


def _readme(
    plan: Plan,
    context: ExportContext,
    workouts: list[Workout],
    weeks: int,
    last_day: dt.date,
    targets: Targets | None = None,
) -> str:
    who = context.profile.name or plan.athlete_id
    lines = [
        f"walkrun watch workouts for {who}",
        f"Plan of {plan.today.isoformat()}, next {weeks} week(s): {plan.today.isoformat()} to {last_day.isoformat()}",
        "",
        "Load them onto a Garmin watch",
        "1. Connect the watch to the computer with its USB cable; it shows up as a drive called GARMIN.",
        "2. Copy the walkrun-*.fit files from this folder into the GARMIN/NewFiles folder on the watch.",
        "3. Eject the watch and unplug it. It imports the files and lists them under Training > Workouts.",
        "(Watches that do not appear as a drive, e.g. on macOS, need an MTP file-transfer app.)",
        f"{SCHEDULE_FILE} puts each workout on its day; watches that read schedule files show it",
        "in their calendar. Many newer watches ignore it (they take schedules from Garmin Connect only):",
        "the list below says which workout is for which day.",
        "",
        "These files are rewritten on every export. Copy them again after the plan changes;",
        "delete old walkrun workouts on the watch from its workout list.",
        "",
    ]
    if not workouts:
        lines.append("No walks or runs are planned in this window, so there is nothing to load.")
        return "\n".join(lines) + "\n"
    lines += _target_lines(targets or Targets())
    lines += ["Schedule (* = provisional: assumes the sessions before it go pain-free)"]
    by_date = sorted(((d, w) for w in workouts for d in w.dates), key=lambda item: item[0])
    for day, w in by_date:
        mark = "*" if _provisional(plan, day) else " "
        lines.append(f"  {day:%a} {day.isoformat()}{mark} {w.file_name:<34} {w.wkt_name}")
    lines += ["", "Files"]
    for w in workouts:
        lines.append(f"  {w.file_name}: {w.wkt_name} ({_minutes(w.session.total_s)} min)")
        lines.append(f"    {w.session.title}")
        lines.append(f"    steps: {_describe(w.session.steps)}")
        lines.append(f"    dates: {', '.join(d.isoformat() for d in w.dates)}")
    return "\n".join(lines) + "\n"


def _provisional(plan: Plan, day: dt.date) -> bool:
    s = plan.session_on(day)
    return bool(s and s.provisional)


def _describe(steps: list[Step]) -> str:
    parts = []
    for step in steps:
        if step.kind is StepKind.REPEAT:
            parts.append(f"{step.repeat_count or 1} x ({_describe(step.steps)})")
        elif step.duration_s and not _step_name(step).endswith("min"):
            parts.append(f"{_step_name(step)} {_minutes(step.duration_s)} min")
        else:
            parts.append(_step_name(step))
    return "; ".join(parts)


def encode_plan_schedule(plan: Plan, context: ExportContext, workouts: list[Workout]) -> bytes:
    """The schedule file: each planned day points at its workout file (same file_id identity)."""
    at = context.profile.preferences.session_time.replace(tzinfo=None)
    created = _created_at(plan.today)
    entries = [
        fsch.Planned(fe.serial_for(f"{plan.athlete_id}:{w.stem}"), created, dt.datetime.combine(day, at))
        for w in workouts
        for day in w.dates
    ]
    return fsch.encode_schedule(entries, created, fe.serial_for(f"{plan.athlete_id}:schedule"))


def _flag_on(options: dict[str, str], key: str) -> bool:
    """Options on by default: only an explicit 0/false/no/off turns them off."""
    return options.get(key, "1").strip().lower() not in {"0", "false", "no", "off"}


class FitWorkoutWriter(Writer):
    """FIT workout files for the next few weeks, ready to copy to a watch's GARMIN/NewFiles."""

    name = "fit"
    description = "FIT workouts for the watch (one file per distinct walk/run in the next weeks; option weeks=4)"
    extension = ".fit"
    uses_effort = True

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        weeks = weeks_option(context.options)
        targets = targets_for(context)
        end = plan.today + dt.timedelta(weeks=weeks)  # exclusive
        kinds = WATCH_KINDS if _flag_on(context.options, "strength") else WATCH_KINDS - {SessionKind.STRENGTH}
        sessions = [s for s in plan.sessions if plan.today <= s.date < end and s.kind in kinds and s.steps]
        workouts = distinct_workouts(sessions)
        folder = out_dir / FOLDER
        written: list[Path] = []
        for w in workouts:
            key = f"{plan.athlete_id}:{w.stem}"
            if w.session.kind is SessionKind.STRENGTH:
                data = encode_strength(w.session, w.wkt_name, _created_at(plan.today), fe.serial_for(key))
            else:
                data = encode_workout(w.session, w.wkt_name, plan.today, key, targets)
            written.append(atomic_write(folder / w.file_name, data))
        if workouts:
            schedule = encode_plan_schedule(plan, context, workouts)
            written.append(atomic_write(folder / SCHEDULE_FILE, schedule))
        keep = {w.file_name for w in workouts} | ({SCHEDULE_FILE} if workouts else set())
        if folder.is_dir():
            for old in sorted(folder.glob(f"{PREFIX}*.fit")):
                if old.name not in keep and old.is_file():
                    old.unlink()
        text = _readme(plan, context, workouts, weeks, end - dt.timedelta(days=1), targets)
        written.append(atomic_write(folder / README, text.encode("utf-8")))
        return written


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(FitWorkoutWriter)
