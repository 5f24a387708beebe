"""Other training platforms, as files only (no network): intervals.icu and Zwift/treadmill ``.zwo``.

``intervals``
    ``ATHLETE-intervals.json``: a bulk-events upload for intervals.icu, one
    planned workout per walk, walk-run and run, each with a stable
    ``external_id`` (athlete + plan slot) so uploading again with
    ``upsert=true`` updates events instead of duplicating them; each event's
    description is the workout in intervals.icu's workout text, which it turns
    into a structured workout (and syncs to Garmin, Zwift ...).
    ``ATHLETE-intervals.txt``: the same texts by date, to paste by hand.
``zwo``
    ``zwo-workouts/walkrun-*.zwo``: Zwift running workouts for a treadmill;
    intensities are fractions of the runner's threshold pace that Zwift
    scales, so the run parts are easy and the walks brisk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from xml.sax.saxutils import escape, quoteattr

from walkrun.builtin.writers.fit_workouts import PREFIX, distinct_workouts, weeks_option
from walkrun.domain.plan import Plan, Session, SessionKind, Step, StepKind
from walkrun.engine.targets import StepTarget, TargetKind, TargetMode, effort_with_options, run_target, target_mode
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.writers import ExportContext, Writer, atomic_write

__all__ = ["IntervalsWriter", "ZwoWriter", "intervals_events", "intervals_text", "zwo_document"]

ON_FOOT = {SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN}
_CUES = {
    StepKind.WARMUP: "Warm-up walk",
    StepKind.COOLDOWN: "Cool-down walk",
    StepKind.RUN: "Run easy",
    StepKind.WALK: "Walk",
    StepKind.BRISK_WALK: "Brisk walk",
}
# Zwift run intensities are fractions of threshold pace: brisk walking, easy running.
ZWO_WALK = 0.45
ZWO_RUN = 0.70


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"


def _hr_percent(target: StepTarget, max_hr: int | None) -> str:
    # intervals.icu reads "N-M% HR" as a share of the athlete's max heart rate (set in their settings).
    if max_hr is None:
        return ""
    return f" {round(100 * target.low / max_hr)}-{round(100 * target.high / max_hr)}% HR"


def _pace(speed_mps: float) -> str:
    seconds = round(1000 / speed_mps)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _target_text(kind: StepKind, target: StepTarget | None, max_hr: int | None) -> str:
    if kind is not StepKind.RUN or target is None:
        return ""
    if target.kind is TargetKind.HEART_RATE:
        return _hr_percent(target, max_hr)
    if target.kind is TargetKind.SPEED:
        return f" {_pace(target.low)}-{_pace(target.high)}/km Pace"
    return ""  # cadence targets are cycling-only (rpm) in intervals.icu's text


def _step_line(step: Step, target: StepTarget | None, max_hr: int | None) -> str:
    cue = _CUES.get(step.kind, step.label or step.kind.value)
    return f"- {cue} {_duration(step.duration_s or 0)}{_target_text(step.kind, target, max_hr)}"


def _flat(steps: list[Step]) -> list[Step]:
    out: list[Step] = []
    for step in steps:
        if step.kind is StepKind.REPEAT:
            out += _flat(step.steps) * (step.repeat_count or 1)
        else:
            out.append(step)
    return out


def intervals_text(session: Session, target: StepTarget | None, max_hr: int | None) -> str:
    """The session in intervals.icu's workout text: sections, ``- cue duration target`` steps, ``Nx`` repeats."""
    blocks: list[str] = []
    for step in session.steps:
        if step.kind is StepKind.REPEAT and step.steps:
            # intervals.icu has no nested repeats: an inner repeat is written out in full.
            lines = [_step_line(s, target, max_hr) for s in _flat(step.steps)]
            blocks.append("\n".join([f"Main set {step.repeat_count or 1}x", *lines]))
        elif step.duration_s:
            blocks.append(_step_line(step, target, max_hr))
    if session.intensity:
        blocks.insert(0, session.intensity[:1].upper() + session.intensity[1:])
    return "\n\n".join(blocks) + "\n"


def _targets(context: ExportContext) -> tuple[StepTarget | None, int | None]:
    mode = target_mode(context.options)
    facts = effort_with_options(context.effort, context.options)
    if mode is TargetMode.CADENCE:
        mode = TargetMode.NONE
    return run_target(mode, facts, context.profile.preferences), facts.max_hr_bpm


