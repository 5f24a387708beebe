"""A small FIT encoder written for walkrun (MIT), for workout and activity files.

The official Garmin FIT SDK may not be redistributed, so walkrun writes FIT
itself. This module covers only what walkrun needs: the 14-byte file header,
definition and data messages with little-endian fields, the base types, and
the CRC. Message and field numbers, base types and enum values follow the FIT
profile (checked against the SDK's profile 21.x; the SDK decoder is used only
by the tests to prove the files are valid).

Layout of a file::

    header (14 bytes, CRC of bytes 0-11) | records ... | CRC-16 of everything before it

Each record is a definition message (which fields a local message type
carries, with sizes and base types) or a data message for a local type that
was defined earlier. Output depends only on the inputs: no wall clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TypeAlias

from walkrun.writers import atomic_write

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
PROTOCOL_VERSION = 0x20  # 2.0: high nibble major, low nibble minor
PROFILE_VERSION = 21141  # 21.141; since profile 21 the header stores major * 1000 + minor
HEADER_SIZE = 14
PRODUCT_ID = 1  # our own product number under manufacturer "development"
SOFTWARE_VERSION = 1  # file_creator.software_version; bump when the layout of our files changes
MAX_LOCAL_TYPES = 16  # the normal record header has four bits for the local message type

# ---------------------------------------------------------------------------
# CRC


def _crc_table() -> tuple[int, ...]:
    # FIT uses CRC-16 with the reflected polynomial 0xA001 (CRC-16/ARC), start value 0.
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(data: bytes | bytearray, crc: int = 0) -> int:
    """FIT CRC-16 of ``data``, continuing from ``crc``."""
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


# ---------------------------------------------------------------------------
# Base types and profile


@dataclass(frozen=True)
class BaseType:
    """A FIT base type: the byte written in definitions, its struct code and invalid value."""

    name: str
    code: int  # includes the endian-ability bit 0x80 for multi-byte types
    fmt: str
    invalid: int

    @property
    def size(self) -> int:
        return struct.calcsize("<" + self.fmt)

    @property
    def zero_invalid(self) -> bool:
        return self.name.endswith("z")

    def bounds(self) -> tuple[int, int]:
        bits = self.size * 8
        if self.fmt.islower():  # signed struct codes
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1


ENUM = BaseType("enum", 0x00, "B", 0xFF)
SINT8 = BaseType("sint8", 0x01, "b", 0x7F)
UINT8 = BaseType("uint8", 0x02, "B", 0xFF)
SINT16 = BaseType("sint16", 0x83, "h", 0x7FFF)
UINT16 = BaseType("uint16", 0x84, "H", 0xFFFF)
SINT32 = BaseType("sint32", 0x85, "i", 0x7FFFFFFF)
UINT32 = BaseType("uint32", 0x86, "I", 0xFFFFFFFF)
STRING = BaseType("string", 0x07, "s", 0x00)
UINT8Z = BaseType("uint8z", 0x0A, "B", 0x00)
UINT16Z = BaseType("uint16z", 0x8B, "H", 0x0000)
UINT32Z = BaseType("uint32z", 0x8C, "I", 0x00000000)
BYTE = BaseType("byte", 0x0D, "B", 0xFF)


@dataclass(frozen=True)
class FieldDef:
    """One field of a message: number, base type, scale/offset, and a fixed size for strings."""

    num: int
    base: BaseType
    scale: float = 1.0
    offset: float = 0.0
    size: int | None = None  # strings: bytes including the NUL terminator

    def byte_size(self, value: object) -> int:
        if self.base is STRING:
            if self.size is not None:
                return self.size
            assert isinstance(value, str)
            return min(len(value.encode("utf-8")) + 1, 255)
        return self.base.size


@dataclass(frozen=True)
class MessageDef:
    """A global FIT message: its number and the fields walkrun writes (name -> field)."""

    name: str
    num: int
    fields: Mapping[str, FieldDef] = field(hash=False)


class File(IntEnum):
    ACTIVITY = 4
    WORKOUT = 5
    SCHEDULES = 7


class Manufacturer(IntEnum):
    GARMIN = 1
    DEVELOPMENT = 255


class Sport(IntEnum):
    GENERIC = 0
    RUNNING = 1
    TRAINING = 10
    WALKING = 11


class SubSport(IntEnum):
    GENERIC = 0
    STRENGTH_TRAINING = 20


class WktStepDuration(IntEnum):
    TIME = 0
    DISTANCE = 1
    OPEN = 5
    REPEAT_UNTIL_STEPS_CMPLT = 6


class WktStepTarget(IntEnum):
    SPEED = 0
    HEART_RATE = 1
    OPEN = 2
    CADENCE = 3


class Intensity(IntEnum):
    ACTIVE = 0
    REST = 1
    WARMUP = 2
    COOLDOWN = 3
    RECOVERY = 4
    INTERVAL = 5
    OTHER = 6


class Event(IntEnum):
    TIMER = 0
    SESSION = 8
    LAP = 9
    ACTIVITY = 26


class EventType(IntEnum):
    START = 0
    STOP = 1
    STOP_ALL = 4


class TimerTrigger(IntEnum):
    MANUAL = 0


class ActivityType(IntEnum):
    MANUAL = 0


class SessionTrigger(IntEnum):
    ACTIVITY_END = 0


class LapTrigger(IntEnum):
    SESSION_END = 7


def _msg(name: str, num: int, **fields: FieldDef) -> MessageDef:
    return MessageDef(name, num, dict(fields))


# Sizes of strings are fixed so every step of a workout shares one definition.
WKT_NAME_SIZE = 21  # 20 bytes of name + NUL: about what a watch shows in its list
STEP_NAME_SIZE = 32
NOTES_SIZE = 96

FILE_ID = _msg(
    "file_id",
    0,
    type=FieldDef(0, ENUM),
    manufacturer=FieldDef(1, UINT16),
    product=FieldDef(2, UINT16),
    serial_number=FieldDef(3, UINT32Z),
    time_created=FieldDef(4, UINT32),
)
FILE_CREATOR = _msg("file_creator", 49, software_version=FieldDef(0, UINT16), hardware_version=FieldDef(1, UINT8))
WORKOUT = _msg(
    "workout",
    26,
    sport=FieldDef(4, ENUM),
    num_valid_steps=FieldDef(6, UINT16),
    wkt_name=FieldDef(8, STRING, size=WKT_NAME_SIZE),
    sub_sport=FieldDef(11, ENUM),
)
WORKOUT_STEP = _msg(
    "workout_step",
    27,
    message_index=FieldDef(254, UINT16),
    wkt_step_name=FieldDef(0, STRING, size=STEP_NAME_SIZE),
    duration_type=FieldDef(1, ENUM),
    duration_value=FieldDef(2, UINT32),
    target_type=FieldDef(3, ENUM),
    target_value=FieldDef(4, UINT32),
    # Raw values whose meaning depends on target_type: bpm + 100 for heart rate,
    # strides (rpm) for cadence, mm/s for speed (the profile's subfields).
    custom_target_value_low=FieldDef(5, UINT32),
    custom_target_value_high=FieldDef(6, UINT32),
    intensity=FieldDef(7, ENUM),
    notes=FieldDef(8, STRING, size=NOTES_SIZE),
    exercise_category=FieldDef(10, UINT16),  # strength steps: Garmin's exercise_category
)
RECORD = _msg(
    "record",
    20,
    timestamp=FieldDef(253, UINT32),
    position_lat=FieldDef(0, SINT32),
    position_long=FieldDef(1, SINT32),
    heart_rate=FieldDef(3, UINT8),
    cadence=FieldDef(4, UINT8),
    distance=FieldDef(5, UINT32, scale=100),
    speed=FieldDef(6, UINT16, scale=1000),
    fractional_cadence=FieldDef(53, UINT8, scale=128),
    enhanced_speed=FieldDef(73, UINT32, scale=1000),
)
EVENT = _msg(
    "event",
    21,
    timestamp=FieldDef(253, UINT32),
    event=FieldDef(0, ENUM),
    event_type=FieldDef(1, ENUM),
    data=FieldDef(3, UINT32),
)
_SUMMARY = {
    "message_index": FieldDef(254, UINT16),
    "timestamp": FieldDef(253, UINT32),
    "event": FieldDef(0, ENUM),
    "event_type": FieldDef(1, ENUM),
    "start_time": FieldDef(2, UINT32),
    "total_elapsed_time": FieldDef(7, UINT32, scale=1000),
    "total_timer_time": FieldDef(8, UINT32, scale=1000),
    "total_distance": FieldDef(9, UINT32, scale=100),
    "total_strides": FieldDef(10, UINT32),  # total_cycles, read as strides for walking/running
}
LAP = _msg(
    "lap",
    19,
    **_SUMMARY,
    avg_speed=FieldDef(13, UINT16, scale=1000),
    max_speed=FieldDef(14, UINT16, scale=1000),
    avg_heart_rate=FieldDef(15, UINT8),
    max_heart_rate=FieldDef(16, UINT8),
    avg_cadence=FieldDef(17, UINT8),
    max_cadence=FieldDef(18, UINT8),
    lap_trigger=FieldDef(24, ENUM),
    sport=FieldDef(25, ENUM),
    sub_sport=FieldDef(39, ENUM),
    enhanced_avg_speed=FieldDef(110, UINT32, scale=1000),
    enhanced_max_speed=FieldDef(111, UINT32, scale=1000),
)
SESSION = _msg(
    "session",
    18,
    **_SUMMARY,
    sport=FieldDef(5, ENUM),
    sub_sport=FieldDef(6, ENUM),
    avg_speed=FieldDef(14, UINT16, scale=1000),
    max_speed=FieldDef(15, UINT16, scale=1000),
    avg_heart_rate=FieldDef(16, UINT8),
    max_heart_rate=FieldDef(17, UINT8),
    avg_cadence=FieldDef(18, UINT8),
    max_cadence=FieldDef(19, UINT8),
    first_lap_index=FieldDef(25, UINT16),
    num_laps=FieldDef(26, UINT16),
    trigger=FieldDef(28, ENUM),
    enhanced_avg_speed=FieldDef(124, UINT32, scale=1000),
    enhanced_max_speed=FieldDef(125, UINT32, scale=1000),
)
ACTIVITY = _msg(
    "activity",
    34,
    timestamp=FieldDef(253, UINT32),
    total_timer_time=FieldDef(0, UINT32, scale=1000),
    num_sessions=FieldDef(1, UINT16),
    type=FieldDef(2, ENUM),
    event=FieldDef(3, ENUM),
    event_type=FieldDef(4, ENUM),
    local_timestamp=FieldDef(5, UINT32),
)

MESSAGES: dict[str, MessageDef] = {
    m.name: m for m in (FILE_ID, FILE_CREATOR, WORKOUT, WORKOUT_STEP, RECORD, EVENT, LAP, SESSION, ACTIVITY)
}

# ---------------------------------------------------------------------------
# Values

Value: TypeAlias = int | float | str | dt.datetime | None


def fit_timestamp(when: dt.datetime) -> int:
    """Seconds since the FIT epoch (1989-12-31 00:00 UTC); ``when`` must be timezone-aware."""
    if when.tzinfo is None:
        raise ValueError("FIT timestamps need a timezone-aware datetime (UTC)")
    return int((when - FIT_EPOCH).total_seconds())


def from_fit_timestamp(seconds: int) -> dt.datetime:
    return FIT_EPOCH + dt.timedelta(seconds=seconds)


def _fit_string(text: str, size: int | None) -> bytes:
    raw = text.encode("utf-8").replace(b"\x00", b"")
    limit = (size or 255) - 1
    if len(raw) > limit:
        # Cut on a character boundary so decoders never see half a UTF-8 sequence.
        raw = raw[:limit].decode("utf-8", errors="ignore").encode("utf-8")
    total = size if size is not None else len(raw) + 1
    return raw.ljust(total, b"\x00")


def _encode_value(name: str, fdef: FieldDef, value: Value) -> bytes:
    if fdef.base is STRING:
        if not isinstance(value, str):
            raise TypeError(f"field {name!r} expects a string, got {type(value).__name__}")
        return _fit_string(value, fdef.size)
    if isinstance(value, dt.datetime):
        raw = fit_timestamp(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        scaled = (value + fdef.offset) * fdef.scale
        if isinstance(scaled, float) and not math.isfinite(scaled):
            raise ValueError(f"field {name!r}: {value!r} is not a finite number")
        raw = round(scaled)
    else:
        raise TypeError(f"field {name!r} expects a number, got {type(value).__name__}")
    low, high = fdef.base.bounds()
    if not low <= raw <= high or raw == fdef.base.invalid:
        # Writing the invalid value by accident would make the field silently disappear.
        raise ValueError(f"field {name!r}: {value!r} does not fit FIT {fdef.base.name} (raw {raw})")
    return struct.pack("<" + fdef.base.fmt, raw)


@dataclass(frozen=True)
class Message:
    """One data message to write: which global message and the physical values of its fields.

    Numbers are given in the profile's units (seconds, metres, m/s) and scaled
    here; ``None`` leaves a field out of the file.
    """

    mesg: MessageDef
    values: Mapping[str, Value]

    def present(self) -> list[tuple[str, FieldDef, Value]]:
        unknown = set(self.values) - set(self.mesg.fields)
        if unknown:
            raise KeyError(f"{self.mesg.name} has no field(s) {', '.join(sorted(unknown))} in walkrun's FIT profile")
        return [(n, f, self.values[n]) for n, f in self.mesg.fields.items() if self.values.get(n) is not None]


def message(name: str, **values: Value) -> Message:
    """A data message for the named global message, e.g. ``message("event", event=Event.TIMER)``."""
    return Message(MESSAGES[name], values)


# ---------------------------------------------------------------------------
# Encoder


class FitEncoder:
    """Collects messages and produces the bytes of one FIT file.

    Each distinct field layout gets a local message type; its definition is
    written the first time it is used and again only when the 16 local types
    run out (the oldest one is then reused).
    """

    def __init__(self) -> None:
        self._records = bytearray()
        self._local: dict[tuple[int, tuple[tuple[int, int, int], ...]], int] = {}
        self._next_local = 0

    def add(self, msg: Message) -> None:
        fields = msg.present()
        if not fields:
            raise ValueError(f"{msg.mesg.name}: a message needs at least one field")
        layout = tuple((f.num, f.byte_size(v), f.base.code) for _, f, v in fields)
        key = (msg.mesg.num, layout)
        local = self._local.get(key)
        if local is None:
            local = self._define(key)
        self._records.append(local)
        for name, fdef, value in fields:
            self._records += _encode_value(name, fdef, value)

    def extend(self, messages: Iterable[Message]) -> None:
        for msg in messages:
            self.add(msg)

    def _define(self, key: tuple[int, tuple[tuple[int, int, int], ...]]) -> int:
        local = self._next_local
        self._next_local = (self._next_local + 1) % MAX_LOCAL_TYPES
        for old, number in list(self._local.items()):
            if number == local:
                del self._local[old]
        self._local[key] = local
        global_num, layout = key
        # Record header 0x40 = definition; reserved byte; architecture 0 = little-endian.
        self._records += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(layout))
        for num, size, code in layout:
            self._records += struct.pack("<BBB", num, size, code)
        return local

    def to_bytes(self) -> bytes:
        header = bytearray(
            struct.pack("<BBHI4s", HEADER_SIZE, PROTOCOL_VERSION, PROFILE_VERSION, len(self._records), b".FIT")
        )
        header += struct.pack("<H", crc16(header))
        body = bytes(header) + bytes(self._records)
        return body + struct.pack("<H", crc16(body))


def encode(messages: Iterable[Message]) -> bytes:
    """The bytes of a FIT file holding ``messages`` in order."""
    enc = FitEncoder()
    enc.extend(messages)
    return enc.to_bytes()


# ---------------------------------------------------------------------------
# Message builders


def file_id(
    file_type: File,
    time_created: dt.datetime,
    serial_number: int,
    *,
    manufacturer: int = Manufacturer.DEVELOPMENT,
    product: int = PRODUCT_ID,
) -> Message:
    """The first message of every file; type + manufacturer + product + serial identify it on a watch."""
    return message(
        "file_id",
        type=int(file_type),
        manufacturer=int(manufacturer),
        product=product,
        serial_number=serial_number,
        time_created=time_created,
    )


def file_creator(software_version: int = SOFTWARE_VERSION) -> Message:
    return message("file_creator", software_version=software_version)


def workout(name: str, sport: Sport, num_valid_steps: int, sub_sport: SubSport = SubSport.GENERIC) -> Message:
    return message(
        "workout", sport=int(sport), num_valid_steps=num_valid_steps, wkt_name=name, sub_sport=int(sub_sport)
    )


@dataclass(frozen=True)
class CustomTarget:
    """A custom target range in the FIT profile's raw units (see ``custom_target_value_low``)."""

    kind: WktStepTarget
    low: int
    high: int

    @classmethod
    def heart_rate_bpm(cls, low: float, high: float) -> CustomTarget:
        # Values up to 100 mean % of max heart rate; beats per minute are stored + 100.
        return cls(WktStepTarget.HEART_RATE, round(low) + 100, round(high) + 100)

    @classmethod
    def cadence_spm(cls, low: float, high: float) -> CustomTarget:
        # Walking/running cadence is strides per minute: half the steps, floor rounded up.
        return cls(WktStepTarget.CADENCE, math.ceil(low / 2), math.floor(high / 2))

    @classmethod
    def speed_mps(cls, low: float, high: float) -> CustomTarget:
        return cls(WktStepTarget.SPEED, round(low * 1000), round(high * 1000))


