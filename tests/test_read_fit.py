"""The FIT reader against real device files (shared samples) and small files written by Garmin's SDK."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import itertools
import random
import struct
from pathlib import Path

import pytest

from walkrun.builtin.readers import fit as fit_reader
from walkrun.builtin.readers.fit import FitReader, looks_like_fit
from walkrun.domain.activities import Activity
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.plugins.manager import BUILTIN_PLUGINS, make_plugin_manager

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
FIT_DIR = SHARED_SAMPLES / "fit"
FIT_FILES = sorted(p.name for p in FIT_DIR.iterdir() if p.suffix.lower() == ".fit") if FIT_DIR.is_dir() else []

NOT_ACTIVITY = {
    "Settings.fit": "settings",
    "Settings2.fit": "settings",
    "nametest.FIT": "settings",
    "MonitoringFile.fit": "monitoring_b",
    "WeightScaleMultiUser.fit": "weight",
    "WeightScaleSingleUser.fit": "weight",
    "WorkoutCustomTargetValues.fit": "workout",
    "WorkoutIndividualSteps.fit": "workout",
    "WorkoutRepeatGreaterThanStep.fit": "workout",
    "WorkoutRepeatSteps.fit": "workout",
}
# Damaged files give the complete messages before the damage, marked as recovered.
RECOVERED = {
    "activity-unexpected-eof.fit": ("truncated: the file ends inside a message", 14),
    "activity-settings-corruptheader.fit": ("corrupt header", 14),
    "activity-settings-nodata.fit": ("truncated", 14),
    # Strava's Android app wrote garbage from byte 7471 on (one record dated 2085
    # before that point too); the official SDK stops at the same byte.
    "strava-android-app-201.10-b1218918.fit": ("local message type 11", 472),
    "nick.fit": ("truncated", 14391),
}


def warnings_of(activity: Activity) -> list[str]:
    """The reader's warnings (Activity.warnings)."""
    return list(activity.warnings)


def need_samples() -> None:
    if not FIT_DIR.is_dir():
        pytest.skip(f"shared samples not present: {SHARED_SAMPLES}")


@functools.cache
def outcome(name: str) -> list[Activity] | ReadError:
    """Read each sample once per test run; fitparse is slow."""
    try:
        return FitReader().read((FIT_DIR / name).read_bytes(), name)
    except ReadError as exc:
        return exc


def activities(name: str) -> list[Activity]:
    need_samples()
    result = outcome(name)
    assert isinstance(result, list), f"{name} was rejected: {result}"
    return result


@pytest.mark.parametrize("name", FIT_FILES or ["(samples missing)"])
def test_every_sample_is_read_or_rejected_with_a_reason(name: str) -> None:
    need_samples()
    result = outcome(name)  # only ReadError (NotAnActivityError included) is caught there
    if isinstance(result, ReadError):
        assert str(result).startswith(f"{name}: ")
        assert "\n" not in str(result)
        return
    assert result, f"{name}: read() returned no activity instead of raising"
    assert all(isinstance(a, Activity) for a in result)
    assert [a.index for a in result] == list(range(len(result)))


@pytest.mark.parametrize("name", sorted(NOT_ACTIVITY))
def test_non_activity_files_are_named_by_type(name: str) -> None:
    need_samples()
    result = outcome(name)
    assert isinstance(result, NotAnActivityError)
    assert result.reason == f"FIT file of type '{NOT_ACTIVITY[name]}', not an activity"


@pytest.mark.parametrize("name", sorted(RECOVERED))
def test_damaged_files_give_what_they_hold(name: str) -> None:
    damage, samples = RECOVERED[name]
    (act,) = activities(name)
    assert len(act.samples) == samples
    (note,) = [w for w in warnings_of(act) if w.startswith("recovered from a damaged file: ")]
    assert damage in note and "\n" not in note


def test_records_outside_every_session_are_reported() -> None:
    first = activities("activity-large-fenxi2-multisport.fit")[0]
    assert "2700 records outside session 1's time (2015-08-29 07:14:44 to 2015-08-29 08:00:00 UTC) left out" in (
        warnings_of(first)
    )


def test_sound_files_carry_no_warnings() -> None:
    for name in ("garmin-fenix-5-walk.fit", "sample_mulitple_header.fit", "developer-types-sample.fit"):
        assert all(warnings_of(a) == [] for a in activities(name)), name


def _pdt(text: str) -> dt.datetime:
    local = dt.datetime.strptime(text, "%a %b %d %H:%M:%S PDT %Y")
    return (local + dt.timedelta(hours=7)).replace(tzinfo=dt.UTC)


