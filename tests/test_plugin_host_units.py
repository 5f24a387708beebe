"""Units in types: ``Activity.rpe`` holds one scale (1-10); readers convert what their source gives."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import ValidationError

from walkrun.domain.activities import Activity, rpe_from_tenths, rpe_on_scale
from walkrun.ingest.export_metadata import parse_garmin_summaries
from walkrun.ingest.strava_csv import read_strava_csv

START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def _activity(**kw: object) -> Activity:
    return Activity.model_validate({"source": "x.fit", "start_utc": START, "elapsed_s": 60.0, **kw})


def test_rpe_outside_one_to_ten_is_refused_when_a_reader_builds_an_activity() -> None:
    assert _activity(rpe=4).rpe == 4.0
    for bad in (0, 40, 10.5, -1):
        with pytest.raises(ValidationError, match="rpe"):
            _activity(rpe=bad)


def test_stored_activities_from_before_one_scale_still_load() -> None:
    # Garmin summaries' 10-100 values were stored as given; above 10 can only be that scale.
    stored = _activity(rpe=4).model_dump(mode="json") | {"rpe": 40}
    assert Activity.model_validate_json(json.dumps(stored)).rpe == 4.0
    assert Activity.model_validate_json(json.dumps(stored | {"rpe": 7})).rpe == 7.0
    with pytest.raises(ValidationError):
        Activity.model_validate_json(json.dumps(stored | {"rpe": 400}))


def test_scale_helpers() -> None:
    assert [rpe_from_tenths(v) for v in (10, 40, 100, 0, 5, 110, None)] == [1.0, 4.0, 10.0, None, None, None, None]
    assert [rpe_on_scale(v) for v in (1, 7.5, 10, 0, 11, None)] == [1.0, 7.5, 10.0, None, None, None]


def _garmin(**record: object) -> bytes:
    base = {"activityId": 1, "activityType": "walking", "startTimeGmt": START.timestamp() * 1000}
    return json.dumps([{"summarizedActivitiesExport": [base | record]}]).encode()


def test_garmin_summary_rpe_is_converted_at_the_reader() -> None:
    (summary,) = parse_garmin_summaries(_garmin(workoutRpe=70))
    assert summary.rpe == 7.0
    (summary,) = parse_garmin_summaries(_garmin(directWorkoutRpe=0))
    assert summary.rpe is None


def test_strava_perceived_exertion_is_already_one_to_ten() -> None:
    head = "Activity ID,Activity Date,Activity Name,Activity Type,Perceived Exertion\n"
    rows = read_strava_csv(
        (head + '1,"Mar 2, 2026, 7:00:00 AM",Walk,Walk,6\n2,"Mar 3, 2026, 7:00:00 AM",W,Walk,60\n').encode()
    )
    assert [r.rpe for r in rows.rows] == [6.0, None]