def workout_step(
    message_index: int,
    name: str,
    *,
    duration_s: float | None,
    intensity: Intensity,
    notes: str = "",
    target: CustomTarget | None = None,
) -> Message:
    """A timed step (open-ended when ``duration_s`` is None), open or with a custom target range."""
    timed = duration_s is not None
    if target is not None and not 0 <= target.low <= target.high:
        raise ValueError(f"workout step target {target.low}..{target.high} is not a range")
    return message(
        "workout_step",
        message_index=message_index,
        wkt_step_name=name or None,
        duration_type=int(WktStepDuration.TIME if timed else WktStepDuration.OPEN),
        duration_value=round(duration_s * 1000) if duration_s is not None else None,  # time durations are in ms
        target_type=int(target.kind if target else WktStepTarget.OPEN),
        target_value=0 if target else None,  # 0 = custom range, not a zone
        custom_target_value_low=target.low if target else None,
        custom_target_value_high=target.high if target else None,
        intensity=int(intensity),
        notes=notes or None,
    )


def repeat_step(message_index: int, first_step_index: int, count: int, name: str = "") -> Message:
    """Repeat steps ``first_step_index .. message_index - 1`` until done ``count`` times in all.

    FIT puts the repeat *after* the steps it repeats: duration_value holds the
    index of the first repeated step and target_value the repeat count.
    """
    if not 0 <= first_step_index < message_index:
        raise ValueError("a repeat step must follow the steps it repeats")
    return message(
        "workout_step",
        message_index=message_index,
        wkt_step_name=name or None,
        duration_type=int(WktStepDuration.REPEAT_UNTIL_STEPS_CMPLT),
        duration_value=first_step_index,
        target_type=int(WktStepTarget.OPEN),
        target_value=count,
        intensity=int(Intensity.ACTIVE),
    )


