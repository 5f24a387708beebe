"""Run and walk blocks: the prescribed session's steps and what the watch recorded, on one timeline.

``prescribed_blocks`` flattens a session's steps (repeats expanded);
``executed_blocks`` builds the blocks the runner did from laps when the watch
followed the structured workout, else from the classified walk/run segments,
looking inside the sample columns where a lap or a short walk is in doubt.
``walkrun.evidence.adherence`` matches the two sides and scores the result.

Everything here is pure: no I/O, no clock, the same inputs give the same answer.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.activities import Activity, Lap, LapIntensity
from walkrun.domain.models import Preferences
from walkrun.domain.plan import Session, Step, StepKind
from walkrun.domain.sample_columns import SampleColumns, present
from walkrun.evidence.classify import MIN_RUN_BLOCK_S, Classification, Motion, Segment, Thresholds, motion_of

__all__ = ["Block", "BlockKind", "Part", "executed_blocks", "prescribed_blocks"]


# A few seconds of walking inside a run (a kerb, a crossing, a stride that drops
# cadence) does not split a run block; 15 s is also the longest smart-recording gap.
RUN_MERGE_GAP_S = 15.0
# classify drops run pieces shorter than MIN_RUN_BLOCK_S before it bridges dips, so a
# run with stride dips close together shows a "walk" of up to ~40 s in the middle. A
# walk that short with no stretch of walking samples as long as RUN_MERGE_GAP_S is
# that artefact, not a walk break.
MAX_ARTEFACT_WALK_S = 60.0
# A stop longer than this (a long traffic light, a chat) ends a block; shorter ones are ignored.
MAX_STOP_IN_BLOCK_S = 120.0
# A lap without an intensity is trusted as one step only when it is mostly one thing:
# auto-laps every kilometre in a walk-run mix both and must not be read as steps.
LAP_HOMOGENEITY = 0.75
# Laps must account for nearly all of the activity before they replace the segments.
LAP_COVERAGE = 0.9
# A lap is judged from its samples only when they cover at least half of it.
SAMPLE_COVERAGE = 0.5


class BlockKind(StrEnum):
    RUN = "run"
    WALK = "walk"


class Part(StrEnum):
    """Where a block sits: warm-up and cool-down walks are flagged, the rest is the main set."""

    WARMUP = "warmup"
    MAIN = "main"
    COOLDOWN = "cooldown"


class Block(BaseModel):
    """One stretch of running or walking.

    Prescribed blocks start at their nominal offset from the session start;
    executed blocks at seconds since the activity start. ``duration_s`` is
    moving time.
    """

    model_config = ConfigDict(frozen=True)

    kind: BlockKind
    start_s: float = Field(ge=0)
    duration_s: float = Field(ge=0)
    part: Part = Part.MAIN


# ---------------------------------------------------------------------------
# Prescribed blocks

_STEP_BLOCKS: dict[StepKind, tuple[BlockKind, Part]] = {
    StepKind.RUN: (BlockKind.RUN, Part.MAIN),
    StepKind.WALK: (BlockKind.WALK, Part.MAIN),
    StepKind.BRISK_WALK: (BlockKind.WALK, Part.MAIN),
    StepKind.WARMUP: (BlockKind.WALK, Part.WARMUP),
    StepKind.COOLDOWN: (BlockKind.WALK, Part.COOLDOWN),
}


def _leaf_steps(steps: Sequence[Step]) -> Iterator[Step]:
    for step in steps:
        if step.kind is StepKind.REPEAT:
            for _ in range(step.repeat_count or 1):
                yield from _leaf_steps(step.steps)
        else:
            yield step


def prescribed_blocks(session: Session) -> list[Block]:
    """The session's steps as a flat timeline of run and walk blocks, repeats expanded.

    Strength, cross-training and rest steps are not on-foot time and give no
    block (a rest step still moves the nominal clock on).
    """
    blocks: list[Block] = []
    t = 0.0
    for step in _leaf_steps(session.steps):
        seconds = float(step.duration_s or 0)
        mapped = _STEP_BLOCKS.get(step.kind)
        if mapped is not None and seconds > 0:
            kind, part = mapped
            blocks.append(Block(kind=kind, start_s=t, duration_s=seconds, part=part))
        t += seconds
    # Two run steps back to back are one run for the runner, so they are one block here too.
    return _merge_adjacent(blocks)


# ---------------------------------------------------------------------------
# Executed blocks


@dataclass(frozen=True)
class _Span:
    """A piece of the classified timeline; ``kind`` None means stopped."""

    kind: BlockKind | None
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


_MOTION_KIND: dict[Motion, BlockKind | None] = {
    Motion.RUN: BlockKind.RUN,
    Motion.BRISK_WALK: BlockKind.WALK,
    Motion.SLOW_WALK: BlockKind.WALK,
    Motion.STOPPED: None,
}

# Lap intensity as the readers give it (FIT enum: active 0, rest 1, warmup 2,
# cooldown 3, recovery 4, interval 5). The workout writer marks run steps
# active and the walks between them recovery.
_INTENSITY_BLOCKS: dict[LapIntensity, tuple[BlockKind, Part]] = {
    LapIntensity.ACTIVE: (BlockKind.RUN, Part.MAIN),
    LapIntensity.INTERVAL: (BlockKind.RUN, Part.MAIN),
    LapIntensity.RECOVERY: (BlockKind.WALK, Part.MAIN),
    LapIntensity.REST: (BlockKind.WALK, Part.MAIN),
    LapIntensity.WARMUP: (BlockKind.WALK, Part.WARMUP),
    LapIntensity.COOLDOWN: (BlockKind.WALK, Part.COOLDOWN),
}


def _spans(segments: Sequence[Segment]) -> list[_Span]:
    ordered = sorted(segments, key=lambda s: s.start_s)
    return [_Span(_MOTION_KIND[s.kind], s.start_s, s.start_s + s.duration_s) for s in ordered if s.duration_s > 0]


def _clip(spans: Sequence[_Span], start: float, end: float) -> list[_Span]:
    out = []
    for s in spans:
        lo, hi = max(s.start_s, start), min(s.end_s, end)
        if hi > lo:
            out.append(_Span(s.kind, lo, hi))
    return out


def _merge_adjacent(blocks: Sequence[Block]) -> list[Block]:
    """Join neighbours of the same kind. Walks keep their warm-up/cool-down flag apart;
    a run that crosses a lap boundary is still one run."""
    out: list[Block] = []
    for b in blocks:
        if out and out[-1].kind is b.kind and (b.kind is BlockKind.RUN or out[-1].part is b.part):
            last = out[-1]
            part = last.part if last.part is b.part else Part.MAIN
            out[-1] = Block(kind=b.kind, start_s=last.start_s, duration_s=last.duration_s + b.duration_s, part=part)
        else:
            out.append(b)
    return out


WalkStretch = Callable[[float, float], float]
"""(start_s, end_s) -> the longest unbroken stretch of non-running samples in that window, in seconds."""


class _SampleWalkStretch:
    """Looks inside a window of samples with classify's own per-sample rules and thresholds."""

    def __init__(self, cols: SampleColumns, th: Thresholds) -> None:
        self._t = cols.time_s  # in time order
        self._run = [
            motion_of(v if present(v) else None, c if present(c) else None, th) is Motion.RUN
            for v, c in zip(cols.speed_mps, cols.cadence_spm, strict=True)
        ]

    def __call__(self, start_s: float, end_s: float) -> float:
        # A sample labels the interval that ends at it, as in classify.
        lo = max(1, bisect.bisect_right(self._t, start_s))
        hi = bisect.bisect_right(self._t, end_s)
        best = current = 0.0
        for k in range(lo, hi):
            current = 0.0 if self._run[k] else current + self._t[k] - self._t[k - 1]
            best = max(best, current)
        return best