def _window(plan: Plan, context: ExportContext) -> list[Session]:
    end = plan.today + dt.timedelta(weeks=weeks_option(context.options))
    return [s for s in plan.sessions if plan.today <= s.date < end and s.kind in ON_FOOT and s.steps]


def intervals_events(plan: Plan, context: ExportContext) -> list[dict[str, Any]]:
    """The bulk-events upload: one planned workout per session, keyed by a stable external id."""
    target, max_hr = _targets(context)
    at = context.profile.preferences.session_time.replace(tzinfo=None, microsecond=0)
    return [
        {
            "category": "WORKOUT",
            "start_date_local": dt.datetime.combine(s.date, at).isoformat(),
            "type": "Walk" if s.kind is SessionKind.BRISK_WALK else "Run",
            "name": s.title,
            "description": intervals_text(s, target, max_hr),
            "moving_time": s.total_s,
            "external_id": f"walkrun-{plan.athlete_id}-{s.slot}",
        }
        for s in _window(plan, context)
    ]


class IntervalsWriter(Writer):
    """intervals.icu: a bulk-events JSON (stable external ids) and the workouts as text."""

    name: ClassVar[str] = "intervals"
    description: ClassVar[str] = "intervals.icu planned workouts: bulk-events JSON to upload, and workout text"
    extension: ClassVar[str] = ".json"
    uses_effort: ClassVar[bool] = True

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        events = intervals_events(plan, context)
        data = json.dumps(events, indent=2, ensure_ascii=False) + "\n"
        text = "".join(
            f"{e['start_date_local'][:10]}  {e['name']}  [{e['external_id']}]\n{e['description']}\n" for e in events
        )
        return [
            atomic_write(out_dir / f"{plan.athlete_id}-intervals.json", data.encode("utf-8")),
            atomic_write(out_dir / f"{plan.athlete_id}-intervals.txt", text.encode("utf-8")),
        ]


def _zwo_blocks(session: Session) -> list[str]:
    def level(kind: StepKind) -> float:
        return ZWO_RUN if kind is StepKind.RUN else ZWO_WALK

    out = []
    for step in session.steps:
        children = step.steps
        if step.kind is StepKind.REPEAT and len(children) == 2 and not any(c.steps for c in children):
            on, off = children
            out.append(
                f'<IntervalsT Repeat="{step.repeat_count or 1}" OnDuration="{on.duration_s or 0}" '
                f'OffDuration="{off.duration_s or 0}" OnPower="{level(on.kind)}" OffPower="{level(off.kind)}" '
                'pace="0"/>'
            )
            continue
        for part in _flat([step]) if step.kind is StepKind.REPEAT else [step]:
            if part.duration_s:
                out.append(f'<SteadyState Duration="{part.duration_s}" Power="{level(part.kind)}" pace="0"/>')
    return out


def zwo_document(session: Session, name: str) -> str:
    """A Zwift workout (``sportType`` run) for a treadmill, deterministic text."""
    blocks = "\n".join(f"    {b}" for b in _zwo_blocks(session))
    return (
        "<workout_file>\n"
        "  <author>walkrun</author>\n"
        f"  <name>{escape(name)}</name>\n"
        f"  <description>{escape(session.title + ('. ' + session.intensity if session.intensity else ''))}"
        "</description>\n"
        "  <sportType>run</sportType>\n"
        f"  <tags><tag name={quoteattr('walkrun')}/></tags>\n"
        f"  <workout>\n{blocks}\n  </workout>\n"
        "</workout_file>\n"
    )


class ZwoWriter(Writer):
    """Zwift ``.zwo`` run workouts for treadmill runners (one per distinct walk/run in the window)."""

    name: ClassVar[str] = "zwo"
    description: ClassVar[str] = "Zwift .zwo run workouts for the treadmill (option weeks=4)"
    extension: ClassVar[str] = ".zwo"

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        folder = out_dir / "zwo-workouts"
        written = []
        workouts = distinct_workouts(_window(plan, context))
        for w in workouts:
            data = zwo_document(w.session, w.wkt_name).encode("utf-8")
            written.append(atomic_write(folder / f"{w.stem}{self.extension}", data))
        keep = {p.name for p in written}
        for old in sorted(folder.glob(f"{PREFIX}*{self.extension}")) if folder.is_dir() else []:
            if old.name not in keep:
                old.unlink()
        return written


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(IntervalsWriter)
    register(ZwoWriter)