def record(
    timestamp: dt.datetime,
    *,
    distance_m: float | None = None,
    speed_mps: float | None = None,
    heart_rate_bpm: int | None = None,
    cadence_spm: float | None = None,
    position: tuple[float, float] | None = None,
) -> Message:
    """One sample. Cadence is given in steps/min and stored as FIT does for feet: strides/min + 1/128 fraction."""
    strides: int | None = None
    fraction: float | None = None
    if cadence_spm is not None:
        half = cadence_spm / 2
        strides = math.floor(half)
        frac_raw = round((half - strides) * 128)
        if frac_raw == 128:  # rounding reached the next whole stride
            strides, frac_raw = strides + 1, 0
        fraction = frac_raw / 128
    lat = long = None
    if position is not None:
        lat, long = (round(deg * (2**31 / 180)) for deg in position)  # degrees -> semicircles
    return message(
        "record",
        timestamp=timestamp,
        position_lat=lat,
        position_long=long,
        heart_rate=heart_rate_bpm,
        cadence=strides,
        distance=distance_m,
        speed=speed_mps,
        fractional_cadence=fraction,
        # Newer devices write enhanced_speed; older readers only know speed: write both.
        enhanced_speed=speed_mps,
    )


def event(timestamp: dt.datetime, event_type: EventType, event_kind: Event = Event.TIMER) -> Message:
    data = int(TimerTrigger.MANUAL) if event_kind is Event.TIMER else None
    return message("event", timestamp=timestamp, event=int(event_kind), event_type=int(event_type), data=data)


