"""Import pipeline: paths, folders and zip archives in; one ``ImportItem`` per file out.

``iter_import`` walks what the user gave it (``walkrun.ingest.walk``), reads
zip archives in place (never extracting to disk), hands each file's bytes to
the reader plugin that claims them (``walkrun.ingest.decode``, in a process
pool for large imports) and merges Strava/Garmin export metadata (see
``walkrun.ingest.export_metadata``). It is a generator so the caller can store each result
as it arrives: a crash late in a long import loses nothing already yielded,
and one bad file only becomes an ``error`` item. Items come in the same order
whether files were decoded in this process or in workers.

Re-imports: given an ``ImportCache`` (what the store remembers), a file whose
identity (path or archive member, size, mtime or CRC-32) is unchanged is not
opened, and a file whose bytes were seen before (a copy or a move) is hashed
but not decoded; both become ``known`` items. Duplicates of new content are
the store's business (content hash).

Sources name the file and, for archives, the member: ``export.zip!activities/1.fit.gz``,
``export.zip!DI_CONNECT/.../UploadedFiles_0.zip!123.fit`` for nested archives (any
member that is a zip by its magic bytes is opened, up to ``ImportLimits.max_depth``).
A Strava row without a file becomes ``export.zip!activities.csv#<activity id>``.
Control characters and undecodable bytes in names are escaped in sources.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from walkrun.domain.models import Preferences
from walkrun.ingest.decode import Decoder
from walkrun.ingest.items import (
    ImportCache,
    ImportItem,
    ImportLimits,
    ImportStatus,
    KnownContent,
    ProgressEvent,
    UnsafeNameError,
    safe_member_name,
)
from walkrun.ingest.walk import Step, Walk
from walkrun.plugins.readers import Reader

__all__ = [
    "ImportCache",
    "ImportItem",
    "ImportLimits",
    "ImportStatus",
    "KnownContent",
    "ProgressEvent",
    "UnsafeNameError",
    "iter_import",
    "safe_member_name",
]

MAX_IN_FLIGHT_BYTES = 256 * 1024 * 1024


def iter_import(
    paths: Sequence[Path],
    readers: Mapping[str, type[Reader]],
    *,
    limits: ImportLimits = ImportLimits(),  # frozen, so one shared default is safe
    progress: Callable[[ProgressEvent], None] | None = None,
    cache: ImportCache | None = None,
    preferences: Preferences | None = None,
    workers: int | None = None,
    min_parallel_jobs: int = 32,
) -> Iterator[ImportItem]:
    """Import files, folders (recursive, sorted) and zip archives; one item per file, in order.

    Totals are counted first (folder listings, archive directories) and sent
    as a ``total`` event, then one ``file`` event follows each file done.
    With ``preferences``, each activity comes classified (``classifications``).
    ``workers`` (default: the cores) decode in a process pool once
    ``min_parallel_jobs`` files wait; ``workers=1`` decodes everything here.
    """
    decoder = Decoder(readers, preferences, workers=workers, min_jobs=min_parallel_jobs)
    extensions = {ext.casefold().lstrip(".") for cls in readers.values() for ext in cls.extensions}
    walk = Walk(decoder, limits, cache or ImportCache(), preferences, progress, extensions)
    try:
        units = [walk.plan(Path(p)) for p in paths]
        walk.emit_total()
        yield from _in_order((step for unit in units for step in walk.unit(unit)), walk, decoder)
    finally:
        decoder.close()  # Ctrl-C or a consumer that stops early: workers stop, stored items stay
    if walk.files_done != walk.files_total or walk.bytes_done != walk.bytes_total:
        walk.files_total, walk.bytes_total = walk.files_done, walk.bytes_done
        walk.emit_total()


def _in_order(steps: Iterator[Step], walk: Walk, decoder: Decoder) -> Iterator[ImportItem]:
    """Items in stream order; jobs may run ahead in workers, bounded in count and bytes."""
    window = 0 if not decoder.parallel else 4 * decoder.workers + decoder.min_jobs
    queue: deque[Step] = deque()
    in_flight = 0
    for step in steps:
        queue.append(step)
        if step.pending is not None:
            in_flight += len(step.pending.job.data)
        while queue and (queue[0].pending is None or len(queue) > window or in_flight > MAX_IN_FLIGHT_BYTES):
            first = queue.popleft()
            if first.pending is not None:
                in_flight -= len(first.pending.job.data)
            if (item := walk.finish(first)) is not None:
                yield item
    while queue:
        if (item := walk.finish(queue.popleft())) is not None:
            yield item
