"""Decoding one file's bytes into activities and their classification, in this process or a pool.

``decode`` is the whole per-file job (pick a reader, read, check the result
is plausible, merge export metadata, classify); it runs in worker processes
for large imports. ``Decoder`` hands jobs to a process pool sized to the
cores and gives results back in submission order, so a parallel import stores
the same things in the same order as a serial one. A worker that dies (a
segfault in a C library, the out-of-memory killer) costs only the file it
was reading: the jobs that were in flight are re-run one at a time in a
single-worker pool, which pins the crash on one file.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import signal
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Literal

from walkrun.domain.activities import Activity
from walkrun.domain.errors import NotAnActivityError, ReadError
from walkrun.domain.models import Preferences
from walkrun.evidence.classify import Thresholds, classify
from walkrun.ingest.export_metadata import ExportMeta
from walkrun.ingest.formats import pick_reader
from walkrun.plugins.readers import Reader, SniffError

__all__ = ["DecodeJob", "DecodeResult", "Decoded", "Decoder", "decode", "fingerprint", "implausible", "prepared"]

Status = Literal["imported", "non_activity", "error"]

EARLIEST_START = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)  # FIT's epoch is 1989-12-31: a zero timestamp
LATEST_START = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
MAX_ELAPSED_S = 7 * 86_400.0
CRASHED = "reading this file crashed the reader process (skipped; the rest of the import went on)"


@dataclass(frozen=True)
class DecodeJob:
    source: str
    data: bytes
    digest: str
    meta: ExportMeta
    rel: str | None
    promised: bool  # the name promises a format a reader handles, so "no reader" is an error


@dataclass(frozen=True)
class Decoded:
    """One activity ready for the store: the compressed JSON is made where the CPU is (a worker)."""

    activity: Activity
    blob: bytes
    classification_json: str


@dataclass(frozen=True)
class DecodeResult:
    status: Status
    reason: str = ""
    activities: list[Decoded] = field(default_factory=list)


def implausible(act: Activity) -> str:
    """Why an activity's times cannot be real, or ''."""
    start = act.start_utc
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    if not EARLIEST_START <= start < LATEST_START:
        return f"impossible start time {start:%Y-%m-%d %H:%M:%S} (a clock or file error)"
    if act.elapsed_s > MAX_ELAPSED_S:
        return f"impossible duration of {act.elapsed_s / 86_400:.1f} days"
    return ""


def _read(job: DecodeJob, readers: Mapping[str, type[Reader]]) -> DecodeResult | list[Activity]:
    try:
        cls = pick_reader(readers, job.data, job.source)
    except SniffError as exc:  # a reader crashed while looking: an error even for a side file
        return DecodeResult("error", exc.reason)
    except ReadError as exc:
        # Exports are full of CSV/JSON side files, so "nobody claims it" is only an error
        # when the name promises a format some reader handles (a damaged .fit).
        return DecodeResult("error" if job.promised else "non_activity", exc.reason)
    except Exception as exc:
        return DecodeResult("error", f"choosing a reader failed: {type(exc).__name__}: {exc}")
    name = getattr(cls, "name", cls.__name__)
    try:
        found = cls().read(job.data, job.source)
        if not isinstance(found, list) or not all(isinstance(a, Activity) for a in found):
            raise TypeError(f"read() returned {type(found).__name__}, not a list of Activity")
    except NotAnActivityError as exc:
        return DecodeResult("non_activity", exc.reason)
    except ReadError as exc:
        return DecodeResult("error", exc.reason)
    except Exception as exc:  # a plugin's bug must not stop the import
        return DecodeResult("error", f"reader {name} failed: {type(exc).__name__}: {exc}")
    if not found:
        return DecodeResult("non_activity", f"reader {name} found no activity")
    return found


def decode(job: DecodeJob, readers: Mapping[str, type[Reader]], prefs: Preferences | None) -> DecodeResult:
    """Everything one file needs before the store; never raises for a bad file."""
    found = _read(job, readers)
    if isinstance(found, DecodeResult):
        return found
    for act in found:
        if why := implausible(act):
            return DecodeResult("error", f"refused: {why}")
    acts = [a.model_copy(update={"source": job.source, "content_hash": job.digest}) for a in found]
    reason = ""
    if job.meta:
        try:
            acts = job.meta.merge(job.rel, acts)
        except Exception as exc:  # keep the activity even if its metadata is odd
            reason = f"export metadata not merged: {type(exc).__name__}: {exc}"
    try:
        out = [prepared(a, prefs) for a in acts]
    except Exception as exc:
        return DecodeResult("error", f"activity could not be prepared: {type(exc).__name__}: {exc}")
    return DecodeResult("imported", reason, out)


def prepared(act: Activity, prefs: Preferences | None) -> Decoded:
    cl = classify(act, prefs).model_dump_json() if prefs is not None else ""
    # Level 1: the JSON still shrinks ~4x, at a fraction of level 6's time (this runs per file).
    return Decoded(act, zlib.compress(act.model_dump_json().encode(), 1), cl)


