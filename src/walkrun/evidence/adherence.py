"""Prescribed walk-run session vs what the watch recorded, interval by interval.

A session total hides the pattern that matters for a healing bone: 12 minutes
of running done as six 2-minute blocks is the prescription, the same 12
minutes done as one block is not. So both sides are turned into run and walk
*blocks* and the run blocks are matched in order.

Executed blocks come from laps when the watch followed the structured workout
(one lap per step, written by ``fit_workout_writer``), and otherwise from the
classified walk/run segments. Laps give the runner's intent; the samples
inside a lap, when there are any, show what was really done (running on into
a walk lap is the usual way a block gets too long). The blocks are built in
``walkrun.evidence.adherence_blocks``; this module matches them and scores the result.

Everything here is pure: no I/O, no clock, the same inputs give the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.activities import Activity
from walkrun.domain.models import Preferences
from walkrun.domain.plan import Session
from walkrun.domain.tolerances import Tolerances
from walkrun.evidence.adherence_blocks import Block, BlockKind, Part, executed_blocks, prescribed_blocks
from walkrun.evidence.classify import Classification

__all__ = [
    "UNPLANNED_LIMIT_S",
    "Adherence",
    "Block",
    "BlockKind",
    "Part",
    "RunBlock",
    "compare",
    "executed_blocks",
    "prescribed_blocks",
]

# A run block matches a prescribed one when it is within 30 s or 25 %, whichever is
# wider: a lap pressed late or a slow start should not cost the runner the block.
MATCH_TOLERANCE_S = 30.0
MATCH_TOLERANCE_FRACTION = 0.25
# Overdone: the protocol's share over the total (walkrun.domain.tolerances, shared with the engine) ...
# ... or one block far longer than any prescribed block (bone load grows with
# continuous running, not just with the total) ...
LONG_BLOCK_FACTOR = 1.5
LONG_BLOCK_GRACE_S = 30.0
# ... or a real amount of running nobody asked for.
UNPLANNED_LIMIT_S = 60.0
# Underdone is the engine's "incomplete" rule, from the same walkrun.domain.tolerances.
# In a continuous run, walking up to this long between runs is a walk break; longer ends the run.
MAX_WALK_BREAK_S = 180.0

Verdict = Literal["as-prescribed", "overdone", "underdone", "partial"]


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


@dataclass(frozen=True)
class _Totals:
    """Seconds on both sides, the figures every rule and sentence below reads."""

    run_p: float
    run_d: float
    walk_d: float
    longest_p: float
    longest_d: float
    unplanned_s: float

    @classmethod
    def of(cls, p_runs: Sequence[Block], executed: Sequence[Block], outcome: _Outcome) -> _Totals:
        e_runs = [b for b in executed if b.kind is BlockKind.RUN]
        return cls(
            run_p=sum(b.duration_s for b in p_runs),
            run_d=sum(b.duration_s for b in e_runs),
            walk_d=sum(b.duration_s for b in executed if b.kind is BlockKind.WALK),
            longest_p=max((b.duration_s for b in p_runs), default=0.0),
            longest_d=max((b.duration_s for b in e_runs), default=0.0),
            unplanned_s=sum(b.duration_s for b in outcome.unplanned),
        )

    @property
    def long_block(self) -> bool:
        return self.longest_d > LONG_BLOCK_FACTOR * self.longest_p + LONG_BLOCK_GRACE_S


def _verdict(t: _Totals, outcome: _Outcome, tol: Tolerances) -> tuple[Verdict, bool, list[str]]:
    """The verdict, whether it is overdone, and the rules behind it in words."""
    reasons: list[str] = []
    if tol.overdone(t.run_d, t.run_p):
        reasons.append(f"ran {_duration(t.run_d)}, more than {100 + tol.overdone_pct:g} % of {_duration(t.run_p)}")
    if t.long_block:
        limit = _duration(t.longest_p) if t.longest_p else "no run"
        reasons.append(f"a run block of {_duration(t.longest_d)}, more than 1.5 x {limit} + 30 s")
    if t.unplanned_s >= UNPLANNED_LIMIT_S:
        reasons.append(f"{_duration(t.unplanned_s)} of unplanned running")
    if reasons:
        return "overdone", True, reasons
    if tol.underdone(t.run_d, t.run_p):
        reasons.append(f"ran {_duration(t.run_d)}, less than {100 - tol.underdone_pct:g} % of {_duration(t.run_p)}")
        return "underdone", False, reasons
    if outcome.structure_ok:
        return "as-prescribed", False, reasons
    reasons.append("running about as long as prescribed, but not in the prescribed blocks")
    return "partial", False, reasons


def _summary(t: _Totals, outcome: _Outcome, p_runs: Sequence[Block], any_run: bool, continuous: bool) -> str:
    """One line a runner reads: blocks matched, running done against prescribed, what was extra."""
    parts: list[str] = []
    if continuous:
        parts.append(_totals(t.run_d, t.run_p))
        breaks = outcome.walk_breaks or 0
        parts.append(_plural(breaks, "walk break") if breaks else "no walk breaks")
        if breaks:
            parts.append(f"longest run {_duration(t.longest_d)}")
    elif p_runs:
        parts.append(f"{outcome.run_blocks_done} of {_plural(len(p_runs), 'run block')}")
        parts.append(_totals(t.run_d, t.run_p))
    else:
        parts.append(f"no running prescribed, {_duration(t.run_d)} run" if any_run else "no running prescribed or done")
    if outcome.unplanned:
        parts.append(_unplanned_words([_run_block(b) for b in outcome.unplanned]))
    if t.long_block and not continuous and p_runs:
        # The one case the totals cannot explain: a single block far too long.
        parts.append(f"longest run block {_duration(t.longest_d)}")
    return ", ".join(parts)


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
    totals = _Totals.of(p_runs, executed, outcome)
    verdict, overdone, reasons = _verdict(totals, outcome, tolerances or Tolerances())
    return Adherence(
        method=method,
        continuous=continuous,
        run_blocks_prescribed=len(p_runs),
        run_blocks_done=outcome.run_blocks_done,
        run_s_prescribed=round(totals.run_p),
        run_s_done=round(totals.run_d),
        walk_s_done=round(totals.walk_d),
        unplanned_run_blocks=[_run_block(b) for b in outcome.unplanned],
        off_target_run_blocks=[_run_block(b) for b in outcome.off_target],
        walk_breaks=outcome.walk_breaks,
        longest_run_block_s=round(totals.longest_d),
        verdict=verdict,
        overdone=overdone,
        reasons=reasons,
        summary=_summary(totals, outcome, p_runs, bool(e_runs), continuous),
    )
