"""FIT schedule files: which workout file to do on which day, for watches that read them.

A schedule file (file_id type ``schedules``) holds one ``schedule`` message per
planned day. Each names a workout file by that file's own identity (the
manufacturer, product, serial number and time_created of its file_id) plus the
local date and time it is planned for, so the workout files must be on the
watch as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from walkrun.fit import encode as fe

__all__ = ["SCHEDULE", "Planned", "encode_schedule", "fit_local_timestamp", "schedule_entry"]

SCHEDULE = fe.MessageDef(
    "schedule",
    28,
    {
        "manufacturer": fe.FieldDef(0, fe.UINT16),
        "product": fe.FieldDef(1, fe.UINT16),
        "serial_number": fe.FieldDef(2, fe.UINT32Z),
        "time_created": fe.FieldDef(3, fe.UINT32),
        "completed": fe.FieldDef(4, fe.ENUM),  # FIT bool
        "type": fe.FieldDef(5, fe.ENUM),
        "scheduled_time": fe.FieldDef(6, fe.UINT32),  # local_date_time
    },
)
SCHEDULE_WORKOUT = 0
FIT_LOCAL_EPOCH = dt.datetime(1989, 12, 31)


def fit_local_timestamp(local: dt.datetime) -> int:
    """A FIT ``local_date_time``: seconds from 1989-12-31 00:00 on the wall clock (no zone)."""
    if local.tzinfo is not None:
        raise ValueError("local_date_time takes a wall-clock (naive) datetime")
    return int((local - FIT_LOCAL_EPOCH).total_seconds())


@dataclass(frozen=True)
class Planned:
    """One day's workout: the workout file's identity and when it is planned (local wall time)."""

    serial_number: int
    time_created: dt.datetime
    at: dt.datetime


def schedule_entry(planned: Planned) -> fe.Message:
    return fe.Message(
        SCHEDULE,
        {
            "manufacturer": int(fe.Manufacturer.DEVELOPMENT),
            "product": fe.PRODUCT_ID,
            "serial_number": planned.serial_number,
            "time_created": planned.time_created,
            "completed": 0,
            "type": SCHEDULE_WORKOUT,
            "scheduled_time": fit_local_timestamp(planned.at),
        },
    )


def encode_schedule(entries: Iterable[Planned], created: dt.datetime, serial_number: int) -> bytes:
    """The schedule file's bytes, entries in date order."""
    ordered = sorted(entries, key=lambda p: (p.at, p.serial_number))
    head = [fe.file_id(fe.File.SCHEDULES, created, serial_number), fe.file_creator()]
    return fe.encode([*head, *(schedule_entry(p) for p in ordered)])
