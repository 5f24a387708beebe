"""Parallel import: the same items as a serial one, a crashing reader costs one file, Ctrl-C keeps what was stored.

Workers run in other processes (forkserver/spawn), so the crashing reader lives
at module level here, importable by name.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from walkrun.app.importing import import_paths
from walkrun.builtin.readers.fit import FitReader
from walkrun.domain.activities import Activity
from walkrun.domain.models import AthleteProfile, Preferences
from walkrun.fit.encode import Sport, encode_activity
from walkrun.ingest.decode import CRASHED
from walkrun.ingest.pipeline import ImportItem, ProgressEvent, iter_import
from walkrun.plugins.readers import Reader
from walkrun.store import Store


class CrashReader(Reader):
    """Dies the way a C library does: SIGSEGV, no Python exception."""

    name = "crash"
    extensions = (".crash",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"CRASH")

    def read(self, data: bytes, source: str) -> list[Activity]:
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")


READERS: dict[str, type[Reader]] = {"fit": FitReader}
CRASHING: dict[str, type[Reader]] = {"fit": FitReader, "crash": CrashReader}


def fit_walk(day: int, minutes: int = 6) -> bytes:
    start = dt.datetime(2026, 2, 1, 7, 30, tzinfo=dt.UTC) + dt.timedelta(days=day)
    cadence = 150.0 if day % 4 == 0 else 112.0  # some with running inside
    samples = [(t, 1.6 if cadence < 140 else 2.8, cadence, 110) for t in range(minutes * 60)]
    return encode_activity(start, samples, sport=Sport.WALKING)


def history(root: Path, n: int = 9) -> Path:
    folder = root / "history"
    folder.mkdir()
    for day in range(n):
        (folder / f"walk-{day:02}.fit").write_bytes(fit_walk(day))
    (folder / "walk-03-copy.fit").write_bytes(fit_walk(3))
    (folder / "broken.fit").write_bytes(b"\x0e\x10garbage, not a FIT file")
    (folder / "notes.txt").write_bytes(b"shopping list")
    return folder


def outline(items: list[ImportItem]) -> list[tuple[Any, ...]]:
    return [
        (i.source, i.status, i.reason, [a.activity_id for a in i.activities], i.classifications, i.content_hash)
        for i in items
    ]


def test_parallel_import_gives_the_same_items_in_the_same_order_as_serial(tmp_path: Path) -> None:
    folder = history(tmp_path)
    prefs = Preferences()
    serial = list(iter_import([folder], READERS, preferences=prefs, workers=1))
    parallel = list(iter_import([folder], READERS, preferences=prefs, workers=2, min_parallel_jobs=2))
    assert outline(parallel) == outline(serial)
    assert [i.status for i in serial].count("imported") == 10
    assert all(len(i.classifications) == len(i.activities) for i in serial)


def test_a_reader_that_segfaults_costs_only_its_file(tmp_path: Path) -> None:
    folder = history(tmp_path, n=6)
    (folder / "walk-02-b.crash").write_bytes(b"CRASH me")
    events: list[ProgressEvent] = []

    items = list(iter_import([folder], CRASHING, workers=2, min_parallel_jobs=2, progress=events.append))

    crashed = [i for i in items if i.status == "error" and CRASHED in i.reason]
    assert [Path(i.source).name for i in crashed] == ["walk-02-b.crash"]
    assert crashed[0].reason.startswith(f"{crashed[0].source}: ")
    assert [i.status for i in items].count("imported") == 7
    names = [Path(i.source).name for i in items]
    assert names == sorted(names)
    assert events[-1].files_done == events[-1].files_total == len(items)


def test_ctrl_c_keeps_what_was_stored_and_a_rerun_completes(
    tmp_path: Path, make_profile: Callable[..., AthleteProfile]
) -> None:
    folder = history(tmp_path)
    store = Store(tmp_path / "home")
    store.save_profile(make_profile())
    done: list[str] = []

    def interrupt_at_the_sixth_file(ev: ProgressEvent) -> None:
        if ev.kind == "file":
            done.append(ev.source)
            if len(done) == 6:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_paths(store, "ann", [folder], READERS, interrupt_at_the_sixth_file, workers=2, min_parallel_jobs=2)
    kept = store.activity_count("ann")
    # broken.fit, notes.txt, walk-00..02 were stored before the interrupt: three activities.
    assert kept == 3, "the files before the interrupt were stored, one at a time"

    again = import_paths(store, "ann", [folder], READERS, workers=2, min_parallel_jobs=2)
    assert store.activity_count("ann") == 9, "walk-03-copy.fit is walk-03.fit again"
    assert again.imported == 9 - kept
    store.close()
