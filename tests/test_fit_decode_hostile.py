"""The FIT decoder on files built byte by byte: endianness, compressed timestamps, developer
fields, damage at any offset, bounds against evidence and memory bombs, and fuzzing."""

from __future__ import annotations

import datetime as dt
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from walkrun.builtin.readers.fit import FitReader
from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError
from walkrun.fit.crc import crc16, crc16_reference
from walkrun.fit.decode import MAX_PARTS, MAX_SESSIONS, decode_fit

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "fit"
T0 = 1_100_000_000  # FIT seconds: 2024-11-08
FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
UINT32, UINT16, UINT8, ENUM, BYTE = 0x86, 0x84, 0x02, 0x00, 0x0D

RECORD_FIELDS = [(253, 4, UINT32), (5, 4, UINT32), (6, 2, UINT16), (3, 1, UINT8), (4, 1, UINT8), (53, 1, UINT8)]
RECORD_FMT = "IIHBBB"
SESSION_FIELDS = [(253, 4, UINT32), (2, 4, UINT32), (7, 4, UINT32), (8, 4, UINT32), (9, 4, UINT32), (5, 1, ENUM)]


def warnings_of(activity: Activity) -> list[str]:
    return list(activity.warnings)


def fit_file(body: bytes) -> bytes:
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16_reference(header))
    whole = header + body
    return whole + struct.pack("<H", crc16_reference(whole))


def definition(
    local: int, global_num: int, fields: list[tuple[int, int, int]], *, big: bool = False, dev: int = 0
) -> bytes:
    head = 0x40 | local | (0x20 if dev else 0)
    out = struct.pack(">BBBHB" if big else "<BBBHB", head, 0, int(big), global_num, len(fields))
    out += b"".join(bytes(f) for f in fields)
    if dev:
        out += bytes([1, 0, dev, 0])  # one developer field of ``dev`` bytes (index 0, number 0)
    return out


def data_message(local: int, fmt: str, *values: int, big: bool = False, time_offset: int | None = None) -> bytes:
    head = local if time_offset is None else 0x80 | (local << 5) | time_offset
    return bytes([head]) + struct.pack((">" if big else "<") + fmt, *values)


def walk(
    seconds: int = 60,
    *,
    big: bool = False,
    compressed: bool = False,
    dev: int = 0,
    sessions: int = 1,
    session_s: float | None = None,
) -> bytes:
    """A walk at 1.5 m/s, 53.5 strides/min, one record a second, then its sessions and activity."""
    body = definition(0, 0, [(0, 1, ENUM), (1, 2, UINT16), (2, 2, UINT16)], big=big)
    body += data_message(0, "BHH", 4, 1, 2697, big=big)  # activity, garmin, fenix5
    if compressed:
        fields = [f for f in RECORD_FIELDS if f[0] != 253]
        body += definition(1, 20, RECORD_FIELDS, big=big, dev=dev)
        body += data_message(1, RECORD_FMT + "x" * dev, T0, 0, 1500, 100, 53, 64, big=big)
        body += definition(2, 20, fields, big=big, dev=dev)
        for i in range(1, seconds):
            body += data_message(2, RECORD_FMT[1:] + "x" * dev, 150 * i, 1500, 100 + i % 10, 53, 64, big=big,
                                 time_offset=(T0 + i) & 0x1F)  # fmt: skip
    else:
        body += definition(1, 20, RECORD_FIELDS, big=big, dev=dev)
        for i in range(seconds):
            body += data_message(1, RECORD_FMT + "x" * dev, T0 + i, 150 * i, 1500, 100 + i % 10, 53, 64, big=big)
    elapsed = session_s if session_s is not None else seconds - 1.0
    body += definition(3, 18, SESSION_FIELDS, big=big)
    for _ in range(sessions):
        end = T0 + round(elapsed)
        body += data_message(3, "IIIIIB", end, T0, round(elapsed * 1000), round(elapsed * 1000), 150 * (seconds - 1),
                             11, big=big)  # fmt: skip
    body += definition(4, 34, [(253, 4, UINT32), (5, 4, UINT32)], big=big)
    body += data_message(4, "II", T0 + seconds, T0 + seconds + 3600, big=big)
    return fit_file(body)


