"""An activity's recorded points as typed columns, validated once per column.

A one-hour walk at one record per second is 3,600 points; as one pydantic
object per point, building, pickling (to and from import workers), storing
and classifying them cost more than reading the file. As five ``array('d')``
columns they cost a few list passes, pickle as raw bytes and take 8 bytes a
value. A missing value (no heart rate on that record) is NaN inside a column
and ``null`` in JSON.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, model_validator

__all__ = ["COLUMNS", "MISSING", "SampleColumns", "present"]

MISSING = math.nan
COLUMNS = ("time_s", "distance_m", "speed_mps", "cadence_spm", "heart_rate_bpm")
# Old stores and Sample objects name the time "t_s".
_ROW_KEYS = {"time_s": "t_s"}


_ZERO = 0.0


# Where the sign bit sits in each 8-byte double of an array('d') (native byte order).
_SIGN_BYTE = 7 if sys.byteorder == "little" else 0


def _signed(col: FloatArray) -> bool:
    """Whether any value has its sign bit set (negatives, -0.0): one byte per value, tested in C.

    Only then is the exact, slower test for values below zero worth running.
    """
    return not col.tobytes()[_SIGN_BYTE::8].isascii()


def _in_order(times: Sequence[float]) -> bool:
    """Never going back; one C-level pass (this runs on every column of every activity)."""
    return all(map(operator.le, times[:-1], times[1:]))


def present(value: float) -> bool:
    """False for a missing value (NaN)."""
    return value == value


if TYPE_CHECKING:
    FloatArray = array[float]
else:
    FloatArray = array  # array is not subscriptable at run time before Python 3.12


def _column(values: Iterable[float | None]) -> FloatArray:
    if isinstance(values, array) and values.typecode == "d":
        return values
    if not isinstance(values, list):
        values = list(values)
    if None not in values:
        return array("d", values)  # one C-level pass (ints become floats)
    return array("d", [MISSING if v is None else float(v) for v in values])


def _as_list(col: FloatArray) -> list[float | None]:
    return [v if v == v else None for v in col]


def _no_values() -> FloatArray:
    return array("d")


Column = Annotated[FloatArray, PlainValidator(_column), PlainSerializer(_as_list)]


class SampleColumns(BaseModel):
    """Time, distance, speed, cadence and heart rate, one ``array('d')`` each, all the same length.

    Checked once per column: equal lengths, no negative value, time present
    and never going back (readers sort; ``from_unsorted`` does it for them).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    time_s: Column
    # A column left out is all missing (filled to the length of time_s before validation).
    distance_m: Column = Field(default_factory=_no_values)
    speed_mps: Column = Field(default_factory=_no_values)
    cadence_spm: Column = Field(default_factory=_no_values)
    heart_rate_bpm: Column = Field(default_factory=_no_values)

    @model_validator(mode="before")
    @classmethod
    def _as_arrays(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        n = len(out.setdefault("time_s", ()))
        for name in COLUMNS[1:]:
            if out.get(name) is None:
                out[name] = array("d", [MISSING]) * n
        return out

    @model_validator(mode="after")
    def _check(self) -> SampleColumns:
        n = len(self.time_s)
        for name in COLUMNS:
            col: FloatArray = getattr(self, name)
            if len(col) != n:
                raise ValueError(f"{name} has {len(col)} values for {n} times")
            if _signed(col) and any(map(_ZERO.__gt__, col)):  # NaN (missing) is not below zero
                raise ValueError(f"{name} has negative values")
        # NaN poisons a sum, so a sum that is a number proves no time is missing.
        if math.isnan(sum(self.time_s)) and not all(map(operator.eq, self.time_s, self.time_s)):
            raise ValueError("time_s has missing values")
        if not _in_order(self.time_s):
            raise ValueError("time_s goes back in time")
        return self

    def __eq__(self, other: object) -> bool:
        # NaN marks "missing", so two columns are equal when their bytes are.
        if not isinstance(other, SampleColumns):
            return NotImplemented
        return all(getattr(self, n).tobytes() == getattr(other, n).tobytes() for n in COLUMNS)

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.time_s)

    @classmethod
    def empty(cls) -> SampleColumns:
        return cls(time_s=array("d"))

    @classmethod
    def from_unsorted(cls, **columns: Sequence[float | None]) -> SampleColumns:
        """Columns in time order: a file whose points are out of order is sorted, not refused."""
        time = cast(Sequence[float], columns.get("time_s", ()))
        if _in_order(time):
            return cls(**columns)
        order = sorted(range(len(time)), key=lambda i: time[i])
        return cls(**{name: [values[i] for i in order] for name, values in columns.items()})

    @classmethod
    def from_samples(cls, rows: Sequence[Mapping[str, Any]]) -> SampleColumns:
        """Columns from per-point dicts (stores written before columns, Sample objects dumped)."""
        return cls.from_unsorted(**{name: [r.get(_ROW_KEYS.get(name, name)) for r in rows] for name in COLUMNS})
