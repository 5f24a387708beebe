"""Samples travel as typed columns: validated once per column, stored compactly, old stores still read."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import zlib
from array import array
from pathlib import Path

import pytest
from pydantic import ValidationError

from walkrun.domain.activities import Activity, Sample, SampleColumns
from walkrun.domain.models import AthleteProfile
from walkrun.store import Store
from walkrun.store.activities import insert_activity

T0 = dt.datetime(2026, 3, 1, 7, 30, tzinfo=dt.UTC)


def _walk() -> Activity:
    return Activity(
        source="walk.fit",
        content_hash="ab" * 32,
        start_utc=T0,
        elapsed_s=3.0,
        columns=SampleColumns(
            time_s=[0.0, 1.0, 2.0],
            distance_m=[0.0, 1.5, None],
            speed_mps=[1.5, None, 1.6],
            cadence_spm=[114.0, 0.0, None],
            heart_rate_bpm=[None, 101.0, 102.0],
        ),
    )


def test_columns_read_back_as_the_samples_they_hold() -> None:
    act = _walk()
    assert act.samples == [
        Sample(t_s=0.0, speed_mps=1.5, cadence_spm=114.0, heart_rate_bpm=None, distance_m=0.0),
        Sample(t_s=1.0, speed_mps=None, cadence_spm=0.0, heart_rate_bpm=101, distance_m=1.5),
        Sample(t_s=2.0, speed_mps=1.6, cadence_spm=None, heart_rate_bpm=102, distance_m=None),
    ]
    assert isinstance(act.columns.time_s, array) and len(act.columns) == 3


def test_columns_survive_json_and_pickle_with_missing_values() -> None:
    act = _walk()
    data = json.loads(act.model_dump_json())
    assert "samples" not in data
    assert data["columns"]["speed_mps"] == [1.5, None, 1.6]
    assert Activity.model_validate_json(act.model_dump_json()) == act
    assert pickle.loads(pickle.dumps(act)) == act
    assert act != act.model_copy(update={"columns": SampleColumns(time_s=[0.0, 1.0, 2.0])})


@pytest.mark.parametrize(
    ("columns", "error"),
    [
        ({"time_s": [0.0, 1.0], "speed_mps": [1.0]}, "speed_mps has 1 values for 2 times"),
        ({"time_s": [0.0, 1.0], "cadence_spm": [100.0, -1.0]}, "cadence_spm has negative values"),
        ({"time_s": [-1.0, 1.0]}, "time_s has negative values"),
        ({"time_s": [0.0, None]}, "time_s has missing values"),
        ({"time_s": [0.0, 2.0, 1.0]}, "time_s goes back in time"),
        ({"time_s": [0.0, 1.0, 2.0], "speed_mps": [None, -1e-300, None]}, "speed_mps has negative values"),
        ({"time_s": [0.0, float("inf"), float("nan")]}, "time_s has missing values"),
    ],
)
def test_bad_columns_are_refused_once_per_column(columns: dict[str, list[float | None]], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        SampleColumns(**columns)


def test_negative_zero_and_negative_nan_are_not_negative_values() -> None:
    # The quick sign-bit scan flags both; the exact test must then let them through.
    cols = SampleColumns(time_s=[-0.0, 1.0], speed_mps=[-0.0, -float("nan")], heart_rate_bpm=[float("nan"), 100.0])
    assert cols.speed_mps[0] == 0.0 and cols.speed_mps[1] != cols.speed_mps[1]


def test_points_out_of_order_are_sorted_not_refused() -> None:
    cols = SampleColumns.from_unsorted(time_s=[2.0, 0.0, 1.0], heart_rate_bpm=[120.0, 100.0, 110.0])
    assert list(cols.time_s) == [0.0, 1.0, 2.0]
    assert list(cols.heart_rate_bpm) == [100.0, 110.0, 120.0]
    old = Activity(source="x", start_utc=T0, elapsed_s=2, samples=[Sample(t_s=2), Sample(t_s=0, speed_mps=1.0)])
    assert [s.t_s for s in old.samples] == [0.0, 2.0] and old.samples[0].speed_mps == 1.0


def test_a_store_row_written_as_a_list_of_sample_dicts_still_reads(tmp_path: Path) -> None:
    """Stores written before columns hold ``"samples": [{...}, ...]`` in the compressed activity JSON."""
    act = _walk()
    old = json.loads(act.model_dump_json(exclude={"columns"}))
    old["samples"] = [
        {"t_s": 0.0, "speed_mps": 1.5, "cadence_spm": 114.0, "heart_rate_bpm": None, "distance_m": 0.0},
        {"t_s": 1.0, "speed_mps": None, "cadence_spm": 0.0, "heart_rate_bpm": 101, "distance_m": 1.5},
        {"t_s": 2.0, "speed_mps": 1.6, "cadence_spm": None, "heart_rate_bpm": 102, "distance_m": None},
    ]
    blob = zlib.compress(json.dumps(old).encode())
    with Store(tmp_path / "home") as store:
        store.save_profile(
            AthleteProfile(athlete_id="ann", condition="femoral-neck-bsi", injury_date=dt.date(2026, 1, 5))
        )
        run = store.start_import("ann", ["walk.fit"])
        with store.db.write() as conn:
            assert insert_activity(conn, "ann", run, act, blob) is None
        assert store.activity("ann", act.activity_id) == act
        assert store.activities("ann")[0].samples == act.samples
        assert len(store.activities("ann", with_samples=False)[0].columns) == 0
