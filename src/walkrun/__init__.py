"""walkrun: a safe, months-long return-to-run plan from a runner's watch data.

Public API for plugin authors and scripts. Names are imported on first use
(PEP 562), so ``walkrun --help`` does not pay for pydantic models and readers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from walkrun.activities import Activity, Lap, Sample
    from walkrun.errors import NotAnActivityError, ReadError, WalkrunError
    from walkrun.history import DoneSession, History
    from walkrun.hookspecs import hookimpl
    from walkrun.models import AthleteProfile, CheckIn, ClinicalTestResult, Condition, Preferences
    from walkrun.plan import Decision, Plan, Session, Step
    from walkrun.planning import history_for, plan_for
    from walkrun.progression import build_plan
    from walkrun.protocol import Protocol, load_protocol_file
    from walkrun.readers import Reader
    from walkrun.writers import ExportContext, Writer, atomic_write

__version__ = "0.1.0"

_HOMES: dict[str, str] = {
    "walkrun.activities": "Activity Lap Sample",
    "walkrun.errors": "NotAnActivityError ReadError WalkrunError",
    "walkrun.history": "DoneSession History",
    "walkrun.hookspecs": "hookimpl",
    "walkrun.models": "AthleteProfile CheckIn ClinicalTestResult Condition Preferences",
    "walkrun.plan": "Decision Plan Session Step",
    "walkrun.planning": "history_for plan_for",
    "walkrun.progression": "build_plan",
    "walkrun.protocol": "Protocol load_protocol_file",
    "walkrun.readers": "Reader",
    "walkrun.writers": "ExportContext Writer atomic_write",
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'walkrun' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Activity",
    "AthleteProfile",
    "CheckIn",
    "ClinicalTestResult",
    "Condition",
    "Decision",
    "DoneSession",
    "ExportContext",
    "History",
    "Lap",
    "NotAnActivityError",
    "Plan",
    "Preferences",
    "Protocol",
    "ReadError",
    "Reader",
    "Sample",
    "Session",
    "Step",
    "WalkrunError",
    "Writer",
    "__version__",
    "atomic_write",
    "build_plan",
    "history_for",
    "hookimpl",
    "load_protocol_file",
    "plan_for",
]
