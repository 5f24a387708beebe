"""Record values as typed columns: about 56 bytes a record instead of a dict of objects."""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

MISSING_TIME = -1  # in ``time``; NaN marks a missing value in the other columns
NAN = math.nan


class RecordColumns:
    """FIT record values in file order: raw timestamps and scaled numbers, NaN where invalid."""

    __slots__ = (
        "_outputs",
        "cadence",
        "distance",
        "enhanced_speed",
        "fractional_cadence",
        "heart_rate",
        "speed",
        "time",
    )

    def __init__(self) -> None:
        self.time = array("q")  # seconds since the FIT epoch, or device power-on below 0x10000000
        self.speed = array("d")  # m/s (record.speed, or compressed speed)
        self.enhanced_speed = array("d")  # m/s (record.enhanced_speed, or speed's expansion)
        self.distance = array("d")  # m
        self.cadence = array("d")  # FIT cadence: strides/min on foot, rpm on a bike
        self.fractional_cadence = array("d")
        self.heart_rate = array("d")  # bpm
        # Same order as the decoder's per-output source plans.
        self._outputs = (
            self.speed,
            self.enhanced_speed,
            self.distance,
            self.cadence,
            self.fractional_cadence,
            self.heart_rate,
        )

    def __len__(self) -> int:
        return len(self.time)

    def append_raw(self, ts: int, values: Sequence[Any], plan: Plan) -> None:
        """Append one record: per output, the first valid source of ``plan`` (the value fitparse keeps)."""
        appender(plan)(self, ts, values)


# Per output column (speed, enhanced_speed, distance, cadence, fractional_cadence, heart_rate):
# its sources as (index in the unpacked values, invalid raw value or None, scale or 0), best first.
Plan = tuple[tuple[tuple[int, Any, float], ...], ...]
_OUTPUTS = ("speed", "enhanced_speed", "distance", "cadence", "fractional_cadence", "heart_rate")


@cache
def appender(plan: Plan) -> Callable[[RecordColumns, int, Sequence[Any]], None]:
    """A function appending one record for this definition's plan, generated once per plan.

    Records are most of a FIT file; a straight-line function per definition
    layout is several times faster than looping over the plan per record. Only
    integers and floats from the plan enter the generated source.
    """
    lines = ["def append(cols, ts, v):", "    cols.time.append(ts if ts >= 0 else MISSING_TIME)"]
    for name, sources in zip(_OUTPUTS, plan, strict=True):
        expr = "NAN"
        for at, invalid, scale in reversed(sources):
            at = int(at)
            valid = f"v[{at}] is not None" if invalid is None else f"v[{at}] != {int(invalid)}"
            value = f"v[{at}] / {float(scale)!r}" if scale else f"v[{at}]"
            expr = f"({value} if {valid} else {expr})"
        lines.append(f"    cols.{name}.append({expr})")
    namespace: dict[str, Any] = {"NAN": NAN, "MISSING_TIME": MISSING_TIME}
    exec(compile("\n".join(lines), "<fit record appender>", "exec"), namespace)
    function: Callable[[RecordColumns, int, Sequence[Any]], None] = namespace["append"]
    return function
