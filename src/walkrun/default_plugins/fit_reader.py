"""FIT activity files (Garmin, Coros, Wahoo, Strava, ...) decoded with fitparse.

fitparse 1.2.0 does the field decoding; this module adds what real files need
on top of it: a structural pass over the raw bytes before decoding, so that
damaged files get a precise one-line reason instead of a decoder exception,
chained files (several FIT files back to back) are split into their parts,
files whose recording never finished (no CRC) are still read, and a known
writer bug (a field whose size is not a multiple of its base type) is
tolerated the way the official SDK tolerates it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import fitparse
import fitparse.records
from pydantic import ValidationError

from walkrun.activities import Activity, Lap, Sample
from walkrun.default_plugins._trackmath import (
    as_utc,
    content_hash,
    is_foot_sport,
    moving_seconds,
    smoothed_speeds,
)
from walkrun.errors import NotAnActivityError, ReadError
from walkrun.hookspecs import hookimpl
from walkrun.readers import Reader

__all__ = ["FitReader", "looks_like_fit", "register_readers"]

FIT_SIGNATURE = b".FIT"
HEADER_SIZES = (12, 14)
CRC_SIZE = 2
# FIT date_time values below this are seconds since device power-on, not a date.
RELATIVE_TIME_LIMIT = 0x10000000
BYTE_BASE_TYPE = 0x0D

# fitparse 1.2.0 carries a 2019 profile: newer enum values arrive as raw ints.
SPORTS: dict[int, str] = {0: "generic", 1: "running", 2: "cycling", 5: "swimming", 11: "walking", 17: "hiking"}
INTENSITIES: dict[int, str] = {0: "active", 1: "rest", 2: "warmup", 3: "cooldown", 4: "recovery", 5: "interval"}
# Session fields 192/193 joined the profile in SDK 21.141, after fitparse's profile.
# workout_feel is 0-100 (higher feels better); workout_rpe is Borg CR10 x 10.
FEEL_FIELDS = ("workout_feel", "unknown_192")
RPE_FIELDS = ("workout_rpe", "unknown_193")

_WANTED = frozenset({"file_id", "session", "lap", "record", "activity", "sport"})
_RECORD_FIELDS = frozenset(
    {"timestamp", "enhanced_speed", "speed", "cadence", "fractional_cadence", "heart_rate", "distance"}
)
_BASE_TYPE_SIZES: dict[int, int] = {num: bt.size for num, bt in fitparse.records.BASE_TYPES.items()}
# fitparse keeps developer field descriptions in a module-level dict. Clearing it
# per file keeps results independent of what was read before; the lock keeps
# threads from clearing it under each other (pure-Python decoding gains nothing
# from threads anyway).
_FITPARSE_LOCK = threading.Lock()


def looks_like_fit(head: bytes) -> bool:
    """A 12- or 14-byte FIT header with the ``.FIT`` signature."""
    return len(head) >= 12 and head[0] in HEADER_SIZES and head[8:12] == FIT_SIGNATURE


class FitReader(Reader):
    """Activities from FIT files: one per session message (multisport files give several)."""

    name: ClassVar[str] = "fit"
    description: ClassVar[str] = "FIT activity files from watches and bike computers (fitparse)"
    extensions: ClassVar[tuple[str, ...]] = (".fit",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return looks_like_fit(head)

    def read(self, data: bytes, source: str) -> list[Activity]:
        parts = _split_parts(data, source)
        groups = _decode(parts, source)
        digest = content_hash(data)
        try:
            activities = _build_activities(groups, source, digest)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ReadError(source, f"FIT values out of range ({where}: {first['msg']})") from None
        return activities


@hookimpl
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    register(FitReader)


# --- structure: headers, message boundaries, chained parts -------------------


def _split_parts(data: bytes, source: str) -> list[bytes]:
    """Walk every header and message boundary; return one decodable blob per FIT part.

    This is a cheap pass (sizes only, no field decoding) that lets us name the
    exact problem and byte offset, which fitparse's exceptions do not.
    """
    n = len(data)
    if n < 12:
        raise ReadError(source, f"too short to be a FIT file ({n} bytes)")
    parts: list[bytes] = []
    offset = 0
    while offset < n:
        part_no = len(parts) + 1
        if n - offset < 12 or data[offset] not in HEADER_SIZES or data[offset + 8 : offset + 12] != FIT_SIGNATURE:
            if offset == 0:
                raise ReadError(source, "not a FIT file (no '.FIT' header)")
            if not data[offset:].strip(b"\x00"):
                break  # zero padding after the last part, written by some devices
            found = data[offset + 8 : offset + 12]
            raise ReadError(
                source,
                f"chained FIT part {part_no} at byte {offset} has a corrupt header "
                f"(expected '.FIT' signature, found {found!r})",
            )
        blob, offset = _scan_part(data, offset, part_no, source)
        parts.append(blob)
    return parts


def _scan_part(data: bytes, offset: int, part_no: int, source: str) -> tuple[bytes, int]:
    """Check one FIT part's messages; return the bytes fitparse should decode and where the next part starts.

    Repairs two harmless defects in a copy: a misaligned field (decoded as raw
    bytes instead of failing the whole file) and a missing CRC at the very end
    of the file (a recording that was never closed).
    """
    n = len(data)
    header_size = data[offset]
    (data_size,) = struct.unpack_from("<I", data, offset + 4)
    start = offset + header_size
    if data_size == 0 and n - start > CRC_SIZE:
        # A writer that never got to fill in the size (crashed recording): read to the end.
        data_size = n - start
    data_end = start + data_size
    where = f" in chained part {part_no}" if part_no > 1 else ""
    declared = data_end + CRC_SIZE - offset

    def truncated(at: int) -> ReadError:
        return ReadError(
            source,
            f"FIT file is truncated{where}: it ends at byte {n} inside a message starting at byte {at} "
            f"(the header declares {declared} bytes, {n - offset} present)",
        )

    sizes: dict[int, int] = {}
    patches: list[int] = []
    pos = start
    unterminated = False
    while pos < data_end:
        if pos >= n:
            raise ReadError(
                source, f"FIT file is truncated{where}: header declares {declared} bytes but only {n - offset} present"
            )
        head = data[pos]
        if head & 0x40 and not head & 0x80:
            end = _definition_end(data, pos, sizes, patches)
        else:
            # Normal data message, or compressed-timestamp data message (bit 7).
            local = (head >> 5) & 0x03 if head & 0x80 else head & 0x0F
            size = sizes.get(local)
            if size is None:
                raise _undefined(source, pos, local, where, declared, n - offset)
            end = pos + 1 + size
        if end > data_end and data_end <= n <= data_end + CRC_SIZE:
            # The last message runs over where the header says data stops, and the
            # file ends right there: the writer stopped without closing the file
            # (seen in real recordings). Keep every whole message, drop a cut one.
            unterminated = True
            data_end = end if end <= n else pos
            break
        if end > n:
            raise truncated(pos)
        if end > data_end:
            raise ReadError(source, f"corrupt FIT data{where}: the message at byte {pos} runs past the end of its part")
        pos = end
    if data_end + CRC_SIZE > n:
        unterminated = True  # every message is whole; only the CRC is missing
    # An unterminated part is the last one: whatever follows its messages is the cut-off tail.
    next_offset = n if unterminated else data_end + CRC_SIZE
    if not unterminated and not patches:
        return data[offset:next_offset], next_offset
    blob = bytearray(data[offset:data_end] if unterminated else data[offset:next_offset])
    for at in patches:
        if at < data_end:  # a definition cut off at the end was dropped with its patch
            blob[at - offset] = BYTE_BASE_TYPE
    if unterminated:
        struct.pack_into("<I", blob, 4, data_end - start)
        blob += b"\x00\x00"  # placeholder CRC; CRCs are not checked (see _decode_part)
    return bytes(blob), next_offset


def _definition_end(data: bytes, pos: int, sizes: dict[int, int], patches: list[int]) -> int:
    """End offset of the definition message at ``pos``; records the size of its data messages.

    Returns an offset past the end of ``data`` when the definition itself is cut off.
    """
    n = len(data)
    if pos + 6 > n:
        return n + 1
    num_fields = data[pos + 5]
    fields_at = pos + 6
    end = fields_at + 3 * num_fields
    if end > n:
        return end
    size = 0
    for i in range(num_fields):
        f_size, base = data[fields_at + 3 * i + 1], data[fields_at + 3 * i + 2]
        unit = _BASE_TYPE_SIZES.get(base)
        if unit and f_size % unit:
            # Seen in Coros files: the official SDK reads such a field as raw bytes,
            # fitparse 1.2.0 refuses the whole file.
            patches.append(fields_at + 3 * i + 2)
        size += f_size
    if data[pos] & 0x20:  # developer fields follow
        if end + 1 > n:
            return end + 1
        num_dev = data[end]
        dev_at = end + 1
        end = dev_at + 3 * num_dev
        if end > n:
            return end
        size += sum(data[dev_at + 3 * i + 1] for i in range(num_dev))
    sizes[data[pos] & 0x0F] = size
    return end


def _undefined(source: str, pos: int, local: int, where: str, declared: int, present: int) -> ReadError:
    reason = (
        f"corrupt FIT data{where} at byte {pos}: a data message uses local message type {local}, "
        "which was never defined"
    )
    if present < declared:
        reason += f" (the file is also {declared - present} bytes shorter than its header declares)"
    return ReadError(source, reason)


# --- decoding with fitparse -------------------------------------------------


@dataclass
class _Group:
    """Messages of one logical FIT file (a part with a file_id, plus parts continuing it)."""

    file_type: str | None
    file_id: dict[str, Any] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    activity: dict[str, Any] | None = None
    sport: dict[str, Any] | None = None

    @property
    def is_activity(self) -> bool:
        return self.file_type in (None, "activity")


class _Processor(fitparse.FitFileDataProcessor):  # type: ignore[misc]
    """fitparse's default processing, minus its per-field name lookups.

    The default processor looks up ``process_field_<name>``/``process_units_<unit>``
    methods for every field, nearly all missing, which costs about a quarter of
    the decoding time. Only the type conversions it actually performs are kept.
    """

    _TYPES: ClassVar[dict[str, str]] = {
        "date_time": "process_type_date_time",
        "local_date_time": "process_type_local_date_time",
        "localtime_into_day": "process_type_localtime_into_day",
        "bool": "process_type_bool",
    }

    def run_type_processor(self, field_data: Any) -> None:
        method = self._TYPES.get(field_data.type.name)
        if method is not None:
            getattr(self, method)(field_data)

    def run_field_processor(self, field_data: Any) -> None:
        return None

    def run_unit_processor(self, field_data: Any) -> None:
        return None

    def run_message_processor(self, data_message: Any) -> None:
        return None


def _decode(parts: list[bytes], source: str) -> list[_Group]:
    groups: list[_Group] = []
    with _FITPARSE_LOCK:
        fitparse.records.DEV_TYPES.clear()
        part_no = 0
        try:
            for blob in parts:
                part_no += 1
                _decode_part(blob, groups)
        except Exception as exc:
            # fitparse is a third-party decoder fed untrusted bytes: anything it
            # raises (FitParseError, KeyError, struct.error...) means "cannot read this file".
            where = f" in chained part {part_no}" if len(parts) > 1 else ""
            raise ReadError(source, f"FIT decoder failed{where}: {type(exc).__name__}: {exc}") from None
        finally:
            fitparse.records.DEV_TYPES.clear()
    return groups


def _decode_part(blob: bytes, groups: list[_Group]) -> None:
    # CRCs are not checked: real files (Strava, some Garmin exports) carry wrong
    # CRCs over sound data, and the structural pass already found truncation.
    fit = fitparse.FitFile(blob, check_crc=False, data_processor=_Processor())
    try:
        for message in fit.get_messages():
            name = message.name
            if name not in _WANTED:
                continue
            if name == "file_id":
                values = _values(message)
                file_type = values.get("type")
                groups.append(_Group(_label(file_type) if file_type is not None else None, file_id=values))
                if not groups[-1].is_activity:
                    return  # nothing in a settings/monitoring/workout part is needed
                continue
            if not groups:
                groups.append(_Group(None))  # activity data without a file_id message
            group = groups[-1]
            if not group.is_activity:
                return
            if name == "record":
                group.records.append(_values(message, _RECORD_FIELDS))
            elif name == "session":
                group.sessions.append(_values(message))
            elif name == "lap":
                group.laps.append(_values(message))
            elif name == "activity":
                group.activity = _values(message)
            elif name == "sport" and group.sport is None:
                group.sport = _values(message)
    finally:
        fit.close()


def _values(message: Any, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Field values by name, developer fields left out (their names can shadow real ones)."""
    out: dict[str, Any] = {}
    for field_data in message.fields:
        if isinstance(field_data.field_def, fitparse.records.DevFieldDefinition):
            continue
        name = field_data.name
        if only is not None and name not in only:
            continue
        value = field_data.value
        if value is None and name in out:
            continue  # a component expansion already filled it
        out[name] = value
    return out


