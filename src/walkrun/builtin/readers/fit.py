"""FIT activity files (Garmin, Coros, Wahoo, Strava, ...) read with walkrun's own decoder.

The decoder (fit_decode) gives the values fitparse gives, about 20-50x faster,
in bounded memory; fit_activities cuts its records into one activity per
session. Damaged files give what they hold: the complete messages before the
damage, with the activity marked "recovered from a damaged file". Files with
nothing usable, files over walkrun's bounds (sessions, chained parts, records,
activity length) and files that are not FIT are refused with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from pydantic import ValidationError

from walkrun.builtin.readers._trackmath import content_hash
from walkrun.builtin.readers.fit_activities import build_activities
from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError
from walkrun.fit.decode import FitFormatError, decode_fit
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.readers import Reader

__all__ = ["FitReader", "looks_like_fit", "register_readers"]

FIT_SIGNATURE = b".FIT"
HEADER_SIZES = (12, 14)


def looks_like_fit(head: bytes) -> bool:
    """A 12- or 14-byte FIT header with the ``.FIT`` signature."""
    return len(head) >= 12 and head[0] in HEADER_SIZES and head[8:12] == FIT_SIGNATURE


class FitReader(Reader):
    """Activities from FIT files: one per session message (multisport files give several)."""

    name: ClassVar[str] = "fit"
    description: ClassVar[str] = "FIT activity files from watches and bike computers"
    extensions: ClassVar[tuple[str, ...]] = (".fit",)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return looks_like_fit(head)

    def read(self, data: bytes, source: str) -> list[Activity]:
        try:
            decoded = decode_fit(data)
        except FitFormatError as exc:
            raise ReadError(source, str(exc)) from None
        try:
            return build_activities(decoded, source, content_hash(data))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ReadError(source, f"FIT values out of range ({where})") from None


@hookimpl
def register_readers(register: Callable[[type[Reader]], None]) -> None:
    register(FitReader)
