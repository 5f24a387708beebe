"""Walking what the user gave (files, folders, zip archives) into a stream of steps.

A step is a finished ``ImportItem``, a file waiting to be decoded (a
``Pending`` job, which may be running in a worker process) or a progress mark.
``walkrun.ingest.pipeline.iter_import`` turns the stream into items in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from walkrun.domain.activities import Activity
from walkrun.domain.errors import ReadError
from walkrun.domain.models import Preferences
from walkrun.ingest.archives import (
    STRAVA_CSV,
    ZIP_MAGIC,
    ZIP_METHODS,
    LimitError,
    is_zip_file,
    open_archive,
    strava_root,
)
from walkrun.ingest.decode import DecodeJob, Decoder, Pending, implausible, prepared
from walkrun.ingest.export_metadata import (
    ExportMeta,
    GarminSummary,
    StravaRow,
    normalise_export_path,
    parse_garmin_summaries,
)
from walkrun.ingest.formats import decompress
from walkrun.ingest.fs import FolderFile, file_key, list_folder, one_line, open_regular, printable, regular_problem
from walkrun.ingest.items import (
    ImportCache,
    ImportItem,
    ImportLimits,
    ImportStatus,
    KnownContent,
    ProgressEvent,
)
from walkrun.ingest.strava_csv import read_strava_csv

# A name pattern, not a fixed path: Garmin has moved these files between export versions,
# and people pass the DI_CONNECT folder itself. Nested archives (UploadedFiles_*.zip) need
# no pattern: any member that is a zip by its magic bytes is opened.
GARMIN_SUMMARY = re.compile(r"(?:^|/)[^/]*summarizedActivities[^/]*\.json$", re.IGNORECASE)
# Exports carry photos and videos; reading gigabytes of them only to learn they are
# not activities would waste the size budget, so they are reported unread.
MEDIA_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".heic", ".webp", ".bmp", ".mp4", ".mov", ".m4v", ".avi", ".mp3", ".pdf"}
)
MIB = 1024 * 1024

_BAD_ARCHIVE = (zipfile.BadZipFile, OSError, ValueError, EOFError)


@dataclass
class Budget:
    """Decompressed bytes still allowed for one top-level archive (shared with nested ones)."""

    left: int


@dataclass
class Step:
    """One element of the stream: an item, a job, or only progress (``count`` with neither)."""

    source: str
    size: int = 0
    item: ImportItem | None = None
    pending: Pending | None = None
    count: bool = True  # one file done, for progress
    ident: dict[str, object] | None = None  # file_key/size/stamp for a job's item


@dataclass
class _Entry:
    """A file inside a folder or an archive, not read yet."""

    name: str  # clean relative '/' path inside its container (may hold surrogate escapes)
    size: int  # declared: stat size or the zip header's file_size
    open: Callable[[], IO[bytes]]
    key: str  # raw identity for the re-import cache: absolute path, then "!member" per archive
    stamp: int  # mtime_ns on disk, CRC-32 in an archive
    path: Path | None = None  # set for files on disk, so archives there are read in place
    problem: str = ""


@dataclass
class _Unit:
    path: Path
    kind: Literal["problem", "file", "dir"]
    files: list[FolderFile] | None = None
    problem: str = ""
    size: int = 0
    stamp: int = 0


def _file_opener(path: Path, follow: bool) -> Callable[[], IO[bytes]]:
    return lambda: open_regular(path, follow=follow)


class Walk:
    """One import's traversal: readers' decoder, limits, cache and the progress counters."""

    def __init__(
        self,
        decoder: Decoder,
        limits: ImportLimits,
        cache: ImportCache,
        prefs: Preferences | None,
        progress: Callable[[ProgressEvent], None] | None,
        extensions: set[str],
    ) -> None:
        self.decoder, self.limits, self.cache, self.prefs = decoder, limits, cache, prefs
        self.progress = progress
        self.extensions = extensions
        self.files_total = self.bytes_total = self.files_done = self.bytes_done = 0

    # -- progress and results

    def emit_total(self) -> None:
        self._event("total")

    def _event(self, kind: Literal["total", "file"], source: str = "", size: int = 0) -> None:
        if self.progress is not None:
            counts = (self.files_done, self.files_total, self.bytes_done, self.bytes_total)
            self.progress(ProgressEvent(kind, *counts, source=source, size_bytes=size))

    def done(self, source: str, size: int) -> None:
        self.files_done += 1
        self.bytes_done += size
        self._event("file", source, size)

    def item(
        self,
        source: str,
        status: ImportStatus,
        reason: str = "",
        size: int = 0,
        digest: str = "",
        *,
        count: bool = True,
        extra: Mapping[str, object] | None = None,
    ) -> Step:
        item = ImportItem.model_validate(
            {
                "source": source,
                "status": status,
                "reason": one_line(f"{source}: {reason}") if reason else "",
                "size_bytes": size,
                "content_hash": digest,
                **(extra or {}),
            }
        )
        return Step(source, size, item=item, count=count)

    # -- planning: count files and bytes before any is read

    def plan(self, path: Path) -> _Unit:
        try:
            st = os.stat(path)  # a path the user named: a link to it is followed
        except (OSError, ValueError):
            self.files_total += 1
            return _Unit(path, "problem", problem="no such file or folder")
        if stat.S_ISDIR(st.st_mode):
            files = list_folder(path)
            for f in files:
                self._count(f.path, f.size, f.problem, _key(f.path), f.mtime_ns)
            return _Unit(path, "dir", files)
        if problem := regular_problem(st.st_mode):
            self.files_total += 1
            return _Unit(path, "problem", problem=problem)
        self._count(path, st.st_size, "", _key(path), st.st_mtime_ns)
        return _Unit(path, "file", size=st.st_size, stamp=st.st_mtime_ns)

    def _count(self, path: Path, size: int, problem: str, key: str, stamp: int) -> None:
        known = self.cache.known(self.cache.hash_for(file_key(key), size, stamp))
        if problem or known is not None or not is_zip_file(path):
            self.files_total += 1
            self.bytes_total += 0 if problem else size
            return
        try:
            with open_regular(path) as f, open_archive(f, self.limits.max_members) as (_, safe, unsafe):
                self.files_total += len(safe) + len(unsafe)
                self.bytes_total += sum(info.file_size for info, _ in safe)
        except (LimitError, *_BAD_ARCHIVE):
            self.files_total += 1  # reported as one failed archive

    # -- processing

    def unit(self, unit: _Unit) -> Iterator[Step]:
        source = printable(str(unit.path))
        if unit.kind == "problem":
            yield self.item(source, "error", unit.problem)
        elif unit.kind == "file":
            key = _key(unit.path)
            entry = _Entry(unit.path.name, unit.size, _file_opener(unit.path, True), key, unit.stamp, unit.path)
            yield from self._entry(source, entry, 0, None, ExportMeta(), None)
        else:
            entries = [
                _Entry(
                    f.rel, f.size, _file_opener(f.path, f.follow), _key(f.path), f.mtime_ns, f.path, problem=f.problem
                )
                for f in unit.files or []
            ]
            yield from self._container(source, "/", entries, 0, None, ExportMeta())

    def _zip_on_disk(self, path: Path, source: str, key: str, inherited: ExportMeta) -> Iterator[Step]:
        """An archive on disk, read in place; planning already counted its members."""
        try:
            f = open_regular(path)
        except OSError as exc:
            yield self.item(source, "error", f"cannot open archive: {exc.strerror or exc}")
            return
        with f:
            budget = Budget(self.limits.max_total_bytes)
            yield from self._zip(f, source, key, 1, budget, inherited, nested_size=None)

    def _zip(
        self,
        f: IO[bytes],
        source: str,
        key: str,
        depth: int,
        budget: Budget,
        inherited: ExportMeta,
        *,
        nested_size: int | None,
    ) -> Iterator[Step]:
        """Members of one archive. A nested one (``nested_size`` set) adds its members to the totals."""
        with contextlib.ExitStack() as stack:
            try:
                zf, safe, unsafe = stack.enter_context(open_archive(f, self.limits.max_members))
            except LimitError as exc:
                yield self.item(source, "error", str(exc), nested_size or 0)
                return
            except _BAD_ARCHIVE as exc:
                yield self.item(source, "error", f"not a readable zip archive ({exc})", nested_size or 0)
                return
            if nested_size is not None:
                yield Step(source, nested_size)
                self.files_total += len(safe) + len(unsafe)
                self.bytes_total += sum(info.file_size for info, _ in safe)
                self.emit_total()
            for info, why in unsafe:
                yield self.item(f"{source}!{printable(info.filename)}", "error", f"refused: {why}")
            entries = [
                _Entry(name, info.file_size, self._opener(zf, info), f"{key}!{name}", info.CRC) for info, name in safe
            ]
            yield from self._container(source, "!", entries, depth, budget, inherited)

    @staticmethod
    def _opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
        def open_member() -> IO[bytes]:
            if info.compress_type not in ZIP_METHODS:
                raise LimitError(f"refused: compression method {info.compress_type} (only stored/deflate)")
            return zf.open(info)

        return open_member

    def _metadata(
        self, prefix: str, sep: str, entries: list[_Entry], root: str | None, budget: Budget | None
    ) -> Iterator[Step | tuple[set[str], list[StravaRow], list[GarminSummary]]]:
        """Steps for the export's metadata files, then (their names, Strava rows, Garmin summaries)."""
        strava: list[StravaRow] = []
        garmin: list[GarminSummary] = []
        meta_names: set[str] = set()
        for entry in entries:
            is_csv = root is not None and entry.name == f"{root}{STRAVA_CSV}"
            if entry.problem or not (is_csv or GARMIN_SUMMARY.search(entry.name)):
                continue
            meta_names.add(entry.name)
            source = f"{prefix}{sep}{printable(entry.name)}"
            try:
                data = self._read(entry, budget)
                if is_csv:
                    table = read_strava_csv(data)
                    strava = table.rows
                    for bad in table.problems:
                        yield self.item(f"{source}#line {bad.line}", "error", f"row skipped: {bad.reason}", count=False)
                else:
                    garmin.extend(parse_garmin_summaries(data))
            except Exception as exc:  # bad metadata must not stop the files themselves
                yield self.item(source, "error", f"export metadata not used: {exc}", entry.size)
                continue
            yield Step(source, len(data))
        yield meta_names, strava, garmin

    def _container(
        self,
        prefix: str,
        sep: str,
        entries: list[_Entry],
        depth: int,
        budget: Budget | None,
        inherited: ExportMeta,
    ) -> Iterator[Step]:
        """A folder's or an archive's files: export metadata first, then every file, then manual rows."""
        root = strava_root({e.name for e in entries if not e.problem})
        meta_names: set[str] = set()
        strava: list[StravaRow] = []
        garmin: list[GarminSummary] = []
        for step in self._metadata(prefix, sep, entries, root, budget):
            if isinstance(step, Step):
                yield step
            else:
                meta_names, strava, garmin = step
        meta = ExportMeta(strava, sorted(garmin, key=lambda s: s.start_utc)) if strava or garmin else inherited

        seen: set[str] = set()
        for entry in entries:
            if entry.name in meta_names:
                continue
            rel = entry.name[len(root) :] if root is not None and entry.name.startswith(root) else None
            if rel is not None:
                seen.add(normalise_export_path(rel))
            yield from self._entry(f"{prefix}{sep}{printable(entry.name)}", entry, depth, budget, meta, rel)

        for row in strava:
            if not (row.filename and row.filename in seen):
                yield self._manual(f"{prefix}{sep}{printable(root or '')}{STRAVA_CSV}", row)

    def _manual(self, csv_source: str, row: StravaRow) -> Step:
        """A Strava row without a file: a manual entry, or a file the export is missing."""
        source = f"{csv_source}#{printable(row.activity_id) or f'line {row.line}'}"
        try:
            act = row.manual_activity(source)
            if why := implausible(act):
                raise ValueError(f"refused: {why}")
            ready = prepared(act, self.prefs)
        except ValueError as exc:
            return self.item(source, "error", f"line {row.line}: {exc}", count=False)
        why = f"{row.filename} is listed but not in the export; imported from its summary" if row.filename else ""
        return self.item(
            source,
            "imported",
            why,
            0,
            act.content_hash,
            count=False,
            extra={
                "activities": [act],
                "blobs": [ready.blob],
                "classifications": [ready.classification_json] if ready.classification_json else [],
            },
        )

    def _read(self, entry: _Entry, budget: Budget | None) -> bytes:
        """The entry's bytes, refused by its declared size first, then by counting what comes out."""
        cap = self.limits.max_member_bytes
        if entry.size > cap:
            raise LimitError(f"refused: {entry.size} bytes, more than the per-file limit of {cap}")
        if budget is not None and entry.size > budget.left:
            raise LimitError(f"refused: archive total over the limit of {self.limits.max_total_bytes} bytes")
        limit = cap if budget is None else min(cap, budget.left)
        buf = bytearray()
        with entry.open() as stream:
            while chunk := stream.read(min(MIB, limit + 1 - len(buf))):
                buf += chunk
                if len(buf) > limit:
                    which = "per-file" if limit == cap else "archive total"
                    raise LimitError(f"refused: more bytes than declared, over the {which} limit")
        if budget is not None:
            budget.left -= len(buf)
        return bytes(buf)

    def _known(
        self, source: str, entry: _Entry, digest: str, known: KnownContent, size: int, *, remember: bool
    ) -> Step:
        """A file whose bytes were read before; ``remember`` its identity when it is new (moved, copied)."""
        extra: dict[str, object] = {}
        if remember:
            extra = {"file_key": file_key(entry.key), "file_size": entry.size, "file_stamp": entry.stamp}
        if known.status == "imported":
            extra["known_activities"] = known.activities
            return self.item(source, "known", "", size, digest, extra=extra)
        return self.item(source, known.status, known.reason, size, digest, extra=extra)

    def _entry(
        self,
        source: str,
        entry: _Entry,
        depth: int,
        budget: Budget | None,
        meta: ExportMeta,
        rel: str | None,
    ) -> Iterator[Step]:
        """One file: known already, an archive to open, or a job for the decoder."""
        if entry.problem:
            yield self.item(source, "error", entry.problem)
            return
        if Path(entry.name).suffix.casefold() in MEDIA_SUFFIXES:
            yield self.item(source, "non_activity", "photo/video/document, not read", entry.size)
            return
        seen = self.cache.hash_for(file_key(entry.key), entry.size, entry.stamp)
        if (known := self.cache.known(seen)) is not None and seen is not None:
            yield self._known(source, entry, seen, known, entry.size, remember=False)  # not even opened
            return
        if entry.path is not None and is_zip_file(entry.path):
            yield from self._zip_on_disk(entry.path, source, entry.key, meta.garmin_only())
            return
        try:
            raw = self._read(entry, budget)
            data = decompress(raw, source, self.limits.max_member_bytes)
        except LimitError as exc:
            yield self.item(source, "error", str(exc), entry.size)
            return
        except ReadError as exc:
            yield self.item(source, "error", exc.reason, entry.size)
            return
        except zipfile.BadZipFile as exc:  # zipfile stops at the declared size, so a lie shows as a bad CRC
            yield self.item(source, "error", f"corrupt member or a size header that lies ({exc})", entry.size)
            return
        except OSError as exc:
            yield self.item(source, "error", f"cannot read: {exc.strerror or type(exc).__name__}", entry.size)
            return
        except Exception as exc:  # encrypted member: this file only
            yield self.item(source, "error", f"cannot read: {type(exc).__name__}: {exc}", entry.size)
            return
        if budget is not None and len(data) > len(raw):
            budget.left -= len(data) - len(raw)  # gzip expansion counts toward the archive total
        digest = hashlib.sha256(data).hexdigest()
        if (known := self.cache.known(digest)) is not None:
            yield self._known(source, entry, digest, known, len(data), remember=True)  # a copy or a move
        elif data[:4] not in ZIP_MAGIC:
            job = DecodeJob(source, data, digest, _job_meta(meta, rel), rel, self._promised_format(source))
            ident = {"file_key": file_key(entry.key), "file_size": entry.size, "file_stamp": entry.stamp}
            yield Step(source, len(data), pending=self.decoder.submit(job), ident=ident)
        elif depth + 1 > self.limits.max_depth:
            yield self.item(source, "error", f"refused: archives nested deeper than {self.limits.max_depth}", len(data))
        else:
            budget = budget if budget is not None else Budget(self.limits.max_total_bytes)
            nested = io.BytesIO(data)
            yield from self._zip(
                nested, source, entry.key, depth + 1, budget, meta.garmin_only(), nested_size=len(data)
            )

    def _promised_format(self, source: str) -> bool:
        """Whether the file name (less any .gz) has an extension one of the readers declares."""
        name = source.rsplit("!", 1)[-1].rsplit("/", 1)[-1].casefold().removesuffix(".gz")
        suffix = name.rpartition(".")[2] if "." in name else ""
        return bool(suffix) and suffix in self.extensions

    def finish(self, step: Step) -> ImportItem | None:
        """The step's item (a job's decoded now, or taken from a worker), with its progress."""
        item = step.item
        if step.pending is not None:
            item = self._decoded(step)
        if step.count:
            self.done(step.source, step.size)
        return item

    def _decoded(self, step: Step) -> ImportItem:
        assert step.pending is not None
        job = step.pending.job
        result = self.decoder.result(step.pending)
        acts: list[Activity] = [d.activity for d in result.activities]
        extra: dict[str, object] = {"activities": acts, "blobs": [d.blob for d in result.activities]}
        extra.update(step.ident or {})
        if all(d.classification_json for d in result.activities):
            extra["classifications"] = [d.classification_json for d in result.activities]
        done = self.item(step.source, result.status, result.reason, len(job.data), job.digest, count=False, extra=extra)
        assert done.item is not None
        return done.item


def _job_meta(meta: ExportMeta, rel: str | None) -> ExportMeta:
    """Only what one file needs, so a worker is not sent every row of a large export."""
    if not meta:
        return meta
    row = meta.strava_row(rel)
    return ExportMeta([row] if row else [], meta.garmin)


def _key(path: Path) -> str:
    return os.path.abspath(path)
