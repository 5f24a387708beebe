"""FIT decoding speed and memory, each against a baseline measured in the same run.

Per MB of the shared sample FIT files that every decoder reads to the end:
walkrun's decoder and reader vs fitparse (and fitdecode when installed). Then
the peak memory (tracemalloc) of decoding a generated 1e6-record FIT file.

Run: .venv/bin/python bench/fit_decode.py [--runs N] [--records N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import struct
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from walkrun.builtin.readers.fit import FitReader
from walkrun.domain.errors import ReadError
from walkrun.fit.crc import crc16
from walkrun.fit.decode import decode_fit

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("WALKRUN_SAMPLES", ROOT.parent / "shared" / "samples")) / "fit"
MIB = 1024 * 1024


def _fitparse(data: bytes) -> int:
    import fitparse  # test-only oracle

    fit = fitparse.FitFile(data, check_crc=False)
    return sum(1 for _ in fit.get_messages())


def _fitdecode(data: bytes) -> int:
    import io

    import fitdecode  # optional second oracle

    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.DISABLED) as fit:
        return sum(1 for _ in fit)


def _ours(data: bytes) -> int:
    return sum(len(g.records) for g in decode_fit(data).groups)


def _reader(data: bytes) -> int:
    try:
        return len(FitReader().read(data, "bench.fit"))
    except ReadError:
        return 0


def _reads_to_the_end(fn: Callable[[bytes], int], data: bytes) -> bool:
    try:
        fn(data)
    except Exception:
        return False
    return True


def per_mb(fn: Callable[[bytes], int], files: list[bytes], runs: int) -> float:
    """Best-of-``runs`` seconds per MiB over all ``files``."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for data in files:
            fn(data)
        best = min(best, time.perf_counter() - start)
    return best / (sum(map(len, files)) / MIB)


def generated_fit(records: int) -> bytes:
    """A FIT file of ``records`` one-second records (timestamp, distance, speed, hr, cadence)."""
    definition = struct.pack("<BBBHB", 0x40, 0, 0, 20, 6)
    definition += bytes([253, 4, 0x86, 5, 4, 0x86, 6, 2, 0x84, 3, 1, 2, 4, 1, 2, 53, 1, 2])
    record = struct.Struct("<BIIHBBB")
    body = definition + b"".join(record.pack(0, 1_100_000_000 + i, 150 * i, 1500, 110, 55, 0) for i in range(records))
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", crc16(header))
    whole = header + body
    return whole + struct.pack("<H", crc16(whole))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    if not SAMPLES.is_dir():
        print(f"shared samples not present: {SAMPLES}")
        return
    every = [p.read_bytes() for p in sorted(SAMPLES.iterdir()) if p.suffix.lower() == ".fit"]
    candidates: dict[str, Callable[[bytes], int]] = {"fitparse": _fitparse}
    with contextlib.suppress(ImportError):
        import fitdecode  # noqa: F401

        candidates["fitdecode"] = _fitdecode
    # Only files every baseline reads to the end, so each decoder does the same work.
    files = [d for d in every if all(_reads_to_the_end(fn, d) for fn in candidates.values())]
    size = sum(map(len, files)) / MIB
    print(f"{len(files)} of {len(every)} sample FIT files ({size:.2f} MiB) read to the end by every decoder")
    base = per_mb(_fitparse, files, args.runs)
    rows = [("fitparse 1.2 (baseline)", base)]
    if "fitdecode" in candidates:
        rows.append(("fitdecode", per_mb(_fitdecode, files, args.runs)))
    rows.append(("walkrun fit_decode (decoder only)", per_mb(_ours, files, args.runs)))
    rows.append(("walkrun FitReader.read (to Activity objects)", per_mb(_reader, files, args.runs)))
    print(f"{'decoder':<46} {'s/MiB':>8} {'x fitparse time':>16} {'speed-up':>9}")
    for name, seconds in rows:
        print(f"{name:<46} {seconds:8.3f} {seconds / base:16.3f} {base / seconds:8.1f}x")

    data = generated_fit(args.records)
    start = time.perf_counter()
    decoded = decode_fit(data)
    took = time.perf_counter() - start
    count = sum(len(g.records) for g in decoded.groups)
    del decoded
    tracemalloc.start()
    decode_fit(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"generated {count:,}-record FIT ({len(data) / MIB:.1f} MiB): decoded in {took:.2f} s "
        f"({took / (len(data) / MIB):.2f} s/MiB); peak traced memory while decoding {peak / MIB:.1f} MiB "
        "(the file's own bytes not counted)"
    )
    tracemalloc.start()
    try:
        FitReader().read(data, "million.fit")
        outcome = "accepted"
    except ReadError as exc:
        outcome = f"refused: {exc.reason}"
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"reader on the same file: peak traced memory {peak / MIB:.1f} MiB; {outcome}")


if __name__ == "__main__":
    main()