@dataclass(frozen=True)
class Summary:
    """Totals shared by lap and session messages."""

    start: dt.datetime
    end: dt.datetime
    timer_s: float
    distance_m: float
    strides: int | None
    avg_speed_mps: float | None
    max_speed_mps: float | None
    avg_hr: int | None
    max_hr: int | None
    avg_cadence_strides: int | None
    max_cadence_strides: int | None

    def values(self) -> dict[str, Value]:
        return {
            "timestamp": self.end,
            "start_time": self.start,
            "total_elapsed_time": (self.end - self.start).total_seconds(),
            "total_timer_time": self.timer_s,
            "total_distance": self.distance_m,
            "total_strides": self.strides,
            "avg_speed": self.avg_speed_mps,
            "max_speed": self.max_speed_mps,
            "enhanced_avg_speed": self.avg_speed_mps,
            "enhanced_max_speed": self.max_speed_mps,
            "avg_heart_rate": self.avg_hr,
            "max_heart_rate": self.max_hr,
            "avg_cadence": self.avg_cadence_strides,
            "max_cadence": self.max_cadence_strides,
        }


def lap(summary: Summary, sport: Sport, message_index: int = 0) -> Message:
    return message(
        "lap",
        message_index=message_index,
        event=int(Event.LAP),
        event_type=int(EventType.STOP),
        lap_trigger=int(LapTrigger.SESSION_END),
        sport=int(sport),
        sub_sport=int(SubSport.GENERIC),
        **summary.values(),
    )


