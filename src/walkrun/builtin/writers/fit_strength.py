"""Strength and clearance-drill days as FIT workouts: one step per exercise, so the watch walks through them.

The plan names exercises but not sets or reps (the protocol leaves dosing to
the clinician), so each exercise is an open step: the runner presses lap when
it is done. Where one of Garmin's exercise categories fits (squat, lunge,
deadlift, calf raise, hip raise, plank, plyo, carry, core, hip stability) the
step carries it, so the watch shows the matching animation and logs sets
under that category; otherwise the step is named only.
"""

from __future__ import annotations

import datetime as dt
import re

from walkrun.domain.plan import Session, Step, StepKind
from walkrun.fit import encode as fe

__all__ = ["exercise_category", "strength_names", "strength_steps"]

# Order matters: the first keyword found wins ("split squat" is a lunge, "squat jumps" plyometrics).
CATEGORIES: list[tuple[tuple[str, ...], int, str]] = [
    (("jump", "hop", "bound", "skater", "plyo"), 20, "plyo"),
    (("split squat", "lunge"), 17, "lunge"),
    (("squat",), 28, "squat"),
    (("hinge", "deadlift"), 8, "deadlift"),
    (("heel raise", "calf"), 1, "calf_raise"),
    (("bridge",), 10, "hip_raise"),
    (("plank",), 19, "plank"),
    (("carry",), 3, "carry"),
    (("dead bug",), 5, "core"),
    (("airplane", "toe tap"), 11, "hip_stability"),
]
STEP_NAME_MAX = fe.STEP_NAME_SIZE - 1


def exercise_category(exercise: str) -> int | None:
    """Garmin's exercise_category number for a plan exercise, or None when none fits."""
    text = exercise.lower()
    for words, number, _ in CATEGORIES:
        if any(w in text for w in words):
            return number
    return None


def _short(exercise: str) -> str:
    """A step name that fits the watch, cut at a clause or a word; the full text goes to the notes.

    "Hip airplane: slow pelvic rotation ..." -> "Hip airplane";
    "Optional: 20-40 min easy cycling ..." -> "20-40 min easy cycling or".
    """
    parts = [p.strip() for p in re.split(r"[:(,]", exercise) if p.strip()]
    if len(parts) > 1 and parts[0].lower() == "optional":
        parts = parts[1:]
    head = parts[0] if parts else exercise.strip()
    if len(head) <= STEP_NAME_MAX:
        return head
    return head[: STEP_NAME_MAX + 1].rsplit(" ", 1)[0] or head[:STEP_NAME_MAX]


def _exercise_step(index: int, exercise: str, label: str, kind: StepKind) -> fe.Message:
    base = fe.workout_step(
        index,
        _short(exercise),
        duration_s=None,  # open: lap when done, since the plan sets no reps
        intensity=fe.Intensity.ACTIVE if kind is StepKind.STRENGTH else fe.Intensity.OTHER,
        notes=f"{label}: {exercise}" if label and label.lower() not in exercise.lower() else exercise,
    )
    category = exercise_category(exercise) if kind is StepKind.STRENGTH else None
    return fe.Message(base.mesg, {**base.values, "exercise_category": category})


def strength_steps(session: Session) -> list[fe.Message]:
    """Every exercise of the session's strength and cross-training steps, in order."""
    out: list[fe.Message] = []
    for step in session.steps:
        if step.kind not in (StepKind.STRENGTH, StepKind.CROSS_TRAINING):
            continue
        for exercise in step.exercises or [step.label or step.kind.value]:
            out.append(_exercise_step(len(out), exercise, step.label, step.kind))
    return out


def strength_names(session: Session, prefix: str) -> tuple[str, str]:
    """(file stem, watch name), e.g. ("walkrun-strength-6-drills", "Strength 6 + drills")."""
    head = session.title.split(".")[0].strip()  # "Strength 6. One-leg plyometrics ..." -> "Strength 6"
    drills = any("drill" in s.label.lower() for s in session.steps)
    stage = _stage(session.steps)
    stem = f"{prefix}strength-{stage}" + ("-drills" if drills else "")
    return stem, (head + (" + drills" if drills else ""))[: fe.WKT_NAME_SIZE - 1]


def _stage(steps: list[Step]) -> str:
    label = next((s.label for s in steps if s.kind is StepKind.STRENGTH and s.label), "")
    return re.sub(r"[^A-Za-z0-9]+", "-", label.split(".")[0]).strip("-").lower() or "session"


def encode_strength(session: Session, wkt_name: str, created: dt.datetime, serial: int) -> bytes:
    steps = strength_steps(session)
    head = [
        fe.file_id(fe.File.WORKOUT, created, serial),
        fe.file_creator(),
        fe.message(
            "workout",
            sport=int(fe.Sport.TRAINING),
            sub_sport=int(fe.SubSport.STRENGTH_TRAINING),
            num_valid_steps=len(steps),
            wkt_name=wkt_name,
        ),
    ]
    return fe.encode([*head, *steps])
