"""walkrun's own FIT encoder, checked against the official SDK decoder and fitparse."""

from __future__ import annotations

import datetime as dt
import io
import struct
from pathlib import Path
from typing import Any

import fitparse
import pytest
from garmin_fit_sdk import Decoder, Profile, Stream

from conftest import SHARED_SAMPLES
from walkrun.fit import encode as fe

START = dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC)


def sdk_read(data: bytes) -> dict[str, list[dict[str, Any]]]:
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    assert decoder.is_fit()
    assert decoder.check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages  # type: ignore[no-any-return]


def fitparse_messages(data: bytes, name: str) -> list[dict[str, Any]]:
    return [m.get_values() for m in fitparse.FitFile(io.BytesIO(data), check_crc=True).get_messages(name)]


def small_workout() -> bytes:
    return fe.encode(
        [
            fe.file_id(fe.File.WORKOUT, START, fe.serial_for("w")),
            fe.file_creator(),
            fe.workout("Test", fe.Sport.RUNNING, 4),
            fe.workout_step(0, "run", duration_s=60, intensity=fe.Intensity.ACTIVE, notes="easy"),
            fe.workout_step(1, "walk", duration_s=90, intensity=fe.Intensity.RECOVERY),
            fe.repeat_step(2, 0, 5, "again"),
            fe.workout_step(3, "done", duration_s=None, intensity=fe.Intensity.COOLDOWN),
        ]
    )


# --------------------------------------------------------------------------- protocol details


def test_crc16_is_fit_crc() -> None:
    assert fe.crc16(b"123456789") == 0xBB3D  # the CRC-16/ARC check value; FIT's CRC is that algorithm
    assert fe.crc16(b"") == 0
    assert fe.crc16(b"6789", fe.crc16(b"12345")) == 0xBB3D


def test_header_and_file_crc() -> None:
    data = small_workout()
    size, protocol, profile, data_size, magic, header_crc = struct.unpack("<BBHI4sH", data[:14])
    assert (size, protocol, magic) == (14, 0x20, b".FIT")
    assert profile == fe.PROFILE_VERSION and 21000 < profile < 22000
    assert data_size == len(data) - 16
    assert header_crc == fe.crc16(data[:12])
    assert struct.unpack("<H", data[-2:])[0] == fe.crc16(data[:-2])
    assert fe.crc16(data) == 0  # a CRC run over its own CRC ends at zero


def test_enum_and_message_numbers_agree_with_the_sdk_profile() -> None:
    types = Profile["types"]
    for enum, type_name in (
        (fe.File, "file"),
        (fe.Manufacturer, "manufacturer"),
        (fe.Sport, "sport"),
        (fe.SubSport, "sub_sport"),
        (fe.WktStepDuration, "wkt_step_duration"),
        (fe.WktStepTarget, "wkt_step_target"),
        (fe.Intensity, "intensity"),
        (fe.Event, "event"),
        (fe.EventType, "event_type"),
        (fe.TimerTrigger, "timer_trigger"),
        (fe.ActivityType, "activity"),
        (fe.SessionTrigger, "session_trigger"),
        (fe.LapTrigger, "lap_trigger"),
    ):
        for member in enum:
            assert types[type_name][int(member)] == member.name.lower(), (type_name, member)
    sdk_messages = Profile["messages"]
    renamed = {("lap", "total_strides"): "total_cycles", ("session", "total_strides"): "total_cycles"}
    for mesg in fe.MESSAGES.values():
        theirs = sdk_messages[mesg.num]
        assert theirs["name"] == mesg.name
        for name, fdef in mesg.fields.items():
            field = theirs["fields"][fdef.num]
            assert field["name"] == renamed.get((mesg.name, name), name)
            assert field["base_type"] == fdef.base.name, (mesg.name, name)
            assert field["scale"][0] == fdef.scale and field["offset"][0] == fdef.offset, (mesg.name, name)