def read(data: bytes, name: str = "test.fit") -> list[Activity]:
    return FitReader().read(data, name)


def test_fast_crc_is_the_sdk_crc() -> None:
    rng = random.Random(7)
    for size in (0, 1, 2, 3, 255, 4096, 4097):
        blob = rng.randbytes(size)
        assert crc16(blob) == crc16_reference(blob)
        assert crc16(blob, 1, max(1, size - 1)) == crc16_reference(blob[1 : max(1, size - 1)])


def test_a_walk_reads_the_same_in_both_endiannesses_and_with_compressed_timestamps() -> None:
    (plain,) = read(walk())
    assert plain.sport == "walking" and plain.device == "garmin fenix5" and plain.utc_offset_s == 3600
    assert plain.start_utc == FIT_EPOCH + dt.timedelta(seconds=T0)
    assert len(plain.samples) == 60 and warnings_of(plain) == []
    assert {s.cadence_spm for s in plain.samples} == {107.0}  # 2 x (53 + 64/128)
    assert plain.samples[10].speed_mps == 1.5 and plain.samples[10].distance_m == 15.0
    assert plain.samples[10].heart_rate_bpm == 100 and plain.samples[10].t_s == 10.0
    for variant in (walk(big=True), walk(compressed=True), walk(big=True, compressed=True), walk(dev=3)):
        (other,) = read(variant)
        assert other.samples == plain.samples
        assert (other.elapsed_s, other.moving_s, other.distance_m) == (plain.elapsed_s, plain.moving_s, 88.5)


def test_compressed_timestamps_roll_over_every_32_seconds() -> None:
    (act,) = read(walk(seconds=200, compressed=True))
    assert [s.t_s for s in act.samples] == [float(i) for i in range(200)]


def test_truncation_at_any_offset_keeps_the_whole_records_before_it() -> None:
    data = walk(seconds=40)
    full = read(data)[0].samples
    for cut in range(0, len(data), 7):
        try:
            (act,) = read(data[:cut], "cut.fit")
        except ReadError as exc:
            assert str(exc).startswith("cut.fit: ") and "\n" not in str(exc)
            continue
        assert act.samples == full[: len(act.samples)]
        assert warnings_of(act)[0].startswith("recovered from a damaged file: "), cut


def test_a_file_cut_inside_a_header() -> None:
    data = walk(seconds=5)
    with pytest.raises(ReadError, match=r"^cut\.fit: truncated: the file ends inside its 14-byte FIT header$"):
        read(data[:13], "cut.fit")
    first, *rest = read(data + data[:13])
    assert rest == [] and len(first.samples) == 5
    assert warnings_of(first) == [
        "recovered from a damaged file: truncated: the file ends inside the header of chained part 2"
    ]


def test_a_damaged_middle_keeps_what_comes_before() -> None:
    data = bytearray(walk(seconds=40))
    at = 14 + 15 + 6 + 24 + 20 * 14  # header, file_id definition and message, record definition, 20 records
    data[at] = 0x0F  # local message type 15: never defined
    (act,) = read(bytes(data), "mid.fit")
    assert len(act.samples) == 20
    assert "local message type 15, never defined" in warnings_of(act)[0]


def test_crc_mismatches_are_warnings() -> None:
    data = bytearray(walk())
    data[-1] ^= 0xFF
    data[12] ^= 0xFF  # header CRC
    (act,) = read(bytes(data))
    assert len(act.samples) == 60
    assert warnings_of(act) == ["FIT header CRC does not match", "FIT file CRC does not match: its data may be damaged"]


def test_records_outside_the_session_are_reported_not_dropped_silently() -> None:
    (act,) = read(walk(seconds=100, session_s=39.0))
    assert len(act.samples) == 41  # a record up to 1 s after the session's end still belongs to it
    start = FIT_EPOCH + dt.timedelta(seconds=T0 + 41)
    end = FIT_EPOCH + dt.timedelta(seconds=T0 + 99)
    assert warnings_of(act) == [
        f"59 records outside session 1's time ({start:%Y-%m-%d %H:%M:%S} to {end:%Y-%m-%d %H:%M:%S} UTC) left out"
    ]


