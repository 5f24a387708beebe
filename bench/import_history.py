"""Import benchmark: a generated five-year history, first import, unchanged re-import, a Strava zip, memory.

Every figure is printed next to a baseline measured in the same run:

* first import (process pool)   vs  reading + hashing every file (the least any import must do)
                                and the serial path (one process) on the 250-file subset
* unchanged re-import           vs  reading + hashing every file
* unchanged Strava zip (500)    vs  reading + hashing every member
* peak RSS, 250 vs 2,000 files  vs  a process that only imports walkrun

Each import runs as the real command (``walkrun import``, including the plan
revision it stores) in a fresh child process, so peak RSS is that import's.
The history (mostly 30-60-minute walks and walk-runs with 1-second records as
FIT, some GPX/TCX, some gzipped, some inside a zip) is generated once with
``walkrun.app.samplegen``/``walkrun.fit.encode`` and cached in the temp folder.

Run: .venv/bin/python bench/import_history.py [--files 2000] [--strava 500]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from walkrun.app import samplegen
from walkrun.fit.encode import Sport, encode_activity

CACHE = Path(tempfile.gettempdir()) / "walkrun-bench-import"
VERSION = "v1"
FIRST_DAY = dt.date(2021, 1, 4)
INJURY = "2020-12-01"


# --- generation -------------------------------------------------------------------------------


def _ticks(rng: random.Random, minutes: int, walk_run: bool) -> list[samplegen.Tick]:
    out: list[samplegen.Tick] = []
    for t in range(minutes * 60):
        running = walk_run and (t // 60) % 5 == 4  # walk 4 min, run 1 min
        speed, cad, hr = (2.7, 160.0, 140) if running else (1.6, 114.0, 112)
        out.append((t, round(max(0.0, rng.gauss(speed, 0.06)), 3), round(rng.gauss(cad, 2.5), 1), int(hr)))
    return out


def _one(i: int, n: int) -> tuple[str, bytes]:
    """The i-th activity of the history as (relative name, bytes)."""
    rng = random.Random(i)
    day = FIRST_DAY + dt.timedelta(days=i * (5 * 365) // n)
    minutes = rng.randint(30, 60)
    walk_run = rng.random() < 0.4
    fmt = "fit" if i % 10 < 7 else ("gpx" if i % 10 < 8 else "tcx")
    ticks = _ticks(rng, minutes, walk_run)
    walk = samplegen.PlannedWalk(day, minutes, "brisk", fmt, "pain:0", None)
    start = dt.datetime.combine(day, dt.time(7, 30), tzinfo=dt.UTC) + dt.timedelta(minutes=i % 7)
    if fmt == "fit":
        data = encode_activity(start, ticks, sport=Sport.WALKING, positions=samplegen._positions(ticks))
    elif fmt == "gpx":
        data = samplegen._gpx(walk, ticks)
    else:
        data = samplegen._tcx(walk, ticks)
    name = f"{day.year}/{i:05}.{fmt}"
    if i % 4 == 1:
        return name + ".gz", gzip.compress(data, mtime=0)
    return name, data


def generate(n: int) -> Path:
    """``n`` files (10% of them inside ``archive.zip``), generated once and cached."""
    root = CACHE / f"history-{n}-{VERSION}"
    if (root / ".done").exists():
        return root
    print(f"generating {n} activities into {root} (once) ...", file=sys.stderr)
    root.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor() as pool:
        files = list(pool.map(_one, range(n), [n] * n, chunksize=16))
    with zipfile.ZipFile(root / "archive.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(files):
            if i % 10 == 9:
                zf.writestr(name, data)
            else:
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
    (root / ".done").write_text("ok")
    return root


def strava_zip(history: Path, count: int) -> Path:
    """A Strava-style export: ``activities.csv`` and ``count`` gzipped activity files from the history."""
    path = CACHE / f"strava-{count}-from-{history.name}.zip"
    if path.exists():
        return path
    files = sorted(p for p in history.rglob("*") if p.is_file() and p.suffix != ".zip" and p.name != ".done")
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Elapsed Time", "Filename"])
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, src in enumerate(files[:count]):
            data = src.read_bytes()
            name = f"activities/{i + 1000}{''.join(src.suffixes).removesuffix('.gz')}.gz"
            zf.writestr(name, data if data[:2] == b"\x1f\x8b" else gzip.compress(data, mtime=0))
            writer.writerow([i + 1000, "Jan 4, 2021, 7:30:00 AM", f"Walk {i}", "Walk", "1800", name])
        zf.writestr("activities.csv", rows.getvalue())
    tmp.rename(path)
    return path


# --- measuring (each in a child process) --------------------------------------------------------


def _child(spec: dict[str, object]) -> None:
    """Run one measurement here and print {"s": seconds, "rss_mb": peak RSS of this process, ...}."""
    kind = spec["kind"]
    t = time.perf_counter()
    if kind == "import":
        from walkrun.cli.root import main

        args = ["--home", str(spec["home"]), "--athlete", "b", "--today", "2026-01-05", "import", "--json"]
        if spec.get("workers"):
            args += ["--workers", str(spec["workers"])]
        sink = io.StringIO()
        real, sys.stdout = sys.stdout, sink
        try:
            main([*args, *map(str, spec["paths"])])  # type: ignore[call-overload]
        except SystemExit as exc:
            if exc.code:
                raise
        finally:
            sys.stdout = real
        summary = json.loads(sink.getvalue())
    elif kind == "hash":
        summary = {"bytes": _hash_all([Path(str(p)) for p in spec["paths"]])}  # type: ignore[attr-defined]
    else:
        import walkrun.cli.root  # noqa: F401  (what every import pays before reading a file)

        summary = {}
    seconds = time.perf_counter() - t
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"s": seconds, "rss_mb": self_kb / 1024, **summary}))


def _hash_all(paths: list[Path]) -> int:
    """Read and sha256 every file and zip member: the least a content-addressed import must do."""
    total = 0
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            if f.suffix == ".zip":
                with zipfile.ZipFile(f) as zf:
                    for info in zf.infolist():
                        data = zf.read(info)
                        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
                        total += len(hashlib.sha256(data).digest()) and len(data)
            else:
                data = f.read_bytes()
                data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
                total += len(hashlib.sha256(data).digest()) and len(data)
    return total


def measure(kind: str, **spec: object) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps({"kind": kind, **spec}, default=str)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


HOMES: list[Path] = []


def fresh_home(tag: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix=f"walkrun-bench-{tag}-"))
    HOMES.append(home)
    init = ["init", "--athlete", "b", "--condition", "femoral-neck-bsi", "--injury-date", INJURY]
    subprocess.run([sys.executable, "-m", "walkrun", "--home", str(home), *init], check=True, capture_output=True)
    return home


def row(name: str, seconds: float, base: float, base_name: str, extra: str = "") -> None:
    print(f"{name:<44} {seconds:8.2f} s  {seconds / base:7.2f} x {base_name} ({base:.2f} s){extra}")


def subset(history: Path, count: int) -> Path:
    """The first ``count`` plain files of the history, as a folder of links (no copying)."""
    root = CACHE / f"subset-{count}-of-{history.name}"
    if not root.exists():
        tmp = root.with_name(root.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        files = sorted(p for p in history.rglob("*") if p.is_file() and p.suffix != ".zip" and p.name != ".done")
        for src in files[:count]:
            (tmp / src.name).write_bytes(src.read_bytes())
        tmp.rename(root)
    return root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--strava", type=int, default=500)
    parser.add_argument("--small", type=int, default=250)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    history = generate(args.files)
    small = subset(history, args.small)
    strava = strava_zip(history, args.strava)
    print(f"history: {args.files} files, {sum(p.stat().st_size for p in history.rglob('*')) / 1e6:.0f} MB; "
          f"cores: {len(os.sched_getaffinity(0))}")  # fmt: skip

    bare = measure("bare")
    hash_all = measure("hash", paths=[history])
    hash_small = measure("hash", paths=[small])
    hash_zip = measure("hash", paths=[strava])

    home_small = fresh_home("small")
    first_small = measure("import", home=home_small, paths=[small])
    serial_small = measure("import", home=fresh_home("serial"), paths=[small], workers=1)
    home = fresh_home("all")
    first = measure("import", home=home, paths=[history])
    again = measure("import", home=home, paths=[history])
    zip_first = measure("import", home=home, paths=[strava])  # same bytes as the folder: hashed, not decoded
    zip_again = measure("import", home=home, paths=[strava])
    assert again["imported"] == 0 and zip_again["imported"] == 0

    print()
    row(f"first import, {args.small} files (pool)", first_small["s"], hash_small["s"], "hash-only")
    row(f"first import, {args.small} files (pool)", first_small["s"], serial_small["s"], "serial path")
    row(f"first import, {args.files} files (pool)", first["s"], hash_all["s"], "hash-only",
        f"  [{first['imported']} activities]")  # fmt: skip
    row(f"unchanged re-import, {args.files} files", again["s"], hash_all["s"], "hash-only")
    row(f"Strava zip {args.strava}, first (known bytes)", zip_first["s"], hash_zip["s"], "hash-only")
    row(f"Strava zip {args.strava}, unchanged again", zip_again["s"], hash_zip["s"], "hash-only")
    print()
    # The importing process (the one writer); each worker holds one file at a time.
    print(f"{'peak RSS of the importing process':<44} {'MB':>8}")
    for label, m in (
        ("python + walkrun.cli.root only (baseline)", bare),
        (f"first import, {args.small} files", first_small),
        (f"first import, {args.files} files", first),
        (f"unchanged re-import, {args.files} files", again),
    ):
        print(f"{label:<44} {m['rss_mb']:8.0f}  {m['rss_mb'] / bare['rss_mb']:5.2f} x baseline")
    row("start-up only (import walkrun.cli.root)", bare["s"], hash_all["s"], "hash-only")


if __name__ == "__main__":
    try:
        main()
    finally:
        for home in HOMES:  # the generated history stays cached; the stores go
            shutil.rmtree(home, ignore_errors=True)