def test_workout_decodes_with_both_decoders() -> None:
    data = small_workout()
    messages = sdk_read(data)
    assert messages["file_id_mesgs"][0]["type"] == "workout"
    assert messages["file_id_mesgs"][0]["manufacturer"] == "development"
    assert messages["file_id_mesgs"][0]["time_created"] == START
    assert messages["workout_mesgs"][0] == {
        "sport": "running",
        "num_valid_steps": 4,
        "wkt_name": "Test",
        "sub_sport": "generic",
    }
    steps = messages["workout_step_mesgs"]
    assert [s["duration_value"] for s in steps[:3]] == [60000, 90000, 0]
    assert steps[2]["target_value"] == 5 and steps[2]["duration_type"] == "repeat_until_steps_cmplt"
    assert steps[3]["duration_type"] == "open" and "duration_value" not in steps[3]
    assert steps[0]["notes"] == "easy" and "notes" not in steps[1]
    parsed = fitparse_messages(data, "workout_step")
    assert [s["message_index"] for s in parsed] == [0, 1, 2, 3]
    assert parsed[2]["repeat_steps"] == 5 and parsed[2]["duration_step"] == 0


def test_timestamps_use_the_fit_epoch() -> None:
    assert fe.fit_timestamp(dt.datetime(1989, 12, 31, tzinfo=dt.UTC)) == 0
    assert fe.fit_timestamp(dt.datetime(1990, 1, 1, tzinfo=dt.UTC)) == 86400
    assert fe.fit_timestamp(START.astimezone(dt.timezone(dt.timedelta(hours=2)))) == fe.fit_timestamp(START)
    assert fe.from_fit_timestamp(fe.fit_timestamp(START)) == START
    with pytest.raises(ValueError, match="timezone"):
        fe.fit_timestamp(dt.datetime(2026, 1, 1))


def test_strings_are_fixed_size_nul_padded_and_cut_on_characters() -> None:
    name = "Ünïcödé walk × 12345678901234567890"
    data = fe.encode([fe.file_id(fe.File.WORKOUT, START, 7), fe.workout(name, fe.Sport.WALKING, 0)])
    got = sdk_read(data)["workout_mesgs"][0]["wkt_name"]
    assert len(got.encode("utf-8")) <= fe.WKT_NAME_SIZE - 1
    assert name.startswith(got)
    # The definition declares the fixed size, and the data is padded with NULs up to it.
    short = fe.encode([fe.workout("WR", fe.Sport.RUNNING, 0)])
    assert b"WR" + b"\x00" * (fe.WKT_NAME_SIZE - 2) in short
    assert bytes([8, fe.WKT_NAME_SIZE, 0x07]) in short


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"heart_rate": 255}, "does not fit"),  # 0xFF is uint8's invalid value
        ({"heart_rate": 300}, "does not fit"),
        ({"heart_rate": -1}, "does not fit"),
        ({"distance": float("nan")}, "finite"),
        ({"speed": "fast"}, "number"),
        ({"pace": 3}, "no field"),
    ],
)
def test_bad_values_are_refused(values: dict[str, Any], error: str) -> None:
    with pytest.raises((ValueError, TypeError, KeyError), match=error):
        fe.encode([fe.message("record", timestamp=START, **values)])


def test_zero_is_invalid_for_z_types() -> None:
    with pytest.raises(ValueError, match="uint32z"):
        fe.encode([fe.file_id(fe.File.WORKOUT, START, 0)])
    assert fe.serial_for("anything") != 0


def test_sint_types_round_trip() -> None:
    pos = (51.5007, -0.1246)
    data = fe.encode([fe.file_id(fe.File.ACTIVITY, START, 1), fe.record(START, position=pos)])
    rec = sdk_read(data)["record_mesgs"][0]
    assert abs(rec["position_lat"] * 180 / 2**31 - pos[0]) < 1e-6
    assert abs(rec["position_long"] * 180 / 2**31 - pos[1]) < 1e-6