def _no_samples(start_s: float, end_s: float) -> float:
    return end_s - start_s  # nothing to look inside: the whole window counts as walking


def _is_run_gap(walk: Block, walk_stretch: WalkStretch) -> bool:
    if walk.duration_s < RUN_MERGE_GAP_S:
        return True
    return (
        walk.duration_s <= MAX_ARTEFACT_WALK_S
        and walk_stretch(walk.start_s, walk.start_s + walk.duration_s) < RUN_MERGE_GAP_S
    )


def _absorb_short_walks(blocks: Sequence[Block], walk_stretch: WalkStretch = _no_samples) -> list[Block]:
    """run, short walk, run -> one run block (the walk counted as part of it)."""
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if (
            out
            and out[-1].kind is BlockKind.RUN
            and b.kind is BlockKind.WALK
            and i + 1 < len(blocks)
            and blocks[i + 1].kind is BlockKind.RUN
            and _is_run_gap(b, walk_stretch)
        ):
            nxt = blocks[i + 1]
            last = out[-1]
            out[-1] = last.model_copy(update={"duration_s": last.duration_s + b.duration_s + nxt.duration_s})
            i += 2
            continue
        out.append(b)
        i += 1
    return out


def _blocks_from_spans(spans: Sequence[_Span], walk_stretch: WalkStretch, part: Part = Part.MAIN) -> list[Block]:
    """Moving spans -> blocks: stops ignored (long ones split), blips merged, short runs walked."""
    raw: list[Block] = []
    split = True
    for s in spans:
        if s.kind is None:
            split = split or s.duration_s > MAX_STOP_IN_BLOCK_S
            continue
        if raw and not split and raw[-1].kind is s.kind:
            last = raw[-1]
            raw[-1] = last.model_copy(update={"duration_s": last.duration_s + s.duration_s})
        else:
            raw.append(Block(kind=s.kind, start_s=s.start_s, duration_s=s.duration_s, part=part))
        split = False
    merged = _absorb_short_walks(raw, walk_stretch)
    # A run piece shorter than classify's shortest real jog (clipped at a lap edge,
    # or a few strides) is walking with a burst in it, as classify itself treats it.
    relabelled = [
        b.model_copy(update={"kind": BlockKind.WALK})
        if b.kind is BlockKind.RUN and b.duration_s < MIN_RUN_BLOCK_S
        else b
        for b in merged
    ]
    return _merge_adjacent(relabelled)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _lap_motion(lap: Lap, cols: SampleColumns, th: Thresholds) -> Motion | None:
    """A lap with no intensity, judged by its average cadence and speed with classify's rules."""
    lo = bisect.bisect_left(cols.time_s, lap.start_s)
    hi = bisect.bisect_left(cols.time_s, lap.start_s + lap.elapsed_s)
    speed = _mean([v for v in cols.speed_mps[lo:hi] if present(v)])
    cadence = _mean([c for c in cols.cadence_spm[lo:hi] if c > 0])
    if speed is None and lap.distance_m is not None:
        seconds = lap.moving_s if lap.moving_s is not None else lap.elapsed_s
        speed = lap.distance_m / seconds if seconds > 0 else None
    if speed is None and cadence is None:
        return None
    return motion_of(speed, cadence, th)


