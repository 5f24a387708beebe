"""Planning speed: a 9-month history and a 100-athlete roster, this code next to an earlier commit's.

The earlier engine (default: the last commit before the engine rebuild) is
unpacked from git into a temporary folder and timed in a child process on the
same synthetic history, so both figures come from the same run on the same
machine. CPU time (``time.process_time``) is reported, medians of repeated
runs. Run: python bench/engine.py [--baseline COMMIT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "d78e7fb"  # the engine before it was rebuilt (the 690-line replay class)

# Runs inside a child interpreter against whichever walkrun is on sys.path.
CHILD = r"""
import datetime as dt, json, statistics, sys, tempfile, time
from pathlib import Path
from walkrun.domain.history import History, history_from_log
from walkrun.domain.models import AthleteProfile, CheckIn, ClinicalTestResult
from walkrun.plugins.manager import make_plugin_manager
from walkrun.engine.progression import build_plan
from walkrun.app.roster import build_roster
from walkrun.store import Store

spec = json.loads(sys.argv[1])
injury = dt.date.fromisoformat(spec["injury"])
today = dt.date.fromisoformat(spec["today"])
registry = make_plugin_manager(load_entrypoints=False, env={})
proto = registry.protocol("femoral-neck-bsi")
checkins = [CheckIn(date=dt.date.fromisoformat(c.pop("date")), **c) for c in spec["checkins"]]
tests = [ClinicalTestResult(test=t, date=dt.date.fromisoformat(spec["tests_on"]), passed=True)
         for t in proto.gate.required_tests]
fwb = dt.date.fromisoformat(spec["fwb"])

def profile(aid):
    return AthleteProfile(
        athlete_id=aid, condition="femoral-neck-bsi", injury_date=injury, full_weight_bearing_date=fwb
    )

history = history_from_log(checkins, tests)
times = []
for _ in range(spec["runs"]):
    t = time.process_time()
    build_plan(profile("a"), proto, history, today, 28)
    times.append(time.process_time() - t)
plan_ms = statistics.median(times) * 1000

with tempfile.TemporaryDirectory() as home:
    with Store(Path(home)) as store:
        for i in range(spec["athletes"]):
            store.save_profile(profile(f"a{i}"))
            for c in checkins[: 40 + i % 60]:
                store.add_checkin(f"a{i}", c)
            for t in tests:
                store.add_clinical(f"a{i}", t)
        t = time.process_time(); rows = build_roster(store, registry, today); roster_s = time.process_time() - t
print(json.dumps({"plan_ms": plan_ms, "roster_s": roster_s, "rows": len(rows)}))
"""


def history_spec(runs: int, athletes: int) -> dict[str, object]:
    """Nine months: brisk walks from week 8, tests at week 12, walk-runs three times a week after, all pain-free."""
    import datetime as dt

    injury = dt.date(2026, 1, 5)
    fwb, tests_on, today = (
        injury + dt.timedelta(weeks=8),
        injury + dt.timedelta(weeks=12),
        injury + dt.timedelta(days=270),
    )
    checkins = []
    day = fwb
    while day <= today:
        if day.weekday() in (0, 2, 4, 6):
            running = day > tests_on and day.weekday() != 6
            checkins.append(
                {
                    "date": day.isoformat(),
                    "walk_min": 24.0 if running else 45.0,
                    "run_min": 6.0 if running else None,
                    "pain_during": 0,
                    "pain_after": 0,
                    "pain_next_morning": 0,
                }
            )
        day += dt.timedelta(days=1)
    return {
        "injury": injury.isoformat(),
        "fwb": fwb.isoformat(),
        "tests_on": tests_on.isoformat(),
        "today": today.isoformat(),
        "checkins": checkins,
        "runs": runs,
        "athletes": athletes,
    }


def measure(src: Path, spec: dict[str, object]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec)],
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def unpack(commit: str, into: Path) -> Path:
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(into, filter="data")
    return into / "src"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BASELINE, help="git commit of the engine to compare against")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--athletes", type=int, default=100)
    args = ap.parse_args(argv)
    spec = history_spec(args.runs, args.athletes)
    now = measure(ROOT / "src", spec)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            before = measure(unpack(args.baseline, Path(tmp)), spec)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"baseline {args.baseline} could not be measured here ({type(exc).__name__}); current figures only")
        before = None
    nan = float("nan")
    old_plan, old_roster = (before["plan_ms"], before["roster_s"]) if before else (nan, nan)
    roster = f"roster, {args.athletes} athletes"
    print(f"{'engine (CPU time, median)':<32} {'this code':>11} {'baseline ' + args.baseline:>17} {'ratio':>7}")
    ratio = now["plan_ms"] / old_plan
    print(f"{'plan, 9-month history':<32} {now['plan_ms']:>8.1f} ms {old_plan:>14.1f} ms {ratio:>6.2f}x")
    print(f"{roster:<32} {now['roster_s']:>9.2f} s {old_roster:>15.2f} s {now['roster_s'] / old_roster:>6.2f}x")


if __name__ == "__main__":
    main()
