"""Zip archives in an import: member names, entry-count limits, where a Strava export's root is."""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from walkrun.ingest.fs import junk, open_regular
from walkrun.ingest.items import UnsafeNameError, safe_member_name

STRAVA_CSV = "activities.csv"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# bzip2/lzma members can expand enormously inside a single read; real exports use deflate.
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})

Members = list[tuple[zipfile.ZipInfo, str]]


class LimitError(Exception):
    """A size or count limit was hit; the message is the user-facing reason."""


def is_zip_file(path: Path) -> bool:
    try:
        with open_regular(path) as f:
            return f.read(4) in ZIP_MAGIC
    except OSError:
        return False


def _declared_entries(f: IO[bytes]) -> int | None:
    """The entry count in the end-of-central-directory record, before zipfile parses it all."""
    f.seek(0, os.SEEK_END)
    size = f.tell()
    tail = min(size, 22 + 0xFFFF)
    f.seek(size - tail)
    data = f.read(tail)
    f.seek(0)
    i = data.rfind(b"PK\x05\x06")
    if i < 0 or i + 12 > len(data):
        return None
    count = int.from_bytes(data[i + 10 : i + 12], "little")
    return None if count == 0xFFFF else count  # 0xFFFF: ZIP64, zipfile's own count decides


def _zip_members(zf: zipfile.ZipFile) -> tuple[Members, Members]:
    """(safe members with clean names, unsafe members with the reason); junk and folders dropped."""
    safe: Members = []
    unsafe: Members = []
    for info in zf.infolist():
        raw = info.filename
        # Not info.is_dir(): it crashes on an empty name and takes "/" for a folder.
        if raw.endswith("/") and raw.strip("/") and not raw.startswith("/"):
            continue
        try:
            name = safe_member_name(raw)
        except UnsafeNameError as exc:
            unsafe.append((info, str(exc)))
            continue
        if not any(junk(part) for part in name.split("/")):
            safe.append((info, name))
    safe.sort(key=lambda m: m[1].split("/"))  # same order as a folder walk
    return safe, unsafe


def strava_root(names: set[str]) -> str | None:
    """Where ``activities.csv`` sits: the root, or a single top folder (a re-zipped export)."""
    if STRAVA_CSV in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and not any("/" not in n for n in names):
        top = tops.pop()
        if f"{top}/{STRAVA_CSV}" in names:
            return f"{top}/"
    return None


@contextlib.contextmanager
def open_archive(f: IO[bytes], limit: int) -> Iterator[tuple[zipfile.ZipFile, Members, Members]]:
    """The archive and its (safe, unsafe) members; ``LimitError`` when it has more than ``limit`` entries."""
    # Check the count in the end record first: parsing a hostile central directory is the attack.
    declared = _declared_entries(f)
    if declared is not None and declared > limit:
        raise LimitError(f"archive refused: {declared} entries, more than the limit of {limit}")
    with zipfile.ZipFile(f) as zf:
        safe, unsafe = _zip_members(zf)
        if len(safe) + len(unsafe) > limit:
            raise LimitError(f"archive refused: {len(safe) + len(unsafe)} entries, more than the limit of {limit}")
        yield zf, safe, unsafe
