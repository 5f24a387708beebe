"""FIT message builders: one function per message walkrun writes, in the profile's units.

Each returns a :class:`walkrun.fit.framing.Message` ready for
:func:`walkrun.fit.framing.encode`; workouts, schedules and activities are lists
of these.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass

from walkrun.fit.framing import (
    PRODUCT_ID,
    SOFTWARE_VERSION,
    Message,
    Value,
    fit_timestamp,
    message,
)
from walkrun.fit.messages import (
    ActivityType,
    Event,
    EventType,
    File,
    Intensity,
    LapTrigger,
    Manufacturer,
    SessionTrigger,
    Sport,
    SubSport,
    TimerTrigger,
    WktStepDuration,
    WktStepTarget,
)


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
