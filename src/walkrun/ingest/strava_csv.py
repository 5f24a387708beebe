"""Strava's ``activities.csv``, read row by row so one bad row costs only that row.

The column meanings are ``walkrun.ingest.export_metadata``'s (see its table); this module
adds what a real, hand-edited or re-saved export needs: the text encoding is
detected (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 /
Latin-1, which is what spreadsheet programs save), and a row that cannot be
read is returned as a problem naming its line while every other row is kept.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from walkrun.domain.activities import rpe_on_scale
from walkrun.ingest.export_metadata import STRAVA_HEADERS, StravaRow, normalise_export_path, parse_number, strava_sport

__all__ = ["RowProblem", "StravaCsv", "decode_csv", "read_strava_csv"]


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class StravaCsv:
    rows: list[StravaRow]
    problems: list[RowProblem]
    encoding: str


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of CSV bytes; never fails, the last resort maps every byte."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # five bytes cp1252 leaves undefined; Latin-1 maps every byte
        return data.decode("latin-1"), "Latin-1"


def _columns(header: list[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        positions.setdefault(name.strip().casefold(), []).append(i)

    def columns(key: str) -> list[int]:
        for alias in STRAVA_HEADERS[key]:
            if found := positions.get(alias.casefold()):
                return found
        return []

    return {key: columns(key) for key in STRAVA_HEADERS}


def _row(line: int, row: list[str], cols: dict[str, list[int]]) -> StravaRow:
    def cell(key: str, occurrence: int = 0) -> str:
        idx = cols[key]
        if len(idx) <= occurrence or idx[occurrence] >= len(row):
            return ""
        return row[idx[occurrence]].strip()

    def number(key: str, occurrence: int = 0) -> float | None:
        text = cell(key, occurrence)
        try:
            return parse_number(text)
        except ValueError:
            raise ValueError(f"{STRAVA_HEADERS[key][0]} is not a number ({text[:40]!r})") from None

    metres = number("distance", 1)
    if metres is None and (km := number("distance")) is not None:
        metres = km * 1000.0
    return StravaRow(
        line=line,
        activity_id=cell("id"),
        date_text=cell("date"),
        sport=strava_sport(cell("type")),
        name=cell("name"),
        description=cell("description"),
        private_note=cell("private_note"),
        filename=normalise_export_path(cell("filename")),
        elapsed_s=number("elapsed"),
        moving_s=number("moving"),
        distance_m=metres,
        rpe=rpe_on_scale(number("rpe")),
    )


def read_strava_csv(data: bytes) -> StravaCsv:
    """Every readable row, and one problem per unreadable one; ``ValueError`` when the header is not Strava's."""
    text, encoding = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValueError(f"activities.csv is not readable CSV ({exc})") from None
    if not header:
        raise ValueError("activities.csv is empty")
    cols = _columns(header)
    if not cols["date"] or not (cols["id"] or cols["filename"]):
        shown = ", ".join(h[:30] for h in header[:6])
        raise ValueError(
            f"activities.csv (read as {encoding}) has no 'Activity Date' and 'Activity ID' columns,"
            f" so it is not Strava's export (header starts: {shown})"
        )
    rows: list[StravaRow] = []
    problems: list[RowProblem] = []
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a NUL byte: the csv module cannot go on past it
            problems.append(RowProblem(reader.line_num, f"not readable CSV ({exc}); the rest of the file is skipped"))
            break
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        try:
            rows.append(_row(line, row, cols))
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
    return StravaCsv(rows, problems, encoding)