def session(summary: Summary, sport: Sport, num_laps: int = 1) -> Message:
    return message(
        "session",
        message_index=0,
        event=int(Event.LAP),  # what Garmin devices write for the closing session
        event_type=int(EventType.STOP),
        trigger=int(SessionTrigger.ACTIVITY_END),
        sport=int(sport),
        sub_sport=int(SubSport.GENERIC),
        first_lap_index=0,
        num_laps=num_laps,
        **summary.values(),
    )


def activity(end: dt.datetime, timer_s: float, utc_offset_s: int = 0, num_sessions: int = 1) -> Message:
    """Closes an activity file; local_timestamp lets readers recover the wall-clock time zone."""
    return message(
        "activity",
        timestamp=end,
        total_timer_time=timer_s,
        num_sessions=num_sessions,
        type=int(ActivityType.MANUAL),
        event=int(Event.ACTIVITY),
        event_type=int(EventType.STOP),
        local_timestamp=fit_timestamp(end) + utc_offset_s,
    )


def serial_for(key: str) -> int:
    """A stable, non-zero serial number (uint32z) derived from ``key``."""
    return zlib.crc32(key.encode("utf-8")) or 1


# ---------------------------------------------------------------------------
# Activities from samples

ActivitySample: TypeAlias = tuple[float, float, float | None, int | None]
"""(seconds from start, speed m/s, cadence steps/min or None, heart rate bpm or None)."""


