"""Issue 13, slow start: help and version import no engine, status no readers or writers.

Times are printed by bench/startup.py; here only what each command loads is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from walkrun.cli import LAZY_COMMANDS, cli

HEAVY = ("pydantic", "walkrun.models", "walkrun.store", "walkrun.progression", "pluggy", "fitparse", "icalendar")
FORMATS = ("fitparse", "gpxpy", "icalendar", "walkrun.default_plugins.fit_reader", "walkrun.default_plugins.ics_writer")


def loaded_after(args: list[str], home: Path, watch: tuple[str, ...]) -> list[str]:
    code = (
        "import json, sys\n"
        "from walkrun.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))\n"
    )
    env = {"WALKRUN_HOME": str(home), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return list(json.loads(r.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_help_and_version_load_no_engine(tmp_path: Path, args: list[str]) -> None:
    assert loaded_after(args, tmp_path, HEAVY) == []


def test_status_loads_no_readers_or_writers(run_cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("--today", "2026-04-20", "init", "--athlete", "ann", "--condition", "low-risk-bsi",
                "--injury-date", "2026-01-05")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert loaded_after(["--today", "2026-04-20", "status"], home, FORMATS) == []


def test_every_lazy_command_is_defined_where_the_table_says() -> None:
    ctx = click.Context(cli)
    for name, (module, short_help) in LAZY_COMMANDS.items():
        cmd = cli.get_command(ctx, name)
        assert cmd is not None and cmd.callback is not None, name
        assert cmd.callback.__module__ == module or name == "import", name
        assert short_help and len(short_help) <= 72, name
