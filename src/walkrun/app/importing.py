"""One recorded import run: ``iter_import``'s items stored as they arrive, and the run's summary.

Used by ``walkrun import``, ``sync`` and the demo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from walkrun import __version__
from walkrun.ingest.decode import fingerprint
from walkrun.ingest.fs import printable
from walkrun.ingest.pipeline import ProgressEvent, iter_import
from walkrun.plugins.readers import Reader
from walkrun.store import Store

__all__ = ["ImportSummary", "import_paths", "reader_tag"]


@dataclass
class ImportSummary:
    files: int = 0
    imported: int = 0
    duplicates: int = 0  # already in the store before this import
    duplicates_in_import: int = 0  # the same activity more than once in what was imported now
    non_activity: int = 0
    errors: int = 0
    activity_ids: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "duplicates_in_import": self.duplicates_in_import,
            "non_activity": self.non_activity,
            "errors": self.errors,
            "activity_ids": self.activity_ids,
            "problems": self.problems,
        }

    def sentence(self, athlete_id: str) -> str:
        parts = [
            f"{self.duplicates_in_import} duplicates inside this import" if self.duplicates_in_import else "",
            f"{self.duplicates} already there" if self.duplicates else "",
            f"{self.non_activity} skipped (not activities)" if self.non_activity else "",
            f"{self.errors} errors" if self.errors else "",
        ]
        detail = ", ".join(p for p in parts if p)
        head = f"Imported {self.imported} activities from {self.files} files for {athlete_id}"
        return f"{head}: {detail}." if detail else f"{head}."


def reader_tag(readers: Mapping[str, type[Reader]]) -> str:
    """Which readers judged a file: a refusal is remembered only until walkrun or a plugin changes."""
    names = ",".join(f"{name}={cls.__module__}.{cls.__qualname__}" for name, cls in sorted(readers.items()))
    return f"walkrun {__version__}|{names}"


def import_paths(
    store: Store,
    athlete_id: str,
    paths: Sequence[Path],
    readers: Mapping[str, type[Reader]],
    progress: Callable[[ProgressEvent], None] | None = None,
    *,
    workers: int | None = None,
    min_parallel_jobs: int = 32,
) -> ImportSummary:
    """One recorded import run: each item is stored as it arrives, so a crash late in a long
    import loses nothing before it, and the run's summary is kept with it. Activities arrive
    classified with the athlete's thresholds, so nothing is reloaded after the import."""
    run = store.start_import(athlete_id, [printable(str(p)) for p in paths])
    prefs = store.profile(athlete_id).preferences
    tag = reader_tag(readers)
    cache = store.import_cache(athlete_id, tag)
    summary = ImportSummary()
    items = iter_import(
        list(paths),
        readers,
        progress=progress,
        cache=cache,
        preferences=prefs,
        workers=workers,
        min_parallel_jobs=min_parallel_jobs,
    )
    for item in items:
        summary.files += 1
        outcomes = store.store_import_item(athlete_id, run, item, fingerprint=fingerprint(prefs), reader_tag=tag)
        if item.status == "known":
            summary.duplicates += item.known_activities
        elif item.status == "error" or item.status == "non_activity":
            kind = "errors" if item.status == "error" else "non_activity"
            setattr(summary, kind, getattr(summary, kind) + 1)
            reason = item.reason.removeprefix(f"{item.source}: ")  # ReadError messages already name the file
            store.add_import_problem(athlete_id, run, item.source, item.status, reason)
            summary.problems.append({"source": item.source, "status": item.status, "reason": reason})
        for activity, dup in zip(item.activities, outcomes, strict=False):
            if dup is None:
                summary.imported += 1
                summary.activity_ids.append(activity.activity_id)
            elif dup.import_run == run:
                summary.duplicates_in_import += 1
            else:
                summary.duplicates += 1
    store.finish_import(run, summary.as_dict())
    return summary
