"""Start-up time of the ``walkrun`` command, next to importing its three main libraries.

Each command runs in a fresh process, best of N, measured in the same run as the
baselines so the figures compare on a loaded machine. Run: python bench/startup.py
Goals (issue 13): --version and --help <= 0.3 s, status <= 0.5 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7


def best_of(cmd: list[str], env: dict[str, str], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return min(times)


def make_store(env: dict[str, str]) -> None:
    walkrun = [sys.executable, "-m", "walkrun", "--today", "2026-04-20"]
    subprocess.run(
        [*walkrun, "init", "--athlete", "ann", "--condition", "femoral-neck-bsi", "--injury-date", "2026-01-05"],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for day in ("2026-04-13", "2026-04-15", "2026-04-17"):
        subprocess.run(
            [*walkrun, "log", "--date", day, "--walk-min", "45", "--pain-during", "0", "--pain-after", "0"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        # An installed walkrun has its bytecode cached (pip compiles it; the first run writes it), so
        # measure that state even where the environment turns bytecode caching off.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["WALKRUN_HOME"] = str(Path(home) / "store")
        make_store(env)
        py = sys.executable
        walkrun = [py, "-m", "walkrun"]
        rows = [
            ('python -c "pass"', [py, "-c", "pass"]),
            ('python -c "import click, pydantic, rich"', [py, "-c", "import click, pydantic, rich"]),
            ("walkrun --version", [*walkrun, "--version"]),
            ("walkrun --help", [*walkrun, "--help"]),
            ("walkrun --today 2026-04-20 status", [*walkrun, "--today", "2026-04-20", "status"]),
        ]
        results = [(name, best_of(cmd, env)) for name, cmd in rows]
    base = results[1][1]
    print(f"{'command (best of ' + str(RUNS) + ')':<44} {'seconds':>8} {'x import click+pydantic+rich':>30}")
    for name, seconds in results:
        print(f"{name:<44} {seconds:8.3f} {seconds / base:30.1f}")


if __name__ == "__main__":
    main()
