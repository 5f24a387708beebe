"""Benchmarks: each prints a ratio against a baseline measured in the same run.

Ratios, not seconds, so results compare across machines. Run: make bench
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from walkrun.app import samplegen
from walkrun.builtin.readers.fit import FitReader
from walkrun.domain.history import history_from_log
from walkrun.domain.models import AthleteProfile, Preferences
from walkrun.engine.progression import build_plan
from walkrun.engine.simulate import follow_plan
from walkrun.evidence.classify import classify
from walkrun.fit.encode import Sport, encode_activity
from walkrun.plugins.manager import make_plugin_manager

sys.path.insert(0, str(Path(__file__).resolve().parent))
import xml_read  # a sibling script in bench/, not a package


def best_of(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def report(name: str, measured: float, baseline: float, baseline_name: str) -> None:
    print(f"{name:<48} {measured / baseline:8.1f} x  ({baseline_name})")


def main() -> None:
    registry = make_plugin_manager(load_entrypoints=False, env={})
    proto = registry.protocol("femoral-neck-bsi")
    injury = dt.date(2026, 1, 5)
    fwb = injury + dt.timedelta(weeks=8)
    profile = AthleteProfile(
        athlete_id="b", condition="femoral-neck-bsi", injury_date=injury, full_weight_bearing_date=fwb
    )
    checkins, clinical = follow_plan(
        profile, proto, fwb, injury + dt.timedelta(weeks=16), tests_on=injury + dt.timedelta(weeks=12)
    )
    history = history_from_log(checkins, clinical)
    today = injury + dt.timedelta(weeks=16)

    # Baseline: planning the next 4 weeks. How does a 1-year projection (calendar export) compare?
    base = best_of(lambda: build_plan(profile, proto, history, today, 28))
    report(
        "build_plan, 365-day horizon",
        best_of(lambda: build_plan(profile, proto, history, today, 365)),
        base,
        "28-day plan",
    )

    # Classification of a 45-minute walk against merely touching every sample once.
    samples = [(t, 1.6, 114.0, 110) for t in range(45 * 60)]
    raw = encode_activity(dt.datetime(2026, 3, 1, 7, tzinfo=dt.UTC), samples, sport=Sport.WALKING)
    activity = FitReader().read(raw, "bench.fit")[0]
    touch = best_of(lambda: sum(s.speed_mps or 0 for s in activity.samples))
    report("classify 45-min walk", best_of(lambda: classify(activity, Preferences())), touch, "one pass over samples")

    # Reading FIT with fitparse against encoding the same file with walkrun's encoder.
    enc = best_of(lambda: encode_activity(dt.datetime(2026, 3, 1, 7, tzinfo=dt.UTC), samples, sport=Sport.WALKING), 3)
    report(
        "read 45-min FIT walk (walkrun's decoder)",
        best_of(lambda: FitReader().read(raw, "bench.fit"), 3),
        enc,
        "encode same file",
    )

    # GPX/TCX reading against gpxpy and plain ElementTree (bench/xml_read.py prints its own ratios).
    xml_read.main()

    archive = samplegen.build_archive()
    gen = best_of(samplegen.build_archive, 1)
    print(f"{'demo archive':<48} {len(archive) / 1e6:8.2f} MB, generated in {gen / base:.0f} x a 28-day plan")
    print(f"(median of noise: {statistics.median([best_of(lambda: None, 1) for _ in range(5)]) * 1e6:.1f} µs)")
    from fit_decode import main as fit_decode  # bench/fit_decode.py: per-MB vs fitparse/fitdecode, 1e6-record memory

    fit_decode(["--runs", "1"])
    print()
    import engine  # bench/engine.py: 9-month plan and 100-athlete roster vs the engine before its rebuild

    engine.main([])
    print()
    import startup  # bench/startup.py: command start-up, in fresh processes

    startup.main()


if __name__ == "__main__":
    main()
