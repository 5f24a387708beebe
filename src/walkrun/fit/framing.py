"""FIT file framing: the header, definition and data records, field values as bytes, and the CRC.

Layout of a file::

    header (14 bytes, CRC of bytes 0-11) | records ... | CRC-16 of everything before it

Each record is a definition message (which fields a local message type
carries, with sizes and base types) or a data message for a local type that
was defined earlier. Output depends only on the inputs: no wall clock.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from walkrun.fit.messages import MESSAGES, STRING, FieldDef, MessageDef

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
    return fdef.base.packer.pack(raw)


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
