"""Import pipeline: paths, folders and zip archives in; one ``ImportItem`` per file out.

``iter_import`` walks what the user gave it, reads zip archives in place (never
extracting to disk), hands each file's bytes to the reader plugin that claims
them and merges Strava/Garmin export metadata (see ``walkrun.exports``). It is
a generator so the caller can store each result as it arrives: a crash late
in a long import loses nothing already yielded, and one bad file only becomes
an ``error`` item. Duplicates are the store's business (content hash).

Sources name the file and, for archives, the member: ``export.zip!activities/1.fit.gz``,
``export.zip!DI_CONNECT/.../UploadedFiles_0.zip!123.fit`` for nested archives (any
member that is a zip by its magic bytes is opened, up to ``ImportLimits.max_depth``).
A Strava row without a file becomes ``export.zip!activities.csv#<activity id>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel, ConfigDict, Field

from walkrun.activities import Activity
from walkrun.errors import NotAnActivityError, ReadError
from walkrun.exports import (
    ExportMeta,
    GarminSummary,
    StravaRow,
    normalise_export_path,
    parse_garmin_summaries,
    parse_strava_csv,
)
from walkrun.formats import decompress, pick_reader
from walkrun.readers import Reader

__all__ = [
    "ImportItem",
    "ImportLimits",
    "ImportStatus",
    "ProgressEvent",
    "UnsafeNameError",
    "iter_import",
    "safe_member_name",
]

ImportStatus = Literal["imported", "non_activity", "error"]

STRAVA_CSV = "activities.csv"
# A name pattern, not a fixed path: Garmin has moved these files between export versions,
# and people pass the DI_CONNECT folder itself. Nested archives (UploadedFiles_*.zip) need
# no pattern: any member that is a zip by its magic bytes is opened.
GARMIN_SUMMARY = re.compile(r"(?:^|/)[^/]*summarizedActivities[^/]*\.json$", re.IGNORECASE)
# Exports carry photos and videos; reading gigabytes of them only to learn they are
# not activities would waste the size budget, so they are reported unread.
MEDIA_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".heic", ".webp", ".bmp", ".mp4", ".mov", ".m4v", ".avi", ".mp3", ".pdf"}
)
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin"})
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# bzip2/lzma members can expand enormously inside a single read; real exports use deflate.
ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
MIB = 1024 * 1024


class ImportLimits(BaseModel):
    """Bounds that keep a hostile or broken archive from exhausting memory or time."""

    model_config = ConfigDict(frozen=True)

    max_members: int = Field(20_000, gt=0, description="entries in one archive")
    max_member_bytes: int = Field(64 * MIB, gt=0, description="one file, decompressed")
    max_total_bytes: int = Field(2048 * MIB, gt=0, description="one top-level archive, decompressed")
    max_depth: int = Field(3, ge=1, description="archives in a chain; the outermost is 1")


class ImportItem(BaseModel):
    """The outcome for one file (or one Strava row without a file)."""

    source: str
    status: ImportStatus
    reason: str = ""
    size_bytes: int = Field(0, ge=0)
    content_hash: str = Field("", description="sha256 of the decompressed bytes")
    activities: list[Activity] = Field(default_factory=list)


@dataclass(frozen=True)
class ProgressEvent:
    """``total`` when the expected work changes (up front, when a nested archive opens); ``file`` per file.

    Bytes are file sizes on disk for plain files and decompressed sizes for
    archive members, so a progress bar moves evenly through a zip.
    """

    kind: Literal["total", "file"]
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    source: str = ""
    size_bytes: int = 0


class UnsafeNameError(ValueError):
    """An archive member name that could point outside the archive root."""


def safe_member_name(name: str) -> str:
    """``name`` as a clean relative '/' path inside the archive, or ``UnsafeNameError``.

    We never write members to disk, but member names become sources and are
    matched against Strava paths, so anything that could climb out of the
    archive root is refused rather than "cleaned" into a different file.
    """
    if "\\" in name:
        raise UnsafeNameError("backslash in member name")
    if "\x00" in name:
        raise UnsafeNameError("NUL byte in member name")
    if name.startswith("/"):
        raise UnsafeNameError("absolute member name")
    if name[1:2] == ":":  # Windows path functions take any "X:" prefix as a drive
        raise UnsafeNameError("drive letter in member name")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    # Windows drops trailing dots and spaces, so "..", ". ." and "..." all climb.
    if any(p.strip(" .") == "" for p in parts):
        raise UnsafeNameError("'..' in member name")
    if not parts:
        raise UnsafeNameError("empty member name")
    return "/".join(parts)


def iter_import(
    paths: Sequence[Path],
    readers: Mapping[str, type[Reader]],
    *,
    limits: ImportLimits = ImportLimits(),  # frozen, so one shared default is safe
    progress: Callable[[ProgressEvent], None] | None = None,
) -> Iterator[ImportItem]:
    """Import files, folders (recursive, sorted) and zip archives; one item per file, in order.

    Totals are counted first (folder listings, archive directories) and sent
    as a ``total`` event, then one ``file`` event follows each file done.
    """
    run = _Run(readers, limits, progress)
    units = [run.plan(Path(p)) for p in paths]
    run.emit_total()
    for unit in units:
        yield from run.unit(unit)
    if run.files_done != run.files_total or run.bytes_done != run.bytes_total:
        run.files_total, run.bytes_total = run.files_done, run.bytes_done
        run.emit_total()


# --- internals -------------------------------------------------------------------------


_Members = list[tuple[zipfile.ZipInfo, str]]
_BAD_ARCHIVE = (zipfile.BadZipFile, OSError, ValueError, EOFError)


class _LimitError(Exception):
    """A size or count limit was hit; the message is the user-facing reason."""


@dataclass
class _Budget:
    """Decompressed bytes still allowed for one top-level archive (shared with nested ones)."""

    left: int


@dataclass
class _Entry:
    """A file inside a folder or an archive, not read yet."""

    name: str  # clean relative '/' path inside its container
    size: int  # declared: stat size or the zip header's file_size
    open: Callable[[], IO[bytes]]
    path: Path | None = None  # set for files on disk, so archives there are read in place


@dataclass
class _Unit:
    path: Path
    kind: Literal["missing", "file", "dir"]
    files: list[Path] | None = None


def _junk(part: str) -> bool:
    return part.startswith(".") or part.casefold() in JUNK_NAMES


def _one_line(text: object, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _is_zip_file(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) in ZIP_MAGIC
    except OSError:
        return False


def _list_dir(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _junk(d)]
        found.extend(Path(dirpath, f) for f in filenames if not _junk(f))
    # Sorting the relative parts (not the walk order) makes the order independent of the OS.
    return sorted(found, key=lambda p: p.relative_to(root).parts)


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


def _zip_members(zf: zipfile.ZipFile) -> tuple[_Members, _Members]:
    """(safe members with clean names, unsafe members with the reason); junk and folders dropped."""
    safe: _Members = []
    unsafe: _Members = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            name = safe_member_name(info.filename)
        except UnsafeNameError as exc:
            unsafe.append((info, str(exc)))
            continue
        if not any(_junk(part) for part in name.split("/")):
            safe.append((info, name))
    safe.sort(key=lambda m: m[1].split("/"))  # same order as a folder walk
    return safe, unsafe


def _strava_root(names: set[str]) -> str | None:
    """Where ``activities.csv`` sits: the root, or a single top folder (a re-zipped export)."""
    if STRAVA_CSV in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and not any("/" not in n for n in names):
        top = tops.pop()
        if f"{top}/{STRAVA_CSV}" in names:
            return f"{top}/"
    return None


def _file_opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when it is opened


class _Run:
    """One import: the readers, the limits and the progress counters."""

    def __init__(
        self,
        readers: Mapping[str, type[Reader]],
        limits: ImportLimits,
        progress: Callable[[ProgressEvent], None] | None,
    ) -> None:
        self.readers = readers
        self.limits = limits
        self.progress = progress
        self.files_total = self.bytes_total = self.files_done = self.bytes_done = 0

    # -- progress and results

    def emit_total(self) -> None:
        self._event("total")

    def _event(self, kind: Literal["total", "file"], source: str = "", size: int = 0) -> None:
        if self.progress is not None:
            counts = (self.files_done, self.files_total, self.bytes_done, self.bytes_total)
            self.progress(ProgressEvent(kind, *counts, source=source, size_bytes=size))

    def _done(self, source: str, size: int) -> None:
        self.files_done += 1
        self.bytes_done += size
        self._event("file", source, size)

    def _item(
        self,
        source: str,
        status: ImportStatus,
        reason: str = "",
        size: int = 0,
        digest: str = "",
        activities: list[Activity] | None = None,
        *,
        count: bool = True,
    ) -> ImportItem:
        if count:
            self._done(source, size)
        return ImportItem(
            source=source,
            status=status,
            reason=_one_line(f"{source}: {reason}") if reason else "",
            size_bytes=size,
            content_hash=digest,
            activities=activities or [],
        )

    # -- planning: count files and bytes before any is read

    def plan(self, path: Path) -> _Unit:
        if path.is_dir():
            files = _list_dir(path)
            for f in files:
                self._count_file(f)
            return _Unit(path, "dir", files)
        if not path.is_file():
            self.files_total += 1
            return _Unit(path, "missing")
        self._count_file(path)
        return _Unit(path, "file")

    def _count_file(self, path: Path) -> None:
        if not _is_zip_file(path):
            self.files_total += 1
            self.bytes_total += _size(path)
            return
        try:
            with path.open("rb") as f, self._open_archive(f) as (_, safe, unsafe):
                self.files_total += len(safe) + len(unsafe)
                self.bytes_total += sum(info.file_size for info, _ in safe)
        except (_LimitError, *_BAD_ARCHIVE):
            self.files_total += 1  # reported as one failed archive

    @contextlib.contextmanager
    def _open_archive(self, f: IO[bytes]) -> Iterator[tuple[zipfile.ZipFile, _Members, _Members]]:
        """The archive and its (safe, unsafe) members; ``_LimitError`` when it has too many entries."""
        limit = self.limits.max_members
        # Check the count in the end record first: parsing a hostile central directory is the attack.
        declared = _declared_entries(f)
        if declared is not None and declared > limit:
            raise _LimitError(f"archive refused: {declared} entries, more than the limit of {limit}")
        with zipfile.ZipFile(f) as zf:
            safe, unsafe = _zip_members(zf)
            if len(safe) + len(unsafe) > limit:
                raise _LimitError(f"archive refused: {len(safe) + len(unsafe)} entries, more than the limit of {limit}")
            yield zf, safe, unsafe

    # -- processing

    def unit(self, unit: _Unit) -> Iterator[ImportItem]:
        source = str(unit.path)
        if unit.kind == "missing":
            yield self._item(source, "error", "no such file or folder")
        elif unit.kind == "file":
            entry = _Entry(unit.path.name, _size(unit.path), _file_opener(unit.path), unit.path)
            yield from self._entry(source, entry, 0, None, ExportMeta(), None)
        else:
            entries = [
                _Entry(f.relative_to(unit.path).as_posix(), _size(f), _file_opener(f), f) for f in unit.files or []
            ]
            yield from self._container(source, "/", entries, 0, None, ExportMeta())

    def _zip_on_disk(self, path: Path, source: str, inherited: ExportMeta) -> Iterator[ImportItem]:
        """An archive on disk, read in place; planning already counted its members."""
        try:
            f = path.open("rb")
        except OSError as exc:
            yield self._item(source, "error", f"cannot open archive: {exc.strerror or exc}")
            return
        with f:
            yield from self._zip(f, source, 1, _Budget(self.limits.max_total_bytes), inherited, nested_size=None)

    def _zip(
        self,
        f: IO[bytes],
        source: str,
        depth: int,
        budget: _Budget,
        inherited: ExportMeta,
        *,
        nested_size: int | None,
    ) -> Iterator[ImportItem]:
        """Members of one archive. A nested one (``nested_size`` set) adds its members to the totals."""
        with contextlib.ExitStack() as stack:
            try:
                zf, safe, unsafe = stack.enter_context(self._open_archive(f))
            except _LimitError as exc:
                yield self._item(source, "error", str(exc), nested_size or 0)
                return
            except _BAD_ARCHIVE as exc:
                yield self._item(source, "error", f"not a readable zip archive ({exc})", nested_size or 0)
                return
            if nested_size is not None:
                self._done(source, nested_size)
                self.files_total += len(safe) + len(unsafe)
                self.bytes_total += sum(info.file_size for info, _ in safe)
                self.emit_total()
            for info, why in unsafe:
                yield self._item(f"{source}!{_printable(info.filename)}", "error", f"refused: {why}")
            entries = [_Entry(name, info.file_size, self._opener(zf, info)) for info, name in safe]
            yield from self._container(source, "!", entries, depth, budget, inherited)

    @staticmethod
    def _opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
        def open_member() -> IO[bytes]:
            if info.compress_type not in ZIP_METHODS:
                raise _LimitError(f"refused: compression method {info.compress_type} (only stored/deflate)")
            return zf.open(info)

        return open_member

    def _container(
        self,
        prefix: str,
        sep: str,
        entries: list[_Entry],
        depth: int,
        budget: _Budget | None,
        inherited: ExportMeta,
    ) -> Iterator[ImportItem]:
        """A folder's or an archive's files: export metadata first, then every file, then manual rows."""
        root = _strava_root({e.name for e in entries})
        strava: list[StravaRow] = []
        garmin: list[GarminSummary] = []
        meta_names: set[str] = set()
        for entry in entries:
            is_csv = root is not None and entry.name == f"{root}{STRAVA_CSV}"
            if not (is_csv or GARMIN_SUMMARY.search(entry.name)):
                continue
            meta_names.add(entry.name)
            source = f"{prefix}{sep}{entry.name}"
            try:
                data = self._read(entry, budget)
                if is_csv:
                    strava = parse_strava_csv(data)
                else:
                    garmin.extend(parse_garmin_summaries(data))
            except Exception as exc:  # bad metadata must not stop the files themselves
                yield self._item(source, "error", f"export metadata not used: {exc}", entry.size)
                continue
            self._done(source, len(data))
        meta = ExportMeta(strava, sorted(garmin, key=lambda s: s.start_utc)) if strava or garmin else inherited

        seen: set[str] = set()
        for entry in entries:
            if entry.name in meta_names:
                continue
            rel = entry.name[len(root) :] if root is not None and entry.name.startswith(root) else None
            if rel is not None:
                seen.add(normalise_export_path(rel))
            yield from self._entry(f"{prefix}{sep}{entry.name}", entry, depth, budget, meta, rel)

        for row in strava:
            if not (row.filename and row.filename in seen):
                yield self._manual(f"{prefix}{sep}{root or ''}{STRAVA_CSV}", row)

    def _manual(self, csv_source: str, row: StravaRow) -> ImportItem:
        """A Strava row without a file: a manual entry, or a file the export is missing."""
        source = f"{csv_source}#{row.activity_id or f'line {row.line}'}"
        try:
            act = row.manual_activity(source)
        except ValueError as exc:
            return self._item(source, "error", f"line {row.line}: {exc}", count=False)
        why = f"{row.filename} is listed but not in the export; imported from its summary" if row.filename else ""
        return self._item(source, "imported", why, 0, act.content_hash, [act], count=False)

    def _read(self, entry: _Entry, budget: _Budget | None) -> bytes:
        """The entry's bytes, refused by its declared size first, then by counting what comes out."""
        cap = self.limits.max_member_bytes
        if entry.size > cap:
            raise _LimitError(f"refused: {entry.size} bytes, more than the per-file limit of {cap}")
        if budget is not None and entry.size > budget.left:
            raise _LimitError(f"refused: archive total over the limit of {self.limits.max_total_bytes} bytes")
        limit = cap if budget is None else min(cap, budget.left)
        buf = bytearray()
        with entry.open() as stream:
            while chunk := stream.read(min(MIB, limit + 1 - len(buf))):
                buf += chunk
                if len(buf) > limit:
                    which = "per-file" if limit == cap else "archive total"
                    raise _LimitError(f"refused: more bytes than declared, over the {which} limit")
        if budget is not None:
            budget.left -= len(buf)
        return bytes(buf)

    def _entry(
        self,
        source: str,
        entry: _Entry,
        depth: int,
        budget: _Budget | None,
        meta: ExportMeta,
        rel: str | None,
    ) -> Iterator[ImportItem]:
        """One file: an archive to open (in place on disk, from memory inside another) or a reader's job."""
        if Path(entry.name).suffix.casefold() in MEDIA_SUFFIXES:
            yield self._item(source, "non_activity", "photo/video/document, not read", entry.size)
            return
        if entry.path is not None and _is_zip_file(entry.path):
            yield from self._zip_on_disk(entry.path, source, meta.garmin_only())
            return
        try:
            raw = self._read(entry, budget)
            data = decompress(raw, source, self.limits.max_member_bytes)
        except _LimitError as exc:
            yield self._item(source, "error", str(exc), entry.size)
            return
        except ReadError as exc:
            yield self._item(source, "error", exc.reason, entry.size)
            return
        except zipfile.BadZipFile as exc:  # zipfile stops at the declared size, so a lie shows as a bad CRC
            yield self._item(source, "error", f"corrupt member or a size header that lies ({exc})", entry.size)
            return
        except Exception as exc:  # encrypted member, I/O error: this file only
            yield self._item(source, "error", f"cannot read: {type(exc).__name__}: {exc}", entry.size)
            return
        if budget is not None and len(data) > len(raw):
            budget.left -= len(data) - len(raw)  # gzip expansion counts toward the archive total
        if data[:4] not in ZIP_MAGIC:
            yield self._read_activities(source, data, meta, rel)
        elif depth + 1 > self.limits.max_depth:
            yield self._item(
                source, "error", f"refused: archives nested deeper than {self.limits.max_depth}", len(data)
            )
        else:
            budget = budget if budget is not None else _Budget(self.limits.max_total_bytes)
            nested = io.BytesIO(data)
            yield from self._zip(nested, source, depth + 1, budget, meta.garmin_only(), nested_size=len(data))

    def _read_activities(self, source: str, data: bytes, meta: ExportMeta, rel: str | None) -> ImportItem:
        """Hand the bytes to the reader that claims them; every failure becomes this file's item."""
        digest = hashlib.sha256(data).hexdigest()
        size = len(data)
        try:
            cls = pick_reader(self.readers, data, source)
        except ReadError as exc:
            # Nobody claims the bytes. Exports are full of CSV/JSON side files, so that is only
            # an error when the name promises a format some reader handles (a damaged .fit).
            status: ImportStatus = "error" if self._promised_format(source) else "non_activity"
            return self._item(source, status, exc.reason, size, digest)
        except Exception as exc:
            return self._item(source, "error", f"choosing a reader failed: {type(exc).__name__}: {exc}", size, digest)
        name = getattr(cls, "name", cls.__name__)
        try:
            found = cls().read(data, source)
            if not isinstance(found, list) or not all(isinstance(a, Activity) for a in found):
                raise TypeError(f"read() returned {type(found).__name__}, not a list of Activity")
        except NotAnActivityError as exc:
            return self._item(source, "non_activity", exc.reason, size, digest)
        except ReadError as exc:
            return self._item(source, "error", exc.reason, size, digest)
        except Exception as exc:  # a plugin's bug must not stop the import
            return self._item(source, "error", f"reader {name} failed: {type(exc).__name__}: {exc}", size, digest)
        if not found:
            return self._item(source, "non_activity", f"reader {name} found no activity", size, digest)
        acts = [a.model_copy(update={"source": source, "content_hash": digest}) for a in found]
        reason = ""
        if meta:
            try:
                acts = meta.merge(rel, acts)
            except Exception as exc:  # keep the activity even if its metadata is odd
                reason = f"export metadata not merged: {type(exc).__name__}: {exc}"
        return self._item(source, "imported", reason, size, digest, acts)

    def _promised_format(self, source: str) -> bool:
        """Whether the file name (less any .gz) has an extension one of the readers declares."""
        name = source.rsplit("!", 1)[-1].rsplit("/", 1)[-1].casefold().removesuffix(".gz")
        suffix = name.rpartition(".")[2] if "." in name else ""
        known = {ext.casefold().lstrip(".") for cls in self.readers.values() for ext in cls.extensions}
        return bool(suffix) and suffix in known