def _lap_blocks(
    lap: Lap, kind: BlockKind, part: Part, spans: Sequence[_Span], walk_stretch: WalkStretch
) -> list[Block]:
    """One lap -> its block(s): the lap's kind when it has no samples, else what its samples show."""
    if not spans:
        seconds = lap.moving_s if lap.moving_s is not None else lap.elapsed_s
        return [Block(kind=kind, start_s=lap.start_s, duration_s=seconds, part=part)] if seconds > 0 else []
    # The lap says what was asked, the samples what was done: a run carried on into
    # the walk step, a jog in the cool-down or a walk break inside a long run lap
    # all show only in the samples. The lap keeps the warm-up/cool-down flag.
    return _blocks_from_spans(spans, walk_stretch, part)


def _lap_plan(
    activity: Activity, classification: Classification, th: Thresholds
) -> list[tuple[Lap, BlockKind, Part, list[_Span]]] | None:
    """Each usable lap with its kind, part and samples; None when the laps cannot stand for steps."""
    laps = sorted((lap for lap in activity.laps if lap.elapsed_s > 0), key=lambda lap: lap.start_s)
    if len(laps) < 2:
        return None  # one lap is the whole activity: nothing to learn from it
    if activity.elapsed_s > 0 and sum(lap.elapsed_s for lap in laps) < LAP_COVERAGE * activity.elapsed_s:
        return None
    has_samples = classification.method in ("cadence", "speed")
    spans = _spans(classification.segments) if has_samples else []
    # Devices mark every lap of a free run "active"; intensity shows a structured
    # workout only when the laps carry more than one kind of it.
    known = {lap.intensity for lap in laps if lap.intensity in _INTENSITY_BLOCKS}
    structured = len(known) >= 2
    plan: list[tuple[Lap, BlockKind, Part, list[_Span]]] = []
    for lap in laps:
        end = lap.start_s + lap.elapsed_s
        inside = _clip(spans, lap.start_s, end)
        if sum(s.duration_s for s in inside) < SAMPLE_COVERAGE * lap.elapsed_s:
            inside = []
        mapped = _INTENSITY_BLOCKS.get(lap.intensity) if structured and lap.intensity else None
        if mapped is not None:
            plan.append((lap, mapped[0], mapped[1], inside))
            continue
        motion = _lap_motion(lap, activity.columns, th)
        if motion is None:
            return None  # a lap we cannot judge: the segments know more
        kind = _MOTION_KIND[motion]
        if kind is None:
            continue  # a lap spent standing still
        moving = [s for s in inside if s.kind is not None]
        total = sum(s.duration_s for s in moving)
        if total > 0:
            dominant = max(sum(s.duration_s for s in moving if s.kind is k) for k in BlockKind)
            if dominant < LAP_HOMOGENEITY * total:
                return None  # auto-laps (every km) mixing run and walk are not steps
        plan.append((lap, kind, Part.MAIN, inside))
    return plan


def executed_blocks(
    activity: Activity, classification: Classification, prefs: Preferences | None = None
) -> tuple[list[Block], str]:
    """The run and walk blocks the runner did, and where they came from ("laps" or "segments").

    ``prefs`` must be the preferences ``classification`` was made with; its
    thresholds judge laps that carry no intensity.
    """
    th = Thresholds.from_preferences(prefs or Preferences())
    walk_stretch = _SampleWalkStretch(activity.columns, th)
    plan = _lap_plan(activity, classification, th)
    if plan is None:
        return _blocks_from_spans(_spans(classification.segments), walk_stretch), "segments"
    blocks: list[Block] = []
    for lap, kind, part, inside in plan:
        blocks.extend(_lap_blocks(lap, kind, part, inside, walk_stretch))
    return _merge_adjacent(_absorb_short_walks(_merge_adjacent(blocks), walk_stretch)), "laps"
