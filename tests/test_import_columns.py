"""An import hands columns from worker to store and stores each classification, so loading never re-classifies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from walkrun.app import athlete
from walkrun.app.importing import import_paths
from walkrun.builtin.readers.fit import FitReader
from walkrun.domain.models import AthleteProfile, Preferences
from walkrun.fit.encode import Sport, encode_activity
from walkrun.ingest.pipeline import iter_import
from walkrun.plugins.readers import Reader
from walkrun.store import Store

READERS: dict[str, type[Reader]] = {"fit": FitReader}


def _folder(root: Path, n: int = 5) -> Path:
    folder = root / "walks"
    folder.mkdir()
    for day in range(n):
        start = dt.datetime(2026, 2, 1, 7, 30, tzinfo=dt.UTC) + dt.timedelta(days=day)
        cadence = 150.0 if day % 2 else 112.0
        ticks = [(t, 1.6 if cadence < 140 else 2.8, cadence + t % 3, 100 + t % 7) for t in range(300)]
        (folder / f"walk-{day}.fit").write_bytes(encode_activity(start, ticks, sport=Sport.WALKING))
    return folder


def test_workers_return_the_same_columns_as_a_serial_import(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    serial = list(iter_import([folder], READERS, preferences=Preferences(), workers=1))
    parallel = list(iter_import([folder], READERS, preferences=Preferences(), workers=2, min_parallel_jobs=2))
    assert [a for i in parallel for a in i.activities] == [a for i in serial for a in i.activities]
    assert [i.blobs for i in parallel] == [i.blobs for i in serial]
    first = serial[0].activities[0]
    assert len(first.columns) == 300 and first.columns.heart_rate_bpm[6] == 106.0


def test_loading_after_an_import_neither_reloads_samples_nor_classifies(
    tmp_path: Path, make_profile: Callable[..., AthleteProfile], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "home")
    store.save_profile(make_profile())
    summary = import_paths(store, "ann", [_folder(tmp_path)], READERS, workers=1)
    assert summary.imported == 5

    def refuse(*args: Any, **kw: Any) -> Any:
        raise AssertionError("nothing is reloaded or re-classified after an import")

    monkeypatch.setattr(athlete, "classify", refuse)
    monkeypatch.setattr(Store, "activity", refuse)
    items = athlete.classified_activities(store, store.profile("ann"))
    assert len(items) == 5
    assert sum(1 for i in items if i.classification.run_s > 0) == 2
    assert all(len(i.activity.columns) == 0 for i in items), "the list loads without samples"
