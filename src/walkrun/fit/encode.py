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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

from walkrun.domain.paths import atomic_write
from walkrun.fit.builders import (
    CustomTarget,
    Summary,
    activity,
    event,
    file_creator,
    file_id,
    lap,
    record,
    repeat_step,
    serial_for,
    session,
    workout,
    workout_step,
)
from walkrun.fit.framing import (
    FIT_EPOCH,
    HEADER_SIZE,
    MAX_LOCAL_TYPES,
    PRODUCT_ID,
    PROFILE_VERSION,
    PROTOCOL_VERSION,
    SOFTWARE_VERSION,
    FitEncoder,
    Message,
    Value,
    crc16,
    encode,
    fit_timestamp,
    from_fit_timestamp,
    message,
)
from walkrun.fit.messages import (
    ACTIVITY,
    BYTE,
    ENUM,
    EVENT,
    FILE_CREATOR,
    FILE_ID,
    LAP,
    MESSAGES,
    NOTES_SIZE,
    RECORD,
    SESSION,
    SINT8,
    SINT16,
    SINT32,
    STEP_NAME_SIZE,
    STRING,
    UINT8,
    UINT8Z,
    UINT16,
    UINT16Z,
    UINT32,
    UINT32Z,
    WKT_NAME_SIZE,
    WORKOUT,
    WORKOUT_STEP,
    ActivityType,
    BaseType,
    Event,
    EventType,
    FieldDef,
    File,
    Intensity,
    LapTrigger,
    Manufacturer,
    MessageDef,
    SessionTrigger,
    Sport,
    SubSport,
    TimerTrigger,
    WktStepDuration,
    WktStepTarget,
)

# The encoder's whole vocabulary stays importable from here (``from walkrun.fit import encode as fe``).
__all__ = [
    "ACTIVITY",
    "BYTE",
    "ENUM",
    "EVENT",
    "FILE_CREATOR",
    "FILE_ID",
    "FIT_EPOCH",
    "HEADER_SIZE",
    "LAP",
    "MAX_LOCAL_TYPES",
    "MESSAGES",
    "NOTES_SIZE",
    "PRODUCT_ID",
    "PROFILE_VERSION",
    "PROTOCOL_VERSION",
    "RECORD",
    "SESSION",
    "SINT8",
    "SINT16",
    "SINT32",
    "SOFTWARE_VERSION",
    "STEP_NAME_SIZE",
    "STRING",
    "UINT8",
    "UINT8Z",
    "UINT16",
    "UINT16Z",
    "UINT32",
    "UINT32Z",
    "WKT_NAME_SIZE",
    "WORKOUT",
    "WORKOUT_STEP",
    "ActivitySample",
    "ActivityType",
    "BaseType",
    "CustomTarget",
    "Event",
    "EventType",
    "FieldDef",
    "File",
    "FitEncoder",
    "Intensity",
    "LapTrigger",
    "Manufacturer",
    "Message",
    "MessageDef",
    "SessionTrigger",
    "Sport",
    "SubSport",
    "Summary",
    "TimerTrigger",
    "Value",
    "WktStepDuration",
    "WktStepTarget",
    "activity",
    "crc16",
    "encode",
    "encode_activity",
    "event",
    "file_creator",
    "file_id",
    "fit_timestamp",
    "from_fit_timestamp",
    "lap",
    "message",
    "record",
    "repeat_step",
    "serial_for",
    "session",
    "workout",
    "workout_step",
    "write_activity_fit",
]

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
    track = _track(start, times, samples, positions, pause_gap_s)
    messages += track.messages
    end = start + dt.timedelta(seconds=times[-1])
    summary = _summary(first, end, samples, track)
    messages += [
        event(end, EventType.STOP_ALL),
        lap(summary, sport),
        session(summary, sport),
        activity(end, track.timer_s, utc_offset_s),
    ]
    return encode(messages)


@dataclass
class _Track:
    """The record messages (and pauses) of an activity, with the totals integrated along them."""

    messages: list[Message] = field(default_factory=list)
    distance_m: float = 0.0
    timer_s: float = 0.0
    strides: float = 0.0


def _track(
    start: dt.datetime,
    times: list[int],
    samples: Sequence[ActivitySample],
    positions: Sequence[tuple[float, float]] | None,
    pause_gap_s: float | None,
) -> _Track:
    track = _Track()
    for i, (t, (_, speed, cadence, hr)) in enumerate(zip(times, samples, strict=True)):
        when = start + dt.timedelta(seconds=t)
        if i:
            gap = t - times[i - 1]
            if pause_gap_s is not None and gap > pause_gap_s:
                track.messages.append(event(start + dt.timedelta(seconds=times[i - 1]), EventType.STOP))
                track.messages.append(event(when, EventType.START))
            else:
                track.distance_m += speed * gap
                track.timer_s += gap
                track.strides += (cadence or 0.0) / 2 / 60 * gap
        track.messages.append(
            record(
                when,
                distance_m=track.distance_m,
                speed_mps=speed,
                heart_rate_bpm=hr,
                cadence_spm=cadence,
                position=positions[i] if positions is not None else None,
            )
        )
    return track


def _summary(first: dt.datetime, end: dt.datetime, samples: Sequence[ActivitySample], track: _Track) -> Summary:
    distance, timer = track.distance_m, track.timer_s
    speeds = [s[1] for s in samples]
    hrs = [s[3] for s in samples if s[3] is not None]
    cadences = [s[2] for s in samples if s[2] is not None]
    return Summary(
        start=first,
        end=end,
        timer_s=timer,
        distance_m=distance,
        strides=round(track.strides) if cadences else None,
        avg_speed_mps=distance / timer if timer else None,
        max_speed_mps=max(speeds),
        avg_hr=round(sum(hrs) / len(hrs)) if hrs else None,
        max_hr=max(hrs) if hrs else None,
        avg_cadence_strides=round(sum(cadences) / len(cadences) / 2) if cadences else None,
        max_cadence_strides=math.floor(max(cadences) / 2) if cadences else None,
    )


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
