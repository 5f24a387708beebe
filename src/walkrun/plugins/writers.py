"""The writer contract: a plan in, files out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from walkrun.domain.errors import PluginError
from walkrun.domain.history import History
from walkrun.domain.models import AthleteProfile
from walkrun.domain.notes import CoachNote
from walkrun.domain.paths import atomic_write as atomic_write  # re-exported: writers write with it
from walkrun.domain.plan import Plan
from walkrun.domain.protocol import Protocol
from walkrun.domain.sources import file_label as file_label  # re-exported: writers' public helpers
from walkrun.domain.sources import source_name as source_name
from walkrun.engine.targets import EffortFacts


class ExportContext(BaseModel):
    """Everything a writer may need besides the plan itself."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    profile: AthleteProfile
    protocol: Protocol
    history: History = Field(default_factory=History, description="what was done and reported up to plan.today")
    options: dict[str, str] = Field(default_factory=dict, description="writer options, e.g. all_day=1, weeks=4")
    state: dict[str, str] = Field(
        default_factory=dict, description="what this writer returned as state last time (e.g. SEQUENCE per UID)"
    )
    effort: EffortFacts = Field(
        default_factory=EffortFacts, description="heart rate, cadence and pace for watch targets, when known"
    )
    coach_notes: list[CoachNote] = Field(default_factory=list, description="the coach's notes, oldest first")


class WriteResult(BaseModel):
    """What a writer wrote, plus state the core stores and hands back next time."""

    paths: list[Path]
    state: dict[str, str] = Field(default_factory=dict)


class Writer(ABC):
    """Base class for writer plugins, registered through ``register_writers``.

    ``name`` is what ``walkrun export --format`` accepts and must be unique.
    ``write`` returns the paths it wrote inside ``out_dir`` (or a
    :class:`WriteResult` when it keeps state between exports, such as iCal
    SEQUENCE numbers); use :func:`atomic_write` so a crash never leaves half a
    file. Writers must be deterministic: same plan and state, same bytes.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    extension: ClassVar[str] = ""
    lookback_days: ClassVar[int] = 14
    uses_effort: ClassVar[bool] = False
    """Set when the writer reads ``context.effort`` (estimating it reads activity samples)."""
    """How many days before today ``plan.past`` holds for this writer (calendars show two weeks)."""

    @abstractmethod
    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path] | WriteResult:
        """Write the plan under ``out_dir`` and return the written paths (and state)."""

    def render(self, plan: Plan, context: ExportContext) -> tuple[bytes, dict[str, str]]:
        """The plan as one document in memory, and the state to keep, for writers that can serve a live feed.

        ``walkrun serve`` asks the registered ``ics`` writer for this, so a plugin that
        replaces that writer (by opting in to overrides) replaces the feed too.
        """
        raise NotImplementedError(f"writer {self.name!r} cannot render a live feed")

    def state_scope(self, context: ExportContext, out_dir: Path) -> str:
        """Which saved state this export continues; ``""`` means one state per athlete and writer.

        A writer whose output is a distinct artefact per folder or option set
        (a calendar subscribed from one place with one look) returns a key for
        it, so exporting elsewhere or differently never disturbs that state.
        """
        return ""


def checked_result(result: object, writer: str) -> WriteResult:
    """A writer's return value as a :class:`WriteResult`, or a one-line :class:`PluginError` saying what is wrong.

    A string is iterable, so without this check ``"out.md"`` would pass as the
    paths ``o``, ``u``, ``t``...
    """
    if isinstance(result, WriteResult):
        return result
    if isinstance(result, list | tuple) and all(isinstance(p, Path) for p in result):
        return WriteResult(paths=list(result))
    got = type(result).__name__
    if isinstance(result, list | tuple):
        got = f"a {got} holding {', '.join(sorted({type(p).__name__ for p in result if not isinstance(p, Path)}))}"
    raise PluginError(f"writer {writer!r} returned {got}; write() must return a list of Path or a WriteResult")


# How a record came to be, in words a runner or physio reads (the data keeps the short code).
SOURCE_LABELS = {"log": "logged", "diary": "pain diary", "tag": "activity note", "done": "marked done"}


def display_source(source: str) -> str:
    """A record's source as people read it: ``123.fit.gz``, ``logged``, ``pain diary``."""
    shown = []
    for part in source_name(source).split("+"):
        kind, sep, where = part.partition(":")
        shown.append(where if sep and kind == "import" else SOURCE_LABELS.get(part, part))
    return ", ".join(dict.fromkeys(shown))
