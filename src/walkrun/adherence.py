"""Prescribed walk-run session vs what the watch recorded, interval by interval.

A session total hides the pattern that matters for a healing bone: 12 minutes
of running done as six 2-minute blocks is the prescription, the same 12
minutes done as one block is not. So both sides are turned into run and walk
*blocks* and the run blocks are matched in order.

Executed blocks come from laps when the watch followed the structured workout
(one lap per step, written by ``fit_workout_writer``), and otherwise from the
classified walk/run segments. Laps give the runner's intent; the samples
inside a lap, when there are any, show what was really done (running on into
a walk lap is the usual way a block gets too long).

Everything here is pure: no I/O, no clock, the same inputs give the same answer.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from walkrun.activities import Activity, Lap
from walkrun.classify import MIN_RUN_BLOCK_S, Classification, Motion, Segment, Thresholds, motion_of
from walkrun.models import Preferences
from walkrun.plan import Session, Step, StepKind
from walkrun.sample_columns import SampleColumns, present
from walkrun.tolerances import Tolerances

# A run block matches a prescribed one when it is within 30 s or 25 %, whichever is
# wider: a lap pressed late or a slow start should not cost the runner the block.
MATCH_TOLERANCE_S = 30.0
MATCH_TOLERANCE_FRACTION = 0.25
# Overdone: the protocol's share over the total (walkrun.tolerances, shared with the engine) ...
# ... or one block far longer than any prescribed block (bone load grows with
# continuous running, not just with the total) ...
LONG_BLOCK_FACTOR = 1.5
LONG_BLOCK_GRACE_S = 30.0
# ... or a real amount of running nobody asked for.
UNPLANNED_LIMIT_S = 60.0
# Underdone is the engine's "incomplete" rule, from the same walkrun.tolerances.

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
# In a continuous run, walking up to this long between runs is a walk break; longer ends the run.
MAX_WALK_BREAK_S = 180.0
# A lap without an intensity is trusted as one step only when it is mostly one thing:
# auto-laps every kilometre in a walk-run mix both and must not be read as steps.
LAP_HOMOGENEITY = 0.75
# Laps must account for nearly all of the activity before they replace the segments.
LAP_COVERAGE = 0.9
# A lap is judged from its samples only when they cover at least half of it.
SAMPLE_COVERAGE = 0.5

Verdict = Literal["as-prescribed", "overdone", "underdone", "partial"]


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


class RunBlock(BaseModel):
    """An executed run block worth naming in a report (seconds since the activity start)."""

    model_config = ConfigDict(frozen=True)

    start_s: int = Field(ge=0)
    duration_s: int = Field(ge=0)


class Adherence(BaseModel):
    """How one activity compares with its prescribed session."""

    model_config = ConfigDict(frozen=True)

    method: str = Field(description="laps | segments: where the executed blocks came from")
    continuous: bool = Field(description="the prescription was one continuous run")
    run_blocks_prescribed: int = Field(ge=0)
    run_blocks_done: int = Field(ge=0, description="prescribed run blocks matched in order within tolerance")
    run_s_prescribed: int = Field(ge=0)
    run_s_done: int = Field(ge=0, description="all running, planned or not")
    walk_s_done: int = Field(ge=0)
    unplanned_run_blocks: list[RunBlock] = Field(default_factory=list)
    off_target_run_blocks: list[RunBlock] = Field(
        default_factory=list, description="run where a prescribed block was due, but outside the tolerance"
    )
    walk_breaks: int | None = Field(None, description="continuous prescriptions: walk breaks taken")
    longest_run_block_s: int = Field(ge=0)
    verdict: Verdict
    overdone: bool = Field(description="clearly more running than prescribed")
    reasons: list[str] = Field(default_factory=list, description="the rules behind the verdict")
    summary: str


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

# Lap intensity as fit_reader names it (FIT enum: active 0, rest 1, warmup 2,
# cooldown 3, recovery 4, interval 5). The workout writer marks run steps
# active and the walks between them recovery.
_INTENSITY_BLOCKS: dict[str, tuple[BlockKind, Part]] = {
    "active": (BlockKind.RUN, Part.MAIN),
    "interval": (BlockKind.RUN, Part.MAIN),
    "recovery": (BlockKind.WALK, Part.MAIN),
    "rest": (BlockKind.WALK, Part.MAIN),
    "warmup": (BlockKind.WALK, Part.WARMUP),
    "cooldown": (BlockKind.WALK, Part.COOLDOWN),
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
        mapped = _INTENSITY_BLOCKS.get(lap.intensity or "") if structured else None
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


# ---------------------------------------------------------------------------
# Matching


def _within_tolerance(done_s: float, prescribed_s: float) -> bool:
    return abs(done_s - prescribed_s) <= max(MATCH_TOLERANCE_S, MATCH_TOLERANCE_FRACTION * prescribed_s)


def _align(
    p: Sequence[Block],
    e: Sequence[Block],
    can_pair: Callable[[Block, Block], bool],
    cost: Callable[[Block, Block], float],
) -> list[tuple[int, int]]:
    """Order-preserving pairs: as many as possible, then the cheapest. Ties go to earlier blocks."""
    n, m = len(p), len(e)
    # best[i][j]: (pairs, -cost) achievable with p[i:], e[j:]; move[i][j]: 0 pair, 1 skip p, 2 skip e.
    best = [[(0, 0.0)] * (m + 1) for _ in range(n + 1)]
    move = [[1] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            options: list[tuple[tuple[int, float], int]] = []
            if can_pair(p[i], e[j]):
                count, neg = best[i + 1][j + 1]
                options.append(((count + 1, neg - cost(p[i], e[j])), 0))
            options.append((best[i + 1][j], 1))
            options.append((best[i][j + 1], 2))
            value, choice = options[0]
            for v, c in options[1:]:
                if v > value:  # strictly better only: the earlier option wins ties, deterministically
                    value, choice = v, c
            best[i][j], move[i][j] = value, choice
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if move[i][j] == 0:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif move[i][j] == 1:
            i += 1
        else:
            j += 1
    return pairs


def _gaps(pairs: Sequence[tuple[int, int]], n: int, m: int) -> Iterator[tuple[range, range]]:
    """Unmatched index ranges of both sides between consecutive matches (and at the ends)."""
    prev_i = prev_j = -1
    for i, j in [*pairs, (n, m)]:
        yield range(prev_i + 1, i), range(prev_j + 1, j)
        prev_i, prev_j = i, j


def _run_block(b: Block) -> RunBlock:
    return RunBlock(start_s=round(b.start_s), duration_s=round(b.duration_s))


# ---------------------------------------------------------------------------
# Plain words


def _round_min(seconds: float) -> int:
    return math.floor(seconds / 60 + 0.5)  # half up, not Python's half-to-even


def _duration(seconds: float) -> str:
    """Whole minutes from one minute up, seconds below."""
    return f"{_round_min(seconds)} min" if seconds >= 60 else f"{round(seconds)} s"


def _totals(done_s: float, prescribed_s: float) -> str:
    """'13 min run of 12 prescribed': the unit is said once when both use it."""
    done, wanted = _duration(done_s), _duration(prescribed_s)
    if done.split()[-1] == wanted.split()[-1]:
        wanted = wanted.split()[0]
    return f"{done} run of {wanted} prescribed"


def _unplanned_words(blocks: Sequence[RunBlock]) -> str:
    if len(blocks) == 1:
        return f"1 unplanned run block of {_duration(blocks[0].duration_s)}"
    return f"{len(blocks)} unplanned run blocks totalling {_duration(sum(b.duration_s for b in blocks))}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# ---------------------------------------------------------------------------
# Comparison


@dataclass(frozen=True)
class _Outcome:
    """What both paths (intervals, continuous) have worked out before the shared rules run."""

    run_blocks_done: int
    unplanned: list[Block]
    off_target: list[Block]
    structure_ok: bool
    walk_breaks: int | None = None


def _intervals(p_runs: Sequence[Block], e_runs: Sequence[Block]) -> _Outcome:
    # Timing only breaks ties between equally good alignments (which of two
    # identical blocks was the extra one): the nominal clock drifts with pauses.
    p0 = p_runs[0].start_s if p_runs else 0.0
    e0 = e_runs[0].start_s if e_runs else 0.0

    def in_slot(p: Block, e: Block) -> bool:
        # A run inside a warm-up or cool-down lap is never one of the prescribed runs.
        return e.part is Part.MAIN

    def timing(p: Block, e: Block) -> float:
        return abs((e.start_s - e0) - (p.start_s - p0))

    pairs = _align(p_runs, e_runs, lambda p, e: in_slot(p, e) and _within_tolerance(e.duration_s, p.duration_s), timing)
    unplanned: list[Block] = []
    off_target: list[Block] = []
    for p_idx, e_idx in _gaps(pairs, len(p_runs), len(e_runs)):
        # Between two matched blocks, a run where a prescribed block is missing is that
        # block done too long or too short (off target); any run beyond those is unplanned.
        p_gap = [p_runs[i] for i in p_idx]
        e_gap = [e_runs[j] for j in e_idx]
        slot = _align(p_gap, e_gap, in_slot, lambda p, e: abs(e.duration_s - p.duration_s))
        taken = {j for _, j in slot}
        off_target += [e_gap[j] for j in sorted(taken)]
        unplanned += [b for j, b in enumerate(e_gap) if j not in taken]
    done = len(pairs)
    return _Outcome(done, unplanned, off_target, structure_ok=done == len(p_runs) and not _real(unplanned))


def _continuous(p_run: Block, executed: Sequence[Block]) -> _Outcome:
    # Chains of run blocks joined by short walks are one attempt at the run; the chain
    # with the most running is the prescribed run and the others are unplanned.
    chains: list[list[Block]] = []
    walked = 0.0  # walking since the last run block
    for b in executed:
        if b.kind is BlockKind.WALK:
            walked += b.duration_s
            continue
        if b.part is Part.MAIN and chains and walked <= MAX_WALK_BREAK_S and chains[-1][-1].part is Part.MAIN:
            chains[-1].append(b)
        else:
            chains.append([b])
        walked = 0.0
    main_chains = [c for c in chains if c[0].part is Part.MAIN]
    main = max(main_chains, key=lambda c: sum(b.duration_s for b in c), default=[])
    unplanned = [b for c in chains if c is not main for b in c]
    breaks = max(0, len(main) - 1)
    done = 1 if len(main) == 1 and _within_tolerance(main[0].duration_s, p_run.duration_s) else 0
    off_target = [] if done or not main else list(main)
    return _Outcome(done, unplanned, off_target, structure_ok=done == 1 and not _real(unplanned), walk_breaks=breaks)


def _real(unplanned: Sequence[Block]) -> bool:
    """Unplanned running that changes the session's shape: a minute or more of it.

    Classification counts every doubtful stride as running (safety first), so a few
    run-cadence blips in a walk break are reported but do not break the structure.
    """
    return sum(b.duration_s for b in unplanned) >= UNPLANNED_LIMIT_S


def compare(
    prescribed: Session,
    activity: Activity,
    classification: Classification,
    prefs: Preferences | None = None,
    tolerances: Tolerances | None = None,
) -> Adherence:
    """Compare one activity with its prescribed session, block by block.

    A prescription with a single run block (an easy continuous run) is judged
    as a continuous run: total running and the walk breaks taken.
    ``prefs`` must be the preferences ``classification`` was made with.
    """
    p_blocks = prescribed_blocks(prescribed)
    executed, method = executed_blocks(activity, classification, prefs)
    p_runs = [b for b in p_blocks if b.kind is BlockKind.RUN]
    e_runs = [b for b in executed if b.kind is BlockKind.RUN]
    continuous = len(p_runs) == 1
    outcome = _continuous(p_runs[0], executed) if continuous else _intervals(p_runs, e_runs)

    run_p = sum(b.duration_s for b in p_runs)
    run_d = sum(b.duration_s for b in e_runs)
    walk_d = sum(b.duration_s for b in executed if b.kind is BlockKind.WALK)
    longest_p = max((b.duration_s for b in p_runs), default=0.0)
    longest_d = max((b.duration_s for b in e_runs), default=0.0)
    unplanned_s = sum(b.duration_s for b in outcome.unplanned)

    tol = tolerances or Tolerances()
    reasons: list[str] = []
    if tol.overdone(run_d, run_p):
        reasons.append(f"ran {_duration(run_d)}, more than {100 + tol.overdone_pct:g} % of {_duration(run_p)}")
    long_block = longest_d > LONG_BLOCK_FACTOR * longest_p + LONG_BLOCK_GRACE_S
    if long_block:
        limit = _duration(longest_p) if longest_p else "no run"
        reasons.append(f"a run block of {_duration(longest_d)}, more than 1.5 x {limit} + 30 s")
    if unplanned_s >= UNPLANNED_LIMIT_S:
        reasons.append(f"{_duration(unplanned_s)} of unplanned running")
    overdone = bool(reasons)
    underdone = tol.underdone(run_d, run_p)
    verdict: Verdict
    if overdone:
        verdict = "overdone"
    elif underdone:
        verdict = "underdone"
        reasons.append(f"ran {_duration(run_d)}, less than {100 - tol.underdone_pct:g} % of {_duration(run_p)}")
    elif outcome.structure_ok:
        verdict = "as-prescribed"
    else:
        verdict = "partial"
        reasons.append("running about as long as prescribed, but not in the prescribed blocks")

    unplanned = [_run_block(b) for b in outcome.unplanned]
    parts: list[str] = []
    if continuous:
        parts.append(_totals(run_d, run_p))
        breaks = outcome.walk_breaks or 0
        parts.append(_plural(breaks, "walk break") if breaks else "no walk breaks")
        if breaks:
            parts.append(f"longest run {_duration(longest_d)}")
    elif p_runs:
        parts.append(f"{outcome.run_blocks_done} of {_plural(len(p_runs), 'run block')}")
        parts.append(_totals(run_d, run_p))
    else:
        parts.append(f"no running prescribed, {_duration(run_d)} run" if e_runs else "no running prescribed or done")
    if unplanned:
        parts.append(_unplanned_words(unplanned))
    if long_block and not continuous and p_runs:
        # The one case the totals cannot explain: a single block far too long.
        parts.append(f"longest run block {_duration(longest_d)}")

    return Adherence(
        method=method,
        continuous=continuous,
        run_blocks_prescribed=len(p_runs),
        run_blocks_done=outcome.run_blocks_done,
        run_s_prescribed=round(run_p),
        run_s_done=round(run_d),
        walk_s_done=round(walk_d),
        unplanned_run_blocks=unplanned,
        off_target_run_blocks=[_run_block(b) for b in outcome.off_target],
        walk_breaks=outcome.walk_breaks,
        longest_run_block_s=round(longest_d),
        verdict=verdict,
        overdone=overdone,
        reasons=reasons,
        summary=", ".join(parts),
    )
