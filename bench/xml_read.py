"""GPX and TCX reading against their baselines, measured in the same run.

* GPX: walkrun's whole read (parse + activity) against ``gpxpy.parse`` alone.
  Goal: <= 0.4 x.
* TCX: walkrun's whole read against a plain ``ElementTree.fromstring`` of the
  same bytes (a parse that builds a tree and does nothing with it). Goal: <= 0.8 x.

Files: every shared sample that has a track with times (``../shared/samples``,
or ``WALKRUN_SAMPLES``), plus a generated one-hour, one-second walk in each
format, which is what a real export mostly holds. Ratios are totals over the
files (time-weighted, so large files count for what they cost).

Each format is also read with the point-run fast path switched off (every
element streamed), to show what it buys. The floor line is the C parser
handing every element to a Python target that does nothing: what a reader
streaming every element into Python costs before it reads a single value,
and why runs of points are read by a pattern instead.

Run: .venv/bin/python bench/xml_read.py
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import defusedxml.ElementTree as DET
import gpxpy

from walkrun.app import samplegen
from walkrun.builtin.readers import gpx as gpx_reader
from walkrun.builtin.readers import tcx as tcx_reader
from walkrun.builtin.readers.gpx import GpxReader
from walkrun.builtin.readers.tcx import TcxReader
from walkrun.domain.errors import ReadError
from walkrun.ingest.xmlsafe import strip_xml_noise, xml_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("WALKRUN_SAMPLES", ROOT.parent / "shared" / "samples"))


def best_of(fn: Callable[[], object], runs: int = 9) -> float:
    """Best CPU time of several runs: on a shared machine, wall time mostly measures the neighbours.

    The garbage collector is paused while timing, as ``timeit`` does, so one
    side does not pay for collecting the other's garbage.
    """
    times = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            t = time.process_time()
            fn()
            times.append(time.process_time() - t)
    finally:
        gc.enable()
    return min(times)


def generated(fmt: str, minutes: int = 60) -> bytes:
    walk = samplegen.PlannedWalk(dt.date(2026, 3, 2), minutes, "brisk", fmt, "pain:0", None)
    ticks = samplegen._samples(walk, random.Random(1))
    return samplegen._gpx(walk, ticks) if fmt == "gpx" else samplegen._tcx(walk, ticks)


def _readable(reader: GpxReader | TcxReader, data: bytes, name: str) -> bool:
    try:
        reader.read(data, name)
    except ReadError:
        return False
    return True


def streamed(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` with the fast path off: the streams get no span grammar."""

    def run() -> object:
        gpx_stream, tcx_stream = gpx_reader._GpxStream, tcx_reader._TcxStream
        gpx_stream.spans = tcx_stream.spans = None
        try:
            return fn()
        finally:
            gpx_stream.spans, tcx_stream.spans = gpx_reader.SPANS, tcx_reader.SPANS

    return run


def bench_gpx() -> tuple[float, float, float, int]:
    files = [(p.name, p.read_bytes()) for p in sorted((SAMPLES / "gpx").glob("*.gpx"))] if SAMPLES.is_dir() else []
    files.append(("generated 60-min walk", generated("gpx")))
    ours = theirs = slow = 0.0
    used = 0
    for name, data in files:
        if not _readable(GpxReader(), data, name):
            continue
        text = xml_text(data, name)
        theirs += best_of(lambda text=text: gpxpy.parse(text))  # type: ignore[misc]
        ours += best_of(lambda data=data, name=name: GpxReader().read(data, name))  # type: ignore[misc]
        slow += best_of(streamed(lambda data=data, name=name: GpxReader().read(data, name)))  # type: ignore[misc]
        used += 1
    return ours, theirs, slow, used


class _EmptyTarget:
    """A parser target that does nothing: the floor of any reader that streams into Python."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        return None

    def end(self, tag: str) -> None:
        return None

    def data(self, text: str) -> None:
        return None

    def close(self) -> None:
        return None


def empty_stream(data: bytes) -> None:
    parser = ET.XMLParser(target=_EmptyTarget())
    parser.feed(data)
    parser.close()


def bench_tcx() -> tuple[float, float, float, float, float, int]:
    files = [(p.name, p.read_bytes()) for p in sorted((SAMPLES / "tcx").glob("*.tcx"))] if SAMPLES.is_dir() else []
    files.append(("generated 60-min walk", generated("tcx")))
    ours = plain = defused = floor = slow = 0.0
    used = 0
    for name, data in files:
        if not _readable(TcxReader(), data, name):
            continue
        clean = strip_xml_noise(data)
        plain += best_of(lambda clean=clean: ET.fromstring(clean))  # type: ignore[misc]
        floor += best_of(lambda clean=clean: empty_stream(clean))  # type: ignore[misc]
        defused += best_of(lambda clean=clean: DET.fromstring(clean, forbid_dtd=True))  # type: ignore[misc]
        ours += best_of(lambda data=data, name=name: TcxReader().read(data, name))  # type: ignore[misc]
        slow += best_of(streamed(lambda data=data, name=name: TcxReader().read(data, name)))  # type: ignore[misc]
        used += 1
    return ours, plain, defused, floor, slow, used


def main() -> None:
    ours, theirs, slow, n = bench_gpx()
    print(f"{'GPX read (' + str(n) + ' files)':<48} {ours / theirs:8.2f} x  (gpxpy.parse alone; goal <= 0.4)")
    print(f"{'  every element streamed':<48} {slow / theirs:8.2f} x  (gpxpy.parse alone)")
    ours, plain, defused, floor, slow, n = bench_tcx()
    print(f"{'TCX read (' + str(n) + ' files)':<48} {ours / plain:8.2f} x  (plain ElementTree parse; goal <= 0.8)")
    print(f"{'TCX read (' + str(n) + ' files)':<48} {ours / defused:8.2f} x  (defusedxml ElementTree parse)")
    print(f"{'  every element streamed':<48} {slow / plain:8.2f} x  (plain ElementTree parse)")
    print(f"{'  floor: parser into an empty Python target':<48} {floor / plain:8.2f} x  (plain ElementTree parse)")


if __name__ == "__main__":
    main()