def fingerprint(prefs: Preferences) -> str:
    return Thresholds.from_preferences(prefs).fingerprint


# --- the pool ----------------------------------------------------------------------------

_worker_readers: Mapping[str, type[Reader]] = {}
_worker_prefs: Preferences | None = None


def _init_worker(readers: Mapping[str, type[Reader]], prefs: Preferences | None) -> None:
    # Ctrl-C is the parent's to handle: it stops submitting and keeps what was stored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_readers, _worker_prefs
    _worker_readers, _worker_prefs = readers, prefs


def _work(job: DecodeJob) -> DecodeResult:
    return decode(job, _worker_readers, _worker_prefs)


def _ping() -> bool:
    return True


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Pending:
    """A submitted job: decoded inline later, or running in a pool."""

    def __init__(self, job: DecodeJob) -> None:
        self.job = job
        self.future: Future[DecodeResult] | None = None
        self.pool: ProcessPoolExecutor | None = None
        self.isolate = False  # the pool broke before this job could be sent


class Decoder:
    """Runs jobs inline or in a process pool; ``result`` returns them in any order asked.

    The pool starts only once ``min_jobs`` jobs are waiting: a few files decode
    faster inline than a pool starts, and an unchanged re-import has no jobs at all.
    """

    def __init__(
        self,
        readers: Mapping[str, type[Reader]],
        prefs: Preferences | None,
        *,
        workers: int | None = None,
        min_jobs: int = 32,
    ) -> None:
        self.readers, self.prefs = readers, prefs
        self.workers = default_workers() if workers is None else workers
        self.min_jobs = min_jobs
        self._waiting: list[Pending] = []
        self._pool: ProcessPoolExecutor | None = None
        self._solo: ProcessPoolExecutor | None = None
        self._pool_works = False  # a worker has returned something: a broken pool means a crash
        self._started = False
        self.parallel = self.workers > 1 and self._picklable()

    def _picklable(self) -> bool:
        # Plugins loaded from a file path may not be importable by name in a worker.
        try:
            pickle.dumps((dict(self.readers), self.prefs))
        except Exception:
            return False
        return True

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        ctx: BaseContext
        if "forkserver" in multiprocessing.get_all_start_methods():
            server = multiprocessing.get_context("forkserver")
            # The server imports the readers once; each worker is then a cheap fork of it,
            # instead of every worker importing pydantic and the readers on its own.
            modules = sorted({__name__, *(cls.__module__ for cls in self.readers.values())})
            server.set_forkserver_preload(modules)
            ctx = server
        else:
            ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_worker, initargs=(dict(self.readers), self.prefs)
        )

    def submit(self, job: DecodeJob) -> Pending:
        pending = Pending(job)
        if not self.parallel:
            return pending
        if self._pool is not None:
            self._send(pending)
            return pending
        self._waiting.append(pending)
        # After a crash the pool is restarted at once: the rest of a large import stays isolated.
        if len(self._waiting) >= self.min_jobs or self._started:
            self._started = True
            self._pool = self._new_pool(self.workers)
            for p in self._waiting:
                self._send(p)
            self._waiting.clear()
        return pending

    def _send(self, pending: Pending) -> None:
        pool = self._pool
        if pool is None:
            pending.isolate = True
            return
        try:
            pending.pool, pending.future = pool, pool.submit(_work, pending.job)
        except BrokenProcessPool:  # a worker died since the last submit
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            pending.isolate = True

    def result(self, pending: Pending) -> DecodeResult:
        if pending.future is None:
            if pending in self._waiting:
                self._waiting.remove(pending)
            if pending.isolate:
                return self._isolated(pending.job)
            return decode(pending.job, self.readers, self.prefs)
        try:
            result = pending.future.result()
        except BrokenProcessPool:
            if pending.pool is not None and pending.pool is self._pool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None  # the next submit starts a fresh pool
            return self._isolated(pending.job)
        self._pool_works = True
        return result

    def _isolated(self, job: DecodeJob) -> DecodeResult:
        """One job alone in a single-worker pool, so a crash is this file's."""
        if not self.parallel:
            return decode(job, self.readers, self.prefs)
        if self._solo is None:
            self._solo = self._new_pool(1)
        try:
            result = self._solo.submit(_work, job).result()
        except BrokenProcessPool:
            self._solo.shutdown(wait=False, cancel_futures=True)
            self._solo = None
            if self._pool_works or self._can_start_workers():
                return DecodeResult("error", CRASHED)
            # No worker ever started here (e.g. an unguarded __main__ in a script that imports
            # walkrun): blaming the file would be wrong, so this import goes on without a pool.
            self.parallel = False
            return decode(job, self.readers, self.prefs)
        self._pool_works = True
        return result

    def _can_start_workers(self) -> bool:
        pool = self._new_pool(1)
        try:
            ok = bool(pool.submit(_ping).result())
        except BrokenProcessPool:
            ok = False
        pool.shutdown(wait=False, cancel_futures=True)
        self._pool_works = ok
        return ok

    def close(self) -> None:
        for pool in (self._pool, self._solo):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._solo = None
