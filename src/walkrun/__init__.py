"""walkrun: a safe, months-long return-to-run plan from a runner's watch data.

Public API for plugin authors and scripts. Names are imported on first use
(PEP 562), so ``walkrun --help`` does not pay for pydantic models and readers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from walkrun.domain.activities import Activity, Lap, Sample
    from walkrun.domain.errors import NotAnActivityError, ReadError, WalkrunError
    from walkrun.domain.history import DoneSession, History
    from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult, Condition, Preferences
    from walkrun.domain.plan import Decision, Plan, Session, Step
    from walkrun.domain.protocol import Protocol, load_protocol_file
    from walkrun.engine.planning import history_for, plan_for
    from walkrun.engine.progression import build_plan
    from walkrun.plugins.hookspecs import hookimpl
    from walkrun.plugins.readers import Reader
    from walkrun.plugins.writers import ExportContext, Writer, atomic_write

__version__ = "0.1.0"

_HOMES: dict[str, str] = {
    "walkrun.domain.activities": "Activity Lap Sample",
    "walkrun.domain.errors": "NotAnActivityError ReadError WalkrunError",
    "walkrun.domain.history": "DoneSession History",
    "walkrun.plugins.hookspecs": "hookimpl",
    "walkrun.domain.models": "AthleteProfile CheckIn ClinicalTestResult Condition Preferences",
    "walkrun.domain.plan": "Decision Plan Session Step",
    "walkrun.engine.planning": "history_for plan_for",
    "walkrun.engine.progression": "build_plan",
    "walkrun.domain.protocol": "Protocol load_protocol_file",
    "walkrun.plugins.readers": "Reader",
    "walkrun.plugins.writers": "ExportContext Writer atomic_write",
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
