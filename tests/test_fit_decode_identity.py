"""walkrun's FIT decoder gives the values fitparse gives, on every record of every shared sample.

fitparse is the oracle: it decodes with CRC checks off, after misaligned field
sizes (a Coros writer bug fitparse refuses) are retyped as raw bytes, the way
the official SDK reads them. Damaged files are compared up to where fitparse stops.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from walkrun.fit.decode import FitGroup, decode_fit

fitparse = pytest.importorskip("fitparse")
fitparse_records = pytest.importorskip("fitparse.records")

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "fit"
FILES = sorted(p.name for p in SAMPLES.iterdir() if p.suffix.lower() == ".fit") if SAMPLES.is_dir() else []
RECORD_NAMES = ("speed", "enhanced_speed", "distance", "cadence", "fractional_cadence", "heart_rate")
SESSION_NAMES = ("timestamp", "start_time", "total_elapsed_time", "total_timer_time", "total_distance")
SESSION_ENUMS = ("sport", "sub_sport")
LAP_NAMES = ("timestamp", "start_time", "total_elapsed_time", "total_timer_time", "total_distance", "intensity")
BASE_SIZES = {num: bt.size for num, bt in fitparse_records.BASE_TYPES.items()}


class _Raw(fitparse.FitFileDataProcessor):  # type: ignore[misc]
    """No conversions: timestamps stay seconds since the FIT epoch, as ours do."""

    def run_type_processor(self, field_data: Any) -> None:
        return None

    def run_field_processor(self, field_data: Any) -> None:
        return None

    def run_unit_processor(self, field_data: Any) -> None:
        return None

    def run_message_processor(self, data_message: Any) -> None:
        return None


def _retype_misaligned(data: bytes) -> bytes:
    """Mark fields whose size is not a multiple of their base type as bytes (fitparse refuses them)."""
    out = bytearray(data)
    pos, n = 0, len(data)
    sizes: dict[int, int] = {}
    end = 0
    while pos + 12 <= n:
        if pos >= end:  # a header
            if data[pos : pos + 12][8:12] != b".FIT":
                break
            end = pos + data[pos] + struct.unpack_from("<I", data, pos + 4)[0]
            pos += data[pos]
            sizes.clear()
            continue
        head = data[pos]
        if head & 0xC0 == 0x40:
            count = data[pos + 5]
            size = 0
            for i in range(count):
                at = pos + 6 + 3 * i
                if at + 2 >= n:
                    return bytes(out)
                unit = BASE_SIZES.get(data[at + 2])
                if unit and data[at + 1] % unit:
                    out[at + 2] = 0x0D
                size += data[at + 1]
            nxt = pos + 6 + 3 * count
            if head & 0x20 and nxt < n:
                size += sum(data[nxt + 1 + 3 * i + 1] for i in range(data[nxt]) if nxt + 2 + 3 * i < n)
                nxt += 1 + 3 * data[nxt]
            sizes[head & 0x0F] = size
            pos = nxt
        else:
            local = (head >> 5) & 3 if head & 0x80 else head & 0x0F
            if local not in sizes:
                break
            pos += 1 + sizes[local]
        if pos >= end:
            pos = end + 2
    return bytes(out)


def _oracle_messages(data: bytes, stopped: list[str]) -> Iterator[Any]:
    fitparse_records.DEV_TYPES.clear()
    fit = fitparse.FitFile(_retype_misaligned(data), check_crc=False, data_processor=_Raw())
    try:
        yield from fit.get_messages()
    except Exception as exc:  # the oracle stops at damage; what it read before is compared
        stopped.append(repr(exc))
    finally:
        fit.close()


def _merged(message: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field_data in message.fields:
        if isinstance(field_data.field_def, fitparse_records.DevFieldDefinition):
            continue
        if field_data.value is None and field_data.name in out:
            continue
        out[field_data.name] = field_data.value
    return out


def _oracle(data: bytes, stopped: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Records, sessions and laps of the activity parts, the reader's grouping applied."""
    records: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    laps: list[dict[str, Any]] = []
    active = True
    for message in _oracle_messages(data, stopped):
        name = message.name
        if name == "file_id":
            kind = _merged(message).get("type")
            active = kind in (None, "activity")
        elif active and name == "record":
            records.append(_merged(message))
        elif active and name == "session":
            sessions.append(_merged(message))
        elif active and name == "lap":
            laps.append(_merged(message))
    return records, sessions, laps


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None  # arrays and bytes: no number, for the oracle's reader and ours alike
    return float(value)


def _column(value: float) -> float | None:
    return None if math.isnan(value) else value


def _ours(data: bytes) -> list[FitGroup]:
    return [g for g in decode_fit(data).groups if g.is_activity]


@pytest.mark.parametrize("name", FILES or ["(samples missing)"])
def test_every_record_matches_fitparse(name: str) -> None:
    if not FILES:
        pytest.skip(f"shared samples not present: {SAMPLES}")
    data = (SAMPLES / name).read_bytes()
    stopped: list[str] = []
    expected, sessions, laps = _oracle(data, stopped)
    groups = _ours(data)
    ours = [(g.records, i) for g in groups for i in range(len(g.records))]
    if stopped:  # fitparse stopped at damage: we may read on only past where it stopped
        assert len(ours) >= len(expected)
    else:
        assert len(ours) == len(expected)
    mismatches = []
    for (columns, i), record in zip(ours, expected, strict=False):
        stamp = record.get("timestamp")
        got_time = columns.time[i]
        if (stamp if isinstance(stamp, int) else -1) != got_time:
            mismatches.append((i, "timestamp", stamp, got_time))
        for field_name in RECORD_NAMES:
            want = _number(record.get(field_name))
            got = _column(getattr(columns, field_name)[i])
            if want != got:
                mismatches.append((i, field_name, want, got))
    assert mismatches == [], f"{len(mismatches)} mismatches, first: {mismatches[:5]}"
    _compare_summaries(sessions, [s for g in groups for s in g.sessions], SESSION_NAMES + SESSION_ENUMS)
    _compare_summaries(laps, [lap for g in groups for lap in g.laps], LAP_NAMES)


def _compare_summaries(expected: list[dict[str, Any]], ours: list[dict[str, Any]], names: tuple[str, ...]) -> None:
    assert len(ours) >= len(expected)
    for want, got in zip(expected, ours, strict=False):
        for field_name in names:
            assert want.get(field_name) == got.get(field_name), field_name
        for number, ours_name in ((192, "workout_feel"), (193, "workout_rpe")):
            assert want.get(f"unknown_{number}", want.get(ours_name)) == got.get(ours_name)
