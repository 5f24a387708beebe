"""walkrun: a safe, months-long return-to-run plan from a runner's watch data.

Public API for plugin authors and scripts.
"""

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