def _label(value: Any) -> str:
    return value.lower() if isinstance(value, str) else f"type {value}"


# --- activities ---------------------------------------------------------------


class _Clock:
    """Turns FIT timestamps into aware UTC datetimes, anchoring device-relative times."""

    def __init__(self, activity: dict[str, Any] | None) -> None:
        self.utc_offset_s: int | None = None
        self._relative_base: dt.datetime | None = None
        if not activity:
            return
        stamp, local = activity.get("timestamp"), activity.get("local_timestamp")
        if isinstance(stamp, dt.datetime) and isinstance(local, dt.datetime):
            offset = round((local - stamp).total_seconds())
            if abs(offset) <= 14 * 3600:
                self.utc_offset_s = offset
        elif isinstance(stamp, int) and isinstance(local, dt.datetime):
            # A device without a clock set (old Forerunners) counts seconds from power-on;
            # its only absolute time is local. Taking local as UTC with offset 0 keeps the
            # local date and time of day right, which is what walkrun's weeks depend on.
            self._relative_base = as_utc(local) - dt.timedelta(seconds=stamp)
            self.utc_offset_s = 0

    def __call__(self, value: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            return as_utc(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < RELATIVE_TIME_LIMIT:
            if self._relative_base is None:
                raise _Unanchored
            return self._relative_base + dt.timedelta(seconds=value)
        return None


class _Unanchored(Exception):
    pass


def _num(value: Any) -> float | None:
    """A finite, non-negative number, else None (FIT invalid values already arrive as None)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) and number >= 0 else None


def _first_num(values: dict[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        number = _num(values.get(name))
        if number is not None:
            return number
    return None


def _sport(value: Any) -> str:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int):
        return SPORTS.get(value, f"sport-{value}")
    return "unknown"


def _sub_sport(value: Any) -> str | None:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int):
        return "generic" if value == 0 else f"sub-sport-{value}"
    return None


def _device(file_id: dict[str, Any]) -> str | None:
    product_name = file_id.get("product_name")
    if isinstance(product_name, str) and product_name.strip():
        return product_name.strip()
    maker = file_id.get("manufacturer")
    product = file_id.get("garmin_product")
    if product is None:
        product = file_id.get("product")
    words = []
    if maker is not None:
        words.append(maker if isinstance(maker, str) else f"manufacturer {maker}")
    if product is not None:
        words.append(str(product))
    return " ".join(words) or None


def _build_activities(groups: list[_Group], source: str, digest: str) -> list[Activity]:
    wanted = [g for g in groups if g.is_activity]
    if not wanted:
        kind = groups[0].file_type if groups else "unknown"
        raise NotAnActivityError(source, f"FIT file of type '{kind}', not an activity")
    activities: list[Activity] = []
    for group in wanted:
        try:
            activities.extend(_group_activities(group, source, digest, len(activities)))
        except _Unanchored:
            raise ReadError(
                source, "FIT timestamps count from device power-on and the file has no clock time to anchor them"
            ) from None
    if not activities:
        raise NotAnActivityError(source, "FIT activity file has no sessions and no timestamped records")
    return activities


@dataclass
class _Window:
    session: dict[str, Any] | None
    start: dt.datetime
    end: dt.datetime | None
    records: list[tuple[dt.datetime, dict[str, Any]]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)


def _group_activities(group: _Group, source: str, digest: str, first_index: int) -> list[Activity]:
    clock = _Clock(group.activity)
    records = [(t, r) for r in group.records if (t := clock(r.get("timestamp"))) is not None]
    records.sort(key=lambda item: item[0])
    windows: list[_Window] = []
    for number, session in enumerate(group.sessions, start=1):
        start, end = _session_span(session, clock)
        if start is None:
            raise ReadError(source, f"FIT session {number} has no start time")
        windows.append(_Window(session, start, end))
    if not windows:
        if not records:
            return []
        windows.append(_Window(None, records[0][0], records[-1][0]))
    _assign(windows, records, group.laps, clock)
    activities = []
    for offset, window in enumerate(windows):
        activities.append(_activity(group, window, clock, source, digest, first_index + offset))
    return activities


def _session_span(session: dict[str, Any], clock: _Clock) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = clock(session.get("start_time"))
    stamp = clock(session.get("timestamp"))
    elapsed = _num(session.get("total_elapsed_time"))
    if start is None and stamp is not None and elapsed is not None:
        start = stamp - dt.timedelta(seconds=elapsed)
    if start is None:
        return None, None
    if elapsed is not None:
        return start, start + dt.timedelta(seconds=elapsed)
    return start, stamp


def _assign(
    windows: list[_Window],
    records: list[tuple[dt.datetime, dict[str, Any]]],
    laps: list[dict[str, Any]],
    clock: _Clock,
) -> None:
    """Give each record and lap to the session that was running at its time."""
    order = sorted(range(len(windows)), key=lambda i: windows[i].start)
    starts = [windows[i].start for i in order]
    slack = dt.timedelta(seconds=1)

    def owner(moment: dt.datetime) -> _Window | None:
        pos = bisect.bisect_right(starts, moment) - 1
        if pos < 0:
            return None
        window = windows[order[pos]]
        if window.end is not None and moment > window.end + slack:
            return None
        return window

    for moment, record in records:
        target = owner(moment)
        if target is not None:
            target.records.append((moment, record))
    for lap in laps:
        lap_start = clock(lap.get("start_time"))
        if lap_start is None:
            continue
        # The midpoint, because in multisport files one lap ends where the next
        # session starts, and some devices write a lap start before its session's.
        elapsed = _num(lap.get("total_elapsed_time")) or 0.0
        target = owner(lap_start + dt.timedelta(seconds=elapsed / 2))
        if target is not None:
            target.laps.append(lap)


def _activity(group: _Group, window: _Window, clock: _Clock, source: str, digest: str, index: int) -> Activity:
    session = window.session or {}
    sport_info = group.sport or {}
    sport = _sport(session.get("sport", sport_info.get("sport")))
    sub_sport = _sub_sport(session.get("sub_sport", sport_info.get("sub_sport")))
    foot = is_foot_sport(sport, sub_sport)
    start = window.start

    times: list[float] = []
    speeds: list[float | None] = []
    dists: list[float | None] = []
    cadences: list[float | None] = []
    rates: list[int | None] = []
    for moment, record in window.records:
        times.append(max(0.0, (moment - start).total_seconds()))
        speeds.append(_first_num(record, ("enhanced_speed", "speed")))
        dists.append(_num(record.get("distance")))
        cadence = _num(record.get("cadence"))
        if cadence is not None:
            cadence += _num(record.get("fractional_cadence")) or 0.0
            # FIT running/walking cadence is strides (one foot) per minute.
            cadence = 2 * cadence if foot else cadence
        cadences.append(cadence)
        rate = _num(record.get("heart_rate"))
        rates.append(int(rate) if rate is not None else None)
    if any(s is None for s in speeds) and any(d is not None for d in dists):
        derived = smoothed_speeds(times, dists)
        speeds = [s if s is not None else d for s, d in zip(speeds, derived, strict=True)]
    samples = [
        Sample(t_s=t, speed_mps=s, cadence_spm=c, heart_rate_bpm=h, distance_m=d)
        for t, s, c, h, d in zip(times, speeds, cadences, rates, dists, strict=True)
    ]

    elapsed = _num(session.get("total_elapsed_time"))
    if elapsed is None:
        end = clock(session.get("timestamp")) or window.end
        elapsed = max(0.0, (end - start).total_seconds()) if end is not None else (times[-1] if times else 0.0)
    moving = _num(session.get("total_timer_time"))
    if moving is None and times:
        moving = moving_seconds(times, speeds)
    distance = _num(session.get("total_distance"))
    if distance is None:
        distance = next((d for d in reversed(dists) if d is not None), None)
    rpe = _first_num(session, RPE_FIELDS)

    return Activity(
        source=source,
        content_hash=digest,
        index=index,
        sport=sport,
        sub_sport=sub_sport,
        start_utc=start,
        utc_offset_s=clock.utc_offset_s,
        elapsed_s=elapsed,
        moving_s=moving,
        distance_m=distance,
        samples=samples,
        laps=_laps(window.laps, start, clock),
        device=_device(group.file_id),
        feel=_first_num(session, FEEL_FIELDS),
        rpe=rpe / 10 if rpe is not None else None,
    )


def _laps(laps: list[dict[str, Any]], start: dt.datetime, clock: _Clock) -> list[Lap]:
    out = []
    for lap in laps:
        lap_start = clock(lap.get("start_time"))
        if lap_start is None:
            continue
        elapsed = _num(lap.get("total_elapsed_time"))
        if elapsed is None:
            stamp = clock(lap.get("timestamp"))
            if stamp is None:
                continue
            elapsed = max(0.0, (stamp - lap_start).total_seconds())
        intensity = lap.get("intensity")
        if isinstance(intensity, int):
            intensity = INTENSITIES.get(intensity, f"intensity-{intensity}")
        out.append(
            Lap(
                start_s=max(0.0, (lap_start - start).total_seconds()),
                elapsed_s=elapsed,
                moving_s=_num(lap.get("total_timer_time")),
                distance_m=_num(lap.get("total_distance")),
                intensity=intensity.lower() if isinstance(intensity, str) else None,
            )
        )
    out.sort(key=lambda lap: lap.start_s)
    return out
