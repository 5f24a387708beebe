"""A FIT decoder for the read path: only the messages walkrun uses, bounded, damage-tolerant.

Definition messages are compiled once into a ``struct`` format that unpacks
just the wanted fields (the rest become pad bytes, developer fields included),
cached by their bytes. Records go into typed columns (``array``), not one
object per field, so a million-record file stays small in memory.

Values follow fitparse 1.2.0 (the test oracle) exactly: same invalid-value
sentinels, scales, component expansion (speed -> enhanced_speed, compressed
speed/distance with its 12-bit distance accumulator), compressed-timestamp
accumulation and "last valid value of a name wins" merging.

Damage is handled as Garmin's SDK does: decoding stops at the first damaged
message and everything before it is kept, with a description of what was lost;
a CRC mismatch over sound messages is reported, not fatal (the SDK returns the
messages and the error side by side; real Strava/Garmin exports carry wrong CRCs).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from walkrun.fit.crc import crc16
from walkrun.fit.profile import (
    ENUMS,
    GARMIN_PRODUCT_MAKERS,
    RECORD_COMPRESSED_SPEED_DISTANCE,
    RECORD_NUMBERS,
    RECORD_SPEED,
    SUMMARY_FIELDS,
    TIMESTAMP_FIELD,
    Kind,
    Mesg,
)
from walkrun.fit.records import RecordColumns, appender

__all__ = ["MAX_PARTS", "MAX_RECORDS", "MAX_SESSIONS", "FitDecoded", "FitFormatError", "FitGroup", "decode_fit"]

FIT_SIGNATURE = b".FIT"
HEADER_SIZES = (12, 14)
CRC_SIZE = 2
# Bounds against evidence and memory bombs: a real file holds a few sessions
# (multisport: a dozen) and at most a few hundred thousand records.
MAX_PARTS = 100
MAX_SESSIONS = 200
MAX_RECORDS = 2_000_000
NAN = math.nan

# Base type byte -> (struct code, size, invalid raw value). Floats are invalid as NaN,
# which the columns already use for "missing", so no sentinel is needed for them.
_NUMERIC: dict[int, tuple[str, int, float | None]] = {
    0x00: ("B", 1, 0xFF),
    0x01: ("b", 1, 0x7F),
    0x02: ("B", 1, 0xFF),
    0x83: ("h", 2, 0x7FFF),
    0x84: ("H", 2, 0xFFFF),
    0x85: ("i", 4, 0x7FFFFFFF),
    0x86: ("I", 4, 0xFFFFFFFF),
    0x88: ("f", 4, None),
    0x89: ("d", 8, None),
    0x0A: ("B", 1, 0),
    0x8B: ("H", 2, 0),
    0x8C: ("I", 4, 0),
    0x8E: ("q", 8, 0x7FFFFFFFFFFFFFFF),
    0x8F: ("Q", 8, 0xFFFFFFFFFFFFFFFF),
    0x90: ("Q", 8, 0),
}
_STRING = 0x07
_BYTE = 0x0D
# Record outputs, in RecordColumns order after time.
_R_SPEED, _R_ENHANCED, _R_DISTANCE, _R_CADENCE, _R_FRACTIONAL, _R_HEART = range(6)
_RECORD_OUTPUT = {6: _R_SPEED, 73: _R_ENHANCED, 5: _R_DISTANCE, 4: _R_CADENCE, 53: _R_FRACTIONAL, 3: _R_HEART}
_SKIP, _RECORD, _SUMMARY = range(3)


class FitFormatError(Exception):
    """Not a FIT file at all, or over a bound: the reason, in words a runner understands."""


@dataclass
class FitGroup:
    """Messages of one logical FIT file (a part with a file_id, plus parts continuing it)."""

    file_type: str | None
    file_id: dict[str, Any] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    records: RecordColumns = field(default_factory=RecordColumns)
    activity: dict[str, Any] | None = None
    sport: dict[str, Any] | None = None

    @property
    def is_activity(self) -> bool:
        return self.file_type in (None, "activity")


@dataclass
class FitDecoded:
    groups: list[FitGroup]
    damage: str | None = None  # what was lost when decoding stopped early
    warnings: list[str] = field(default_factory=list)
    parts: int = 0


class _Def:
    """A compiled definition message."""

    __slots__ = ("append", "csd_at", "fields", "global_num", "kind", "size", "ts_at", "ts_invalid", "unpack")

    def __init__(self) -> None:
        self.global_num = -1
        self.size = 0
        self.kind = _SKIP
        self.unpack: Any = None
        self.ts_at = -1
        self.ts_invalid: float | None = None
        self.csd_at = -1
        self.append: Callable[[RecordColumns, int, Sequence[Any]], None] = _no_append
        # Summary: (value index, name, kind, scale or enum table, invalid raw).
        self.fields: list[tuple[int, str, Kind, float | str, float | None]] = []


def _no_append(columns: RecordColumns, ts: int, values: Sequence[Any]) -> None:
    return None


class _Damage(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_fit(data: bytes) -> FitDecoded:
    """Decode every chained part; raises FitFormatError when ``data`` is not FIT or breaks a bound."""
    return _Decoder(data).run()


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.out = FitDecoded(groups=[])
        self.cache: dict[bytes, _Def] = {}
        self.group: FitGroup | None = None  # where wanted messages go; None outside an activity

    def run(self) -> FitDecoded:
        data, n = self.data, len(self.data)
        if n < 12:
            raise FitFormatError(f"too short to be a FIT file ({n} bytes)")
        offset = 0
        while offset < n:
            if n - offset < 12 or data[offset] not in HEADER_SIZES or data[offset + 8 : offset + 12] != FIT_SIGNATURE:
                if offset == 0:
                    raise FitFormatError("not a FIT file (no '.FIT' header)")
                if data[offset:].strip(b"\x00"):  # zero padding after the last part is normal
                    self.out.damage = (
                        f"chained part {self.out.parts + 1} at byte {offset} has a corrupt header "
                        f"(expected '.FIT', found {bytes(data[offset + 8 : offset + 12])!r}); "
                        f"its {n - offset} bytes were skipped"
                    )
                break
            if n - offset < data[offset]:
                if offset == 0:
                    raise FitFormatError(f"truncated: the file ends inside its {data[offset]}-byte FIT header")
                self.out.damage = f"truncated: the file ends inside the header of chained part {self.out.parts + 1}"
                break
            self.out.parts += 1
            if self.out.parts > MAX_PARTS:
                raise FitFormatError(
                    f"holds more than {MAX_PARTS} FIT files chained together; walkrun reads at most {MAX_PARTS}"
                )
            try:
                offset = self._part(offset)
            except _Damage as exc:
                self.out.damage = exc.reason
                break
        return self.out

    def _part(self, offset: int) -> int:
        """Decode one chained part; returns where the next one starts."""
        data, n = self.data, len(self.data)
        header_size = data[offset]
        data_size = int(struct.unpack_from("<I", data, offset + 4)[0])
        where = f" in chained part {self.out.parts}" if self.out.parts > 1 else ""
        if header_size == 14:
            (header_crc,) = struct.unpack_from("<H", data, offset + 12)
            if header_crc and header_crc != crc16(data, offset, offset + 12):
                self.out.warnings.append(f"FIT header CRC does not match{where}")
        start = offset + header_size
        declared_end = start + data_size
        if data_size == 0 and n - start > CRC_SIZE:
            declared_end = n  # a writer that never filled in the size (crashed recording)
        # A file that ends inside its CRC was never closed; its last message may run into that space.
        limit = n if n <= declared_end + CRC_SIZE else declared_end
        pos = self._messages(start, min(declared_end, n), limit, where)
        if pos > declared_end:
            raise _Damage(f"truncated{where}: the last message runs past the data size the header declares")
        if data_size == 0:
            raise _Damage(f"truncated{where}: the recording was never closed (its header declares no data size)")
        if declared_end + CRC_SIZE > n:
            missing = declared_end + CRC_SIZE - n
            raise _Damage(f"truncated{where}: the file ends {missing} bytes before its declared end")
        (file_crc,) = struct.unpack_from("<H", data, declared_end)
        if file_crc and file_crc != crc16(data, offset, declared_end):
            self.out.warnings.append(f"FIT file CRC does not match{where}: its data may be damaged")
        return declared_end + CRC_SIZE

    def _cut(self, pos: int, where: str, what: str) -> _Damage:
        lost = len(self.data) - pos
        return _Damage(f"{what}{where} at byte {pos}; the last {lost} bytes could not be read")

    def _messages(self, start: int, stop: int, limit: int, where: str) -> int:
        """Decode messages starting before ``stop``; a message may run on to ``limit``."""
        data = self.data
        defs: list[_Def | None] = [None] * 16
        acc_ts = 0  # compressed-timestamp accumulator (fitparse: any field 253 updates it)
        acc_dist = 0  # compressed speed/distance: 12-bit distance accumulator
        pos = start
        while pos < stop:
            head = data[pos]
            if head & 0xC0 == 0x40:
                compiled, nxt = self._definition(pos, limit, where)
                defs[head & 0x0F] = compiled
                if compiled.csd_at >= 0:
                    acc_dist = 0
                pos = nxt
                continue
            if head & 0x80:
                local, offset = (head >> 5) & 0x03, head & 0x1F
            else:
                local, offset = head & 0x0F, -1
            d = defs[local]
            if d is None:
                raise self._cut(pos, where, f"corrupt data (a message uses local message type {local}, never defined)")
            nxt = pos + 1 + d.size
            if nxt > limit:
                if limit < len(data):
                    raise self._cut(pos, where, "corrupt data (a message runs past the end of its part)")
                raise self._cut(pos, where, "truncated: the file ends inside a message")
            if d.unpack is None:
                if offset < 0 and d.kind == _SKIP:
                    pos = nxt
                    continue
                values: tuple[Any, ...] = ()
            else:
                values = d.unpack(data, pos + 1)
            ts = -1
            if d.ts_at >= 0:
                raw = values[d.ts_at]
                if raw != d.ts_invalid and isinstance(raw, int):
                    acc_ts = ts = raw
            if offset >= 0:
                base = offset + (acc_ts & ~0x1F)
                if offset < (acc_ts & 0x1F):
                    base += 0x20
                acc_ts = ts = base
            if d.kind == _RECORD:
                group = self.group or self._activity_group()
                if group is not None:
                    if d.csd_at >= 0:
                        values, acc_dist = _expand_csd(values, d.csd_at, acc_dist)
                    d.append(group.records, ts, values)
                    if len(group.records.time) > MAX_RECORDS:
                        raise FitFormatError(
                            f"holds more than {MAX_RECORDS:,} records; walkrun reads at most {MAX_RECORDS:,}"
                        )
            elif d.kind == _SUMMARY:
                self._summary(d, values, ts if offset >= 0 else -1)
            pos = nxt
        return pos

    def _activity_group(self) -> FitGroup | None:
        if not self.out.groups:
            self.group = FitGroup(None)  # activity data without a file_id message
            self.out.groups.append(self.group)
        return self.group

    def _summary(self, d: _Def, values: tuple[Any, ...], compressed_ts: int) -> None:
        message: dict[str, Any] = {}
        maker: Any = None
        for at, name, kind, extra, invalid in d.fields:
            raw = values[at]
            if raw == invalid or (isinstance(raw, float) and raw != raw):
                value: Any = None
            elif kind is Kind.NUMBER:
                value = raw / extra if extra else raw
            elif kind is Kind.ENUM:
                value = ENUMS[str(extra)].get(raw, raw)
                if name == "manufacturer":
                    maker = raw
            elif kind is Kind.TEXT:
                value = raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace") or None
            else:
                value = raw
            if value is None and name in message:
                continue
            message[name] = value
        if compressed_ts >= 0:
            message["timestamp"] = compressed_ts
        if "product" in message and maker in GARMIN_PRODUCT_MAKERS:
            product = message.pop("product")
            message["garmin_product"] = ENUMS["garmin_product"].get(product, product)
        self._file_message(d.global_num, message)

    def _file_message(self, global_num: int, message: dict[str, Any]) -> None:
        if global_num == Mesg.FILE_ID:
            kind = message.get("type")
            label = None if kind is None else (kind.lower() if isinstance(kind, str) else f"type {kind}")
            started = FitGroup(label, file_id=message)
            self.out.groups.append(started)
            self.group = started if started.is_activity else None
            return
        group = self.group or self._activity_group()
        if group is None:
            return  # nothing in a settings/monitoring/workout part is needed
        if global_num == Mesg.SESSION:
            group.sessions.append(message)
            if len(group.sessions) > MAX_SESSIONS:
                raise FitFormatError(
                    f"holds more than {MAX_SESSIONS} sessions; walkrun reads at most {MAX_SESSIONS} from one file"
                )
        elif global_num == Mesg.LAP:
            if len(group.laps) < 50 * MAX_SESSIONS:
                group.laps.append(message)
        elif global_num == Mesg.ACTIVITY:
            group.activity = message
        elif global_num == Mesg.SPORT and group.sport is None:
            group.sport = message

    def _definition(self, pos: int, limit: int, where: str) -> tuple[_Def, int]:
        data = self.data
        fields_at = pos + 6
        if fields_at > limit:
            raise self._cut(pos, where, "truncated: the file ends inside a definition message")
        end = fields_at + 3 * data[pos + 5]
        if data[pos] & 0x20:  # developer fields follow
            if end + 1 > limit:
                raise self._cut(pos, where, "truncated: the file ends inside a definition message")
            end = end + 1 + 3 * data[end]
        if end > limit:
            raise self._cut(pos, where, "truncated: the file ends inside a definition message")
        key = bytes(data[pos:end]) if data[pos] & 0x20 else b"\x00" + data[pos + 1 : end]
        compiled = self.cache.get(key)
        if compiled is None:
            compiled = self.cache[key] = _compile(data, pos, end)
        return compiled, end


def _expand_csd(values: tuple[Any, ...], at: int, acc: int) -> tuple[tuple[Any, ...], int]:
    """Append compressed speed (bits 0-11, /100) and accumulated distance (bits 12-23, /16)."""
    raw: bytes = values[at]
    if raw.count(0xFF) == len(raw):
        return (*values, None, None), acc
    number = int.from_bytes(raw, "little")
    speed = (number & 0xFFF) / 100.0
    if len(raw) * 8 <= 12:
        return (*values, speed, None), acc
    step = (number >> 12) & 0xFFF
    base = step + (acc & ~0xFFF)
    if step < (acc & 0xFFF):
        base += 0x1000
    return (*values, speed, base / 16.0), base


def _compile(data: bytes, pos: int, end: int) -> _Def:
    """Turn a definition message into a struct that unpacks only the wanted fields."""
    d = _Def()
    endian = ">" if data[pos + 2] else "<"
    (d.global_num,) = struct.unpack_from(endian + "H", data, pos + 3)
    wanted: dict[int, Any] = {}
    if d.global_num == Mesg.RECORD:
        d.kind = _RECORD
        wanted = dict.fromkeys((*RECORD_NUMBERS, RECORD_COMPRESSED_SPEED_DISTANCE, TIMESTAMP_FIELD))
    elif d.global_num in SUMMARY_FIELDS:
        d.kind = _SUMMARY
        wanted = dict(SUMMARY_FIELDS[d.global_num])
    layout = _Layout(d, endian, wanted)
    num_fields = data[pos + 5]
    for i in range(num_fields):
        at = pos + 6 + 3 * i
        layout.add(data[at], data[at + 1], data[at + 2])
    if data[pos] & 0x20:
        dev_at = pos + 6 + 3 * num_fields + 1
        layout.skip(sum(data[dev_at + 3 * i + 1] for i in range(data[dev_at - 1])))
    if d.kind == _RECORD:
        if d.csd_at >= 0:
            # The compressed field's speed and distance components come after the values, in that order.
            layout.sources[_R_SPEED].append((layout.taken, None, 0.0))
            layout.sources[_R_DISTANCE].append((layout.taken + 1, None, 0.0))
            _order_csd(layout.sources, d.csd_at)
        # Per output its sources, the one fitparse writes last (and so keeps) first.
        d.append = appender(tuple(tuple(reversed(s)) for s in layout.sources))
    if layout.taken:
        d.unpack = struct.Struct("".join(layout.codes)).unpack_from
    return d


class _Layout:
    """The struct format and value sources being built for one definition."""

    def __init__(self, d: _Def, endian: str, wanted: dict[int, Any]) -> None:
        self.d = d
        self.wanted = wanted
        self.codes = [endian]
        self.taken = 0
        self.sources: list[list[tuple[int, float | None, float]]] = [[] for _ in range(6)]

    def skip(self, size: int) -> None:
        self.d.size += size
        self.codes.append(f"{size}x")

    def _take(self, size: int, code: str) -> int:
        self.d.size += size
        self.codes.append(code)
        self.taken += 1
        return self.taken - 1

    def add(self, number: int, size: int, base: int) -> None:
        d = self.d
        numeric = _NUMERIC.get(base)
        scalar = numeric if numeric is not None and size == numeric[1] else None
        if number == TIMESTAMP_FIELD and scalar is not None:
            d.ts_at, d.ts_invalid = self._take(size, scalar[0]), scalar[2]
            if d.kind == _SUMMARY:
                d.fields.append((d.ts_at, "timestamp", Kind.TIME, 0.0, scalar[2]))
        elif number not in self.wanted or number == TIMESTAMP_FIELD:
            self.skip(size)
        elif d.kind == _RECORD and number == RECORD_COMPRESSED_SPEED_DISTANCE:
            if base == _BYTE and size >= 2:
                d.csd_at = self._take(size, f"{size}s")
            else:
                self.skip(size)
        elif d.kind == _RECORD and scalar is not None:
            source = (self._take(size, scalar[0]), scalar[2], RECORD_NUMBERS[number])
            if number == RECORD_SPEED:  # speed expands into enhanced_speed (same raw, same scale)
                self.sources[_R_ENHANCED].append(source)
            self.sources[_RECORD_OUTPUT[number]].append(source)
        elif d.kind == _SUMMARY and self.wanted[number][1] is Kind.TEXT and base == _STRING:
            name, kind, extra = self.wanted[number]
            d.fields.append((self._take(size, f"{size}s"), name, kind, extra, None))
        elif d.kind == _SUMMARY and self.wanted[number][1] is not Kind.TEXT and scalar is not None:
            name, kind, extra = self.wanted[number]
            d.fields.append((self._take(size, scalar[0]), name, kind, extra, scalar[2]))
        else:
            self.skip(size)  # arrays, misaligned sizes, odd base types: the oracle gives no number


def _order_csd(sources: list[list[tuple[int, float | None, float]]], csd_at: int) -> None:
    """Place the components where fitparse merges them: just before the compressed field itself."""
    for out in (_R_SPEED, _R_DISTANCE):
        extra = sources[out].pop()
        before = [s for s in sources[out] if s[0] < csd_at]
        after = [s for s in sources[out] if s[0] >= csd_at]
        sources[out][:] = [*before, extra, *after]