def _csv(name: str) -> list[dict[str, str]]:
    with (FIT_DIR / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_fenix5_walk_matches_its_record_dump() -> None:
    (walk,) = activities("garmin-fenix-5-walk.fit")
    rows = _csv("garmin-fenix-5-walk-records.csv")
    assert walk.sport == "walking" and walk.sub_sport == "generic"
    assert walk.device == "garmin fenix5"
    assert walk.start_utc == _pdt(rows[0]["timestamp"])
    assert walk.utc_offset_s == -7 * 3600  # activity.local_timestamp - timestamp (PDT)
    assert walk.moving_s == pytest.approx(45.379)  # session total_timer_time
    assert walk.elapsed_s == pytest.approx(45.379)
    assert walk.distance_m == pytest.approx(67.85)
    assert len(walk.samples) == len(rows) == 17
    for sample, row in zip(walk.samples, rows, strict=True):
        assert sample.t_s == (_pdt(row["timestamp"]) - walk.start_utc).total_seconds()
        assert sample.heart_rate_bpm == int(row["heart_rate"])
        assert sample.speed_mps == pytest.approx(float(row["speed"]))
        assert sample.distance_m == pytest.approx(float(row["distance"]))
        # Strides/min x 2 = steps/min; the dump leaves out fractional_cadence (0 or 0.5).
        strides = int(row["cadence"])
        assert sample.cadence_spm is not None
        assert 2 * strides <= sample.cadence_spm <= 2 * strides + 1
    assert walk.samples[0].cadence_spm == 107  # 2 x (53 + 0.5)
    assert all(100 <= s.cadence_spm <= 140 for s in walk.samples if s.cadence_spm is not None)
    assert len(walk.laps) == 1 and walk.laps[0].start_s == 0 and walk.laps[0].distance_m == pytest.approx(67.85)


def test_fenix5_run_doubles_cadence_and_bike_keeps_rpm() -> None:
    (run,) = activities("garmin-fenix-5-run.fit")
    assert run.sport == "running"
    for sample, row in zip(run.samples, _csv("garmin-fenix-5-run-records.csv"), strict=True):
        if row["cadence"]:
            assert 2 * int(row["cadence"]) <= (sample.cadence_spm or 0) <= 2 * int(row["cadence"]) + 1
    (bike,) = activities("garmin-fenix-5-bike.fit")
    assert bike.sport == "cycling"
    for sample, row in zip(bike.samples, _csv("garmin-fenix-5-bike-records.csv"), strict=True):
        assert sample.cadence_spm == (float(row["cadence"]) if row["cadence"] else None)
        assert sample.speed_mps == pytest.approx(float(row["speed"]))


def test_compressed_speed_distance_and_device_relative_timestamps() -> None:
    (run,) = activities("compressed-speed-distance.fit")
    rows = _csv("compressed-speed-distance-records.csv")
    # An FR70 without a set clock: times count from power-on, anchored by the local timestamp.
    assert run.start_utc == dt.datetime(2012, 2, 13, 11, 16, 16, tzinfo=dt.UTC)
    assert run.utc_offset_s == 0
    assert run.moving_s == pytest.approx(3772.75) and run.elapsed_s == pytest.approx(3883.273)
    assert len(run.laps) == 11
    first_record = 17217864  # the session start; the dump skips this empty record
    samples = run.samples[1:]
    assert len(samples) == len(rows)
    for sample, row in zip(samples, rows, strict=True):
        assert sample.t_s == int(row["Timestamp"]) - first_record
        assert sample.heart_rate_bpm == int(row[" Heart Rate [bpm]"])
        assert sample.speed_mps == pytest.approx(float(row["Speed [m/s]"]))
        assert sample.distance_m == pytest.approx(float(row["Distance [m]"]))
        cadence = row["Cadence [rpm]"]
        assert sample.cadence_spm == (None if cadence == "null" else 2 * int(cadence))


def test_multisport_file_gives_one_activity_per_session() -> None:
    acts = activities("sample_mulitple_header.fit")
    assert [a.sport for a in acts] == ["swimming", "transition", "cycling", "transition", "running"]
    assert [a.index for a in acts] == [0, 1, 2, 3, 4]
    for before, after in itertools.pairwise(acts):
        assert before.start_utc < after.start_utc
    run = acts[-1]
    assert run.moving_s == pytest.approx(2850.694)
    assert len(run.samples) == 518 and run.samples[-1].t_s <= run.elapsed_s + 1
    assert run.samples[0].cadence_spm is None or run.samples[0].cadence_spm > 100


def test_large_multisport_file() -> None:
    acts = activities("activity-large-fenxi2-multisport.fit")  # cached from the all-files test
    assert len(acts) == 7
    assert [a.sport for a in acts][1:] == ["transition", "running", "transition", "running", "transition", "cycling"]
    assert sum(len(a.samples) for a in acts) > 20000


def test_chained_files_give_activities_from_each_part() -> None:
    first, second = activities("activity-activity-filecrc.fit")
    assert (first.index, second.index) == (0, 1)
    assert len(first.samples) == len(second.samples) == 14  # each part's records stay with its session
    # The activity part of an activity+settings chain is read, the settings part skipped.
    assert len(activities("activity-settings.fit")) == 1


def test_wrong_crc_is_a_warning_as_in_garmins_sdk() -> None:
    (act,) = activities("activity-filecrc.fit")
    assert act.sport == "running" and len(act.samples) == 14
    assert warnings_of(act) == ["FIT file CRC does not match: its data may be damaged"]


def test_developer_fields_are_ignored() -> None:
    (run,) = activities("developer-types-sample.fit")
    assert run.sport == "running" and run.device == "stryd"
    assert len(run.samples) == 3424
    assert any(s.heart_rate_bpm for s in run.samples)


def test_unterminated_recording_keeps_its_whole_messages() -> None:
    # nick.fit: the recorder stopped mid-message; no session, 14391 whole records.
    (ride,) = activities("nick.fit")
    assert len(ride.samples) == 14391
    assert ride.sport == "cycling"
    assert ride.elapsed_s > 4 * 3600
    assert ride.moving_s is not None and 0 < ride.moving_s <= ride.elapsed_s


def test_misaligned_fields_from_coros_are_tolerated() -> None:
    (ride,) = activities("coros-pace-2-cycling-misaligned-fields.fit")
    assert ride.device == "COROS PACE 2"
    assert ride.moving_s == pytest.approx(11287) and len(ride.samples) > 11000


def test_sniff() -> None:
    assert looks_like_fit(b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT\x00\x00")
    assert looks_like_fit(b"\x0c\x10\x00\x00\x00\x00\x00\x00.FIT")
    assert not looks_like_fit(b"\x0e\x10\x00\x00\x00\x00\x00\x00.GIT\x00\x00")
    assert not looks_like_fit(b'<?xml version="1.0"?><gpx/>')
    assert not looks_like_fit(b"\x0e.FIT")


def test_register_readers_hook() -> None:
    module = "walkrun.builtin.readers.fit"
    registry = make_plugin_manager(
        load_entrypoints=False, env={}, extra=[] if module in BUILTIN_PLUGINS else [fit_reader]
    )
    assert registry.readers["fit"] is FitReader


def test_garbage_is_a_read_error() -> None:
    with pytest.raises(ReadError, match=r"^junk\.fit: not a FIT file"):
        FitReader().read(b"definitely not a fit file", "junk.fit")
    with pytest.raises(ReadError, match="too short"):
        FitReader().read(b".FIT", "short.fit")


# --- files written with Garmin's SDK (test-only dependency) -------------------------

T0 = dt.datetime(2026, 3, 2, 7, 0, 0, tzinfo=dt.UTC)
FIT_EPOCH_UNIX = 631065600


def _encode(messages: list[dict[str, object]]) -> bytes:
    sdk = pytest.importorskip("garmin_fit_sdk")
    encoder = sdk.Encoder()
    for message in messages:
        encoder.write_mesg(message)
    data: bytes = encoder.close()
    return data


def _walk(*, session: bool = True, sport: object = "walking", seconds: int = 60) -> bytes:
    sdk = pytest.importorskip("garmin_fit_sdk")
    num = sdk.Profile["mesg_num"]
    messages: list[dict[str, object]] = [
        {"mesg_num": num["FILE_ID"], "type": "activity", "manufacturer": "garmin", "product": 3113, "time_created": T0},
    ]
    for i in range(seconds):
        messages.append(
            {
                "mesg_num": num["RECORD"],
                "timestamp": T0 + dt.timedelta(seconds=i),
                "distance": 1.5 * i,
                "enhanced_speed": 1.5,
                "heart_rate": 100 + i % 10,
                "cadence": 55,
                "fractional_cadence": 0.5,
            }
        )
    end = T0 + dt.timedelta(seconds=seconds - 1)
    messages.append(
        {
            "mesg_num": num["LAP"],
            "timestamp": end,
            "start_time": T0,
            "total_elapsed_time": seconds - 1.0,
            "total_timer_time": seconds - 1.0,
            "total_distance": 1.5 * (seconds - 1),
            "intensity": "active",
        }
    )
    if session:
        messages.append(
            {
                "mesg_num": num["SESSION"],
                "timestamp": end,
                "start_time": T0,
                "total_elapsed_time": seconds - 1.0,
                "total_timer_time": seconds - 5.0,
                "total_distance": 1.5 * (seconds - 1),
                "sport": sport,
                "sub_sport": "generic",
                "workout_feel": 75,
                "workout_rpe": 40,
            }
        )
    local = end + dt.timedelta(hours=1)
    messages.append(
        {
            "mesg_num": num["ACTIVITY"],
            "timestamp": end,
            "local_timestamp": int(local.timestamp()) - FIT_EPOCH_UNIX,
            "num_sessions": 1,
            "type": "manual",
            "event": "activity",
            "event_type": "stop",
        }
    )
    return _encode(messages)


def test_sdk_walk_feel_rpe_offset_and_cadence() -> None:
    (walk,) = FitReader().read(_walk(), "walk.fit")
    assert walk.sport == "walking"
    assert walk.start_utc == T0
    assert walk.utc_offset_s == 3600
    assert walk.feel == 75  # session field 192, 0-100
    assert walk.rpe == 4.0  # session field 193 is RPE x 10
    assert walk.moving_s == 55.0 and walk.elapsed_s == 59.0
    assert {s.cadence_spm for s in walk.samples} == {111.0}  # 2 x (55 + 0.5)
    assert walk.laps[0].intensity == "active" and walk.laps[0].moving_s == 59.0
    assert walk.content_hash and walk.device == "garmin 3113"


def test_sport_numbers_unknown_to_fitparse() -> None:
    (act,) = FitReader().read(_walk(sport=67), "meditation.fit")  # newer than fitparse's 2019 profile
    assert act.sport == "sport-67"


def test_records_without_a_session_make_one_activity() -> None:
    (act,) = FitReader().read(_walk(session=False, seconds=30), "crashed.fit")
    assert act.start_utc == T0 and act.elapsed_s == 29.0
    assert act.moving_s == 29.0  # 1 s gaps at 1.5 m/s: all moving
    assert act.sport == "unknown" and act.feel is None
    assert len(act.samples) == 30 and act.samples[0].cadence_spm == 111.0  # unknown sport counts as on foot


def test_truncated_and_bitflipped_copies() -> None:
    data = _walk()
    full = FitReader().read(data, "walk.fit")[0].samples
    (half,) = FitReader().read(data[: len(data) // 2], "half.fit")  # the session was at the end: records remain
    assert 0 < len(half.samples) < 60 and half.samples == full[: len(half.samples)]
    assert warnings_of(half)[0].startswith("recovered from a damaged file: truncated")
    with pytest.raises(
        ReadError, match=r"^header-only\.fit: FIT file is damaged and holds nothing readable: truncated"
    ):
        FitReader().read(data[:40], "header-only.fit")
    bad_crc = data[:-2] + bytes([data[-2] ^ 0xFF, data[-1]])
    (crc,) = FitReader().read(bad_crc, "crc.fit")
    assert crc.samples == full and warnings_of(crc) == ["FIT file CRC does not match: its data may be damaged"]
    chained = data + data
    assert [a.index for a in FitReader().read(chained, "two.fit")] == [0, 1]
    never_closed = bytearray(data[:-2])  # no CRC and the size field never filled in
    struct.pack_into("<I", never_closed, 4, 0)
    assert len(FitReader().read(bytes(never_closed), "open.fit")[0].samples) == 60
    corrupt = bytearray(data)
    struct.pack_into("<4s", corrupt, 8, b".GIT")
    with pytest.raises(ReadError, match="not a FIT file"):
        FitReader().read(bytes(corrupt), "sig.fit")


def test_mutated_files_only_raise_read_errors() -> None:
    base = _walk(seconds=20)
    rng = random.Random(20260302)
    for _ in range(300):
        data = bytearray(base)
        cut = rng.randrange(len(data))
        match rng.randrange(4):
            case 0:
                data[cut] ^= 1 << rng.randrange(8)
            case 1:
                del data[cut:]
            case 2:
                data[cut:cut] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
            case _:
                del data[cut : cut + rng.randint(1, 4)]
        with contextlib.suppress(ReadError):  # any other exception fails the test
            FitReader().read(bytes(data), "mutant.fit")