def test_more_layouts_than_local_types_are_redefined() -> None:
    optional = ["heart_rate", "cadence_spm", "distance_m", "speed_mps", "position"]
    values: dict[str, Any] = {
        "heart_rate_bpm": 120,
        "cadence_spm": 110.0,
        "distance_m": 12.5,
        "speed_mps": 1.4,
        "position": (50.0, 8.0),
    }
    keys = list(values)
    layouts = [[k for bit, k in enumerate(keys) if mask >> bit & 1] for mask in range(1, 2 ** len(optional))]
    assert len(layouts) > fe.MAX_LOCAL_TYPES
    messages = [fe.file_id(fe.File.ACTIVITY, START, 1)]
    expected = []
    for i, layout in enumerate(layouts * 2):  # second pass reuses evicted local numbers
        when = START + dt.timedelta(seconds=i)
        messages.append(fe.record(when, **{k: values[k] for k in layout}))
        expected.append((when, "heart_rate_bpm" in layout, "distance_m" in layout))
    data = fe.encode(messages)
    records = sdk_read(data)["record_mesgs"]
    assert len(records) == len(expected)
    for rec, (when, has_hr, has_dist) in zip(records, expected, strict=True):
        assert rec["timestamp"] == when
        assert (rec.get("heart_rate") == 120) is has_hr
        assert (rec.get("distance") == 12.5) is has_dist
    assert len(fitparse_messages(data, "record")) == len(expected)


def test_encoding_is_deterministic() -> None:
    assert small_workout() == small_workout()


# --------------------------------------------------------------------------- activities


def walk_samples() -> list[fe.ActivitySample]:
    """Ten minutes: brisk walk, a short jog, a pause at a crossing, walk again (HR missing for a while)."""
    samples: list[fe.ActivitySample] = []
    for t in range(0, 600):
        if 300 <= t < 360:
            continue  # paused
        if 120 <= t < 180:
            samples.append((t, 2.6, 161.0, 140))
        elif 400 <= t < 420:
            samples.append((t, 1.5, 113.0, None))
        else:
            samples.append((t, 1.55, 115.5 if t % 2 else 114.0, 112 + t % 5))
    return samples


def test_activity_round_trips_with_the_sdk() -> None:
    samples = walk_samples()
    data = fe.encode_activity(START, samples, utc_offset_s=3600)
    messages = sdk_read(data)
    assert messages["file_id_mesgs"][0]["type"] == "activity"
    records = messages["record_mesgs"]
    assert len(records) == len(samples)
    distance = 0.0
    previous = None
    for rec, (t, speed, cadence, hr) in zip(records, samples, strict=True):
        if previous is not None and t - previous <= 30:
            distance += speed * (t - previous)
        previous = t
        assert rec["timestamp"] == START + dt.timedelta(seconds=t)
        assert rec["speed"] == pytest.approx(speed, abs=0.001)
        assert rec["enhanced_speed"] == pytest.approx(speed, abs=0.001)
        assert rec["distance"] == pytest.approx(distance, abs=0.01)
        assert cadence is not None
        assert 2 * (rec["cadence"] + rec["fractional_cadence"]) == pytest.approx(cadence, abs=2 / 128)
        assert rec.get("heart_rate") == hr
    (session,) = messages["session_mesgs"]
    assert session["sport"] == "walking"
    assert session["total_elapsed_time"] == 599
    assert session["total_timer_time"] == 599 - 61  # the pause does not count as moving
    assert session["total_distance"] == pytest.approx(distance, abs=0.01)
    assert session["max_heart_rate"] == 140
    assert session["start_time"] == START
    events = [(e["event"], e["event_type"]) for e in messages["event_mesgs"]]
    assert events == [("timer", "start"), ("timer", "stop"), ("timer", "start"), ("timer", "stop_all")]
    (activity,) = messages["activity_mesgs"]
    assert activity["num_sessions"] == 1
    assert activity["local_timestamp"] - fe.fit_timestamp(activity["timestamp"]) == 3600
    assert messages["lap_mesgs"][0]["total_distance"] == session["total_distance"]