def test_too_many_sessions_is_one_clear_refusal() -> None:
    assert len(read(walk(seconds=5, sessions=3))) == 3
    bomb = walk(seconds=5, sessions=5000)
    assert len(bomb) < 200_000
    with pytest.raises(ReadError, match=rf"^bomb\.fit: holds more than {MAX_SESSIONS} sessions"):
        read(bomb, "bomb.fit")


def test_too_many_chained_parts_is_one_clear_refusal() -> None:
    part = walk(seconds=3)
    assert len(read(part * 3)) == 3
    with pytest.raises(ReadError, match=rf"holds more than {MAX_PARTS} FIT files chained together"):
        read(part * (MAX_PARTS + 1))


def test_activity_length_is_bounded() -> None:
    with pytest.raises(ReadError, match=r"^long\.fit: FIT activity lasts 49\.0 h by session 1's elapsed time"):
        read(walk(seconds=5, session_s=49 * 3600), "long.fit")
    body = definition(1, 20, [(253, 4, UINT32), (3, 1, UINT8)])
    body += data_message(1, "IB", T0, 100) + data_message(1, "IB", T0 + 72 * 3600, 100)
    with pytest.raises(ReadError, match=r"lasts 72\.0 h by its records, more than the 48 h"):
        read(fit_file(body))


def test_garbage_timestamps_never_overflow() -> None:
    body = definition(1, 20, [(253, 4, UINT32), (3, 1, UINT8)])
    for stamp in (0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF):
        body += data_message(1, "IB", stamp, 100)
    (act,) = read(fit_file(body))
    assert act.start_utc.year == 2126 and len(act.samples) == 2
    assert warnings_of(act) == ["1 record without a time left out"]
    session = definition(3, 18, SESSION_FIELDS) + data_message(3, "IIIIIB", 0xFFFFFFFE, 0xFFFFFFFE, 0, 0, 0, 11)
    (act,) = read(fit_file(session))
    assert act.start_utc.year == 2126


def test_a_large_file_decodes_into_compact_columns() -> None:
    count = 30_000
    body = definition(1, 20, RECORD_FIELDS)
    record = struct.Struct("<B" + RECORD_FMT)
    body += b"".join(record.pack(1, T0 + i, 150 * i, 1500, 100, 53, 64) for i in range(count))
    data = fit_file(body)
    decoded = decode_fit(data)
    (group,) = decoded.groups
    columns = group.records
    assert len(columns) == count and columns.time.itemsize == 8 and columns.speed.typecode == "d"
    assert columns.time[-1] == T0 + count - 1 and columns.distance[-1] == 1.5 * (count - 1)
    (act,) = read(data)  # 8.3 h of records without a session: one activity
    assert len(act.samples) == count
    over = fit_file(body + record.pack(1, T0 + 49 * 3600, 0, 0, 100, 53, 64))
    with pytest.raises(ReadError, match=r"lasts 49\.0 h by its records"):
        read(over)


def _mutants(base: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        data = bytearray(base)
        cut = rng.randrange(len(data))
        match rng.randrange(4):
            case 0:
                for _ in range(rng.randint(1, 8)):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            case 1:
                del data[cut:]
            case 2:
                data[cut:cut] = rng.randbytes(rng.randint(1, 16))
            case _:
                del data[cut : cut + rng.randint(1, 16)]
        out.append(bytes(data))
    return out


def _only_read_errors(mutants: list[bytes]) -> None:
    for data in mutants:
        try:
            read(data, "mutant.fit")
        except ReadError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("mutant.fit: ")


def test_fuzzed_generated_files_raise_only_read_errors() -> None:
    rng = random.Random(20261202)
    _only_read_errors(_mutants(walk(seconds=30, compressed=True, dev=2), rng, 400))


@pytest.mark.parametrize(
    "name", ["garmin-fenix-5-walk.fit", "compressed-speed-distance.fit", "sample_mulitple_header.fit"]
)
def test_fuzzed_samples_raise_only_read_errors(name: str) -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not present: {SAMPLES}")
    rng = random.Random(name)
    _only_read_errors(_mutants((SAMPLES / name).read_bytes(), rng, 60))


def test_the_reader_runs_without_fitparse() -> None:
    code = "import sys, walkrun.builtin.readers.fit; print(sorted(m for m in sys.modules if 'fitparse' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
