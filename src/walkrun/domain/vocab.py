"""The engine's words, shared by the plan, the roster, the writers and the tests.

Every value that another module compares against lives here as a ``StrEnum``,
so renaming a warning kind or an action cannot silently disable a red flag: a
misspelt member is an ``AttributeError`` at import time, not a quiet mismatch.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What a decision did to the plan."""

    ADVANCE = "advance"
    HOLD = "hold"
    DROP = "drop"
    REST = "rest"
    REFER = "refer"
    RESUME = "resume"
    GATE_OPEN = "gate-open"
    GATE_CLOSED = "gate-closed"
    PHASE = "phase"
    LOCK = "lock"


class WarningKind(StrEnum):
    """Things a clinician should see; the roster turns most of them into red flags."""

    ACTIVITY = "activity"
    RUNNING_BEFORE_GATE = "running-before-gate"
    WALK_BEFORE_FULL_WEIGHT_BEARING = "walk-before-full-weight-bearing"
    ACTIVITY_WHILE_REFERRED = "activity-while-referred"
    PAIN_UNKNOWN = "pain-unknown"
    CONSECUTIVE_RUN_DAYS = "consecutive-run-days"
    UNPLANNED_RUN = "unplanned-run"
    OVERDONE = "overdone"
    CORRECTION = "correction"


class SessionStatus(StrEnum):
    """A past day's prescription compared with what was done."""

    DONE = "done"
    PARTIAL = "partial"
    OVERDONE = "overdone"
    MISSED = "missed"
    UNPLANNED = "unplanned"
    REST = "rest"
    NOT_TRACKED = "not-tracked"
    REFERRED = "referred"


class PainSignal(StrEnum):
    """Which pain report a rule listens to."""

    DURING = "during"
    AFTER = "after"
    NEXT_MORNING = "next_morning"
    ANY = "any"
    NIGHT = "night"


class PainStatus(StrEnum):
    """The one verdict on a day's pain evidence (see ``walkrun.evidence.pain``)."""

    PAIN_FREE = "pain-free"
    WITHIN_LIMITS = "within-limits"
    PAIN = "pain"
    UNKNOWN = "unknown"


class PainAction(StrEnum):
    """What a pain rule does when it fires."""

    HOLD = "hold"
    DROP = "drop"
    REST_THEN_DROP = "rest_then_drop"
    STOP_AND_REFER = "stop_and_refer"