def test_activity_reads_the_way_walkrun_reads_fit() -> None:
    """fitparse with CRC checks on, the fields a walk/run reader uses (steps/min = 2 × (cadence + fraction))."""
    samples = walk_samples()
    data = fe.encode_activity(START, samples, sport=fe.Sport.RUNNING)
    fit = fitparse.FitFile(io.BytesIO(data), check_crc=True)
    (file_id,) = [m.get_values() for m in fit.get_messages("file_id")]
    assert file_id["type"] == "activity"
    (session,) = [m.get_values() for m in fit.get_messages("session")]
    assert session["sport"] == "running"
    rows = []
    for msg in fit.get_messages("record"):
        v = msg.get_values()
        speed = v.get("enhanced_speed", v.get("speed"))
        spm = 2 * (v["cadence"] + (v.get("fractional_cadence") or 0)) if v.get("cadence") is not None else None
        rows.append((v["timestamp"].replace(tzinfo=dt.UTC), speed, spm, v.get("heart_rate"), v["distance"]))
    assert len(rows) == len(samples)
    for (when, speed, spm, hr, _), (t, s_speed, s_cad, s_hr) in zip(rows, samples, strict=True):
        assert when == START + dt.timedelta(seconds=t)
        assert speed == pytest.approx(s_speed, abs=0.001)
        assert spm == pytest.approx(s_cad, abs=2 / 128)
        assert hr == s_hr
    assert rows[-1][4] == pytest.approx(session["total_distance"], abs=0.01)
    assert session["total_timer_time"] == pytest.approx(538)
    assert [m.get_values()["event_type"] for m in fit.get_messages("event")] == ["start", "stop", "start", "stop_all"]


def test_activity_uses_the_record_fields_of_a_real_watch_walk() -> None:
    real = SHARED_SAMPLES / "fit" / "garmin-fenix-5-walk.fit"
    if not real.is_file():
        pytest.skip(f"shared FIT samples not found at {real.parent} (../shared/samples is absent)")
    fields = {"timestamp", "distance", "speed", "enhanced_speed", "cadence", "fractional_cadence", "heart_rate"}
    theirs = fitparse.FitFile(str(real)).get_messages("record")
    assert fields <= set(next(iter(theirs)).get_values())
    ours = fitparse_messages(fe.encode_activity(START, walk_samples()), "record")
    assert fields <= set(ours[0])


def test_write_activity_fit(tmp_path: Path) -> None:
    samples = walk_samples()
    path = fe.write_activity_fit(tmp_path / "walks" / "2026-03-03.fit", START, samples, pause_gap_s=None)
    data = path.read_bytes()
    assert data == fe.encode_activity(START, samples, pause_gap_s=None)
    assert data == fe.encode_activity(START, samples, pause_gap_s=None), "deterministic"
    session = sdk_read(data)["session_mesgs"][0]
    assert session["total_timer_time"] == 599  # without pause detection every gap counts
    assert [p.name for p in path.parent.iterdir()] == [path.name]


@pytest.mark.parametrize(
    ("start", "samples", "error"),
    [
        (dt.datetime(2026, 3, 3, 7), [(0, 1.0, None, None)], "timezone"),
        (START, [], "at least one"),
        (START, [(0, 1.0, None, None), (0, 1.0, None, None)], "increasing"),
    ],
)
def test_activity_input_errors(start: dt.datetime, samples: list[fe.ActivitySample], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        fe.encode_activity(start, samples)


def test_activity_without_cadence_or_hr() -> None:
    data = fe.encode_activity(START, [(t, 1.4, None, None) for t in range(60)])
    messages = sdk_read(data)
    assert "cadence" not in messages["record_mesgs"][0] and "heart_rate" not in messages["record_mesgs"][0]
    session = messages["session_mesgs"][0]
    assert session["total_distance"] == pytest.approx(1.4 * 59)
    assert "avg_heart_rate" not in session and "total_cycles" not in session