def encode_activity(
    start: dt.datetime,
    samples: Sequence[ActivitySample],
    *,
    sport: Sport = Sport.WALKING,
    utc_offset_s: int = 0,
    pause_gap_s: float | None = 30.0,
    positions: Sequence[tuple[float, float]] | None = None,
    serial_number: int | None = None,
) -> bytes:
    """A FIT activity file (one session, one lap) from per-second samples.

    ``start`` is the UTC start time; sample times are whole seconds after it
    (fractions are rounded). Distance is integrated from speed. A gap longer
    than ``pause_gap_s`` between two samples is written as a timer pause
    (stop/start events) and adds no distance or timer time; shorter gaps are
    treated like smart recording and count as moving.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware (UTC)")
    if not samples:
        raise ValueError("an activity needs at least one sample")
    if positions is not None and len(positions) != len(samples):
        raise ValueError("positions must have one (lat, lon) per sample")
    start = start.astimezone(dt.UTC).replace(microsecond=0)
    times = [round(s[0]) for s in samples]
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise ValueError("sample times must be strictly increasing whole seconds")

    messages = [
        file_id(File.ACTIVITY, start, serial_number or serial_for(f"activity:{start.isoformat()}:{int(sport)}")),
        file_creator(),
    ]
    first = start + dt.timedelta(seconds=times[0])
    messages.append(event(first, EventType.START))
    distance = 0.0
    timer = 0.0
    strides = 0.0
    for i, (t, (_, speed, cadence, hr)) in enumerate(zip(times, samples, strict=True)):
        when = start + dt.timedelta(seconds=t)
        if i:
            gap = t - times[i - 1]
            if pause_gap_s is not None and gap > pause_gap_s:
                messages.append(event(start + dt.timedelta(seconds=times[i - 1]), EventType.STOP))
                messages.append(event(when, EventType.START))
            else:
                distance += speed * gap
                timer += gap
                strides += (cadence or 0.0) / 2 / 60 * gap
        messages.append(
            record(
                when,
                distance_m=distance,
                speed_mps=speed,
                heart_rate_bpm=hr,
                cadence_spm=cadence,
                position=positions[i] if positions is not None else None,
            )
        )
    end = start + dt.timedelta(seconds=times[-1])
    speeds = [s[1] for s in samples]
    hrs = [s[3] for s in samples if s[3] is not None]
    cadences = [s[2] for s in samples if s[2] is not None]
    summary = Summary(
        start=first,
        end=end,
        timer_s=timer,
        distance_m=distance,
        strides=round(strides) if cadences else None,
        avg_speed_mps=distance / timer if timer else None,
        max_speed_mps=max(speeds),
        avg_hr=round(sum(hrs) / len(hrs)) if hrs else None,
        max_hr=max(hrs) if hrs else None,
        avg_cadence_strides=round(sum(cadences) / len(cadences) / 2) if cadences else None,
        max_cadence_strides=math.floor(max(cadences) / 2) if cadences else None,
    )
    messages += [
        event(end, EventType.STOP_ALL),
        lap(summary, sport),
        session(summary, sport),
        activity(end, timer, utc_offset_s),
    ]
    return encode(messages)


def write_activity_fit(
    path: Path,
    start: dt.datetime,
    samples: Sequence[ActivitySample],
    *,
    sport: Sport = Sport.WALKING,
    utc_offset_s: int = 0,
    pause_gap_s: float | None = 30.0,
    positions: Sequence[tuple[float, float]] | None = None,
) -> Path:
    """Encode a walk or run with :func:`encode_activity` and write it atomically to ``path``."""
    data = encode_activity(
        start, samples, sport=sport, utc_offset_s=utc_offset_s, pause_gap_s=pause_gap_s, positions=positions
    )
    return atomic_write(path, data)
