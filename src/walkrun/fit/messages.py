"""The part of the FIT profile walkrun writes: base types, field and message definitions, enum values.

Message and field numbers, base types, scales and enum values follow the FIT
profile (checked against the SDK's profile 21.x). Only what walkrun's workout,
schedule and activity files carry is defined; :mod:`walkrun.fit.framing` turns
messages of these definitions into bytes.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum


@dataclass(frozen=True)
class BaseType:
    """A FIT base type: the byte written in definitions, its struct code and invalid value."""

    name: str
    code: int  # includes the endian-ability bit 0x80 for multi-byte types
    fmt: str
    invalid: int

    # Cached: the encoder asks for these once per value of every record it writes.
    @functools.cached_property
    def size(self) -> int:
        return struct.calcsize("<" + self.fmt)

    @functools.cached_property
    def packer(self) -> struct.Struct:
        """Little-endian packing of one value of this type."""
        return struct.Struct("<" + self.fmt)

    @property
    def zero_invalid(self) -> bool:
        return self.name.endswith("z")

    def bounds(self) -> tuple[int, int]:
        return self._bounds

    @functools.cached_property
    def _bounds(self) -> tuple[int, int]:
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
