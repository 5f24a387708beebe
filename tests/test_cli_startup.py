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

from walkrun.builtin.commands import COMMANDS
from walkrun.cli.group import LazyCommand
from walkrun.cli.root import cli

HEAVY = ("pydantic", "walkrun.domain.models", "walkrun.store", "walkrun.engine.progression", "fitparse", "icalendar")
COMMAND_MODULES = tuple({target.split(":")[0] for target, _ in COMMANDS.values()})
FORMATS = ("fitparse", "gpxpy", "icalendar", "walkrun.builtin.readers.fit", "walkrun.builtin.writers.ics")


def loaded_after(args: list[str], home: Path, watch: tuple[str, ...]) -> list[str]:
    code = (
        "import json, sys\n"
        "from walkrun.cli.root import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))\n"
    )
    env = {"WALKRUN_HOME": str(home), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return list(json.loads(r.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--version"], ["--help"], []])
def test_help_and_version_load_no_engine_and_no_command(tmp_path: Path, args: list[str]) -> None:
    assert loaded_after(args, tmp_path, HEAVY + COMMAND_MODULES) == []


def test_version_does_not_even_load_the_plugin_manager(tmp_path: Path) -> None:
    assert loaded_after(["--version"], tmp_path, ("pluggy", "walkrun.plugins")) == []


def test_help_lists_every_builtin_command_through_the_hook(tmp_path: Path) -> None:
    # --help calls register_commands (pluggy is loaded) but imports no command module.
    assert loaded_after(["--help"], tmp_path, ("pluggy", "walkrun.builtin.commands")) == [
        "pluggy",
        "walkrun.builtin.commands",
    ]


def test_status_loads_no_readers_or_writers(run_cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("--today", "2026-04-20", "init", "--athlete", "ann", "--condition", "low-risk-bsi",
                "--injury-date", "2026-01-05")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert loaded_after(["--today", "2026-04-20", "status"], home, FORMATS) == []


def test_every_builtin_command_is_defined_where_the_table_says() -> None:
    ctx = click.Context(cli)
    for name, (target, short_help) in COMMANDS.items():
        module, _, attribute = target.partition(":")
        cmd = cli.get_command(ctx, name)
        assert cmd is not None and cmd.callback is not None, name
        assert not isinstance(cmd, LazyCommand) and cmd.callback.__module__ == module, name
        assert cmd.name == name and cmd.callback.__name__ == attribute, name
        assert short_help and len(short_help) <= 72, name


def test_command_modules_do_not_import_the_root_group() -> None:
    """The root group imports no command module, and no command module imports it (no cycle)."""
    import ast

    src = Path(__file__).resolve().parents[1] / "src" / "walkrun"

    def imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        return found | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}

    for path in (src / "cli").glob("*.py"):
        assert not {m for m in imports(path) if m.startswith("walkrun.builtin")}, path.name
    commands = list((src / "builtin" / "commands").glob("*.py"))
    assert len(commands) > 5
    for path in commands:
        assert "walkrun.cli.root" not in imports(path), path.name


def test_builtin_commands_come_through_the_register_commands_hook(run_cli) -> None:  # type: ignore[no-untyped-def]
    r = run_cli("plugins", "--json")
    assert r.exit_code == 0, r.stderr
    listed = {p["name"]: p for p in json.loads(r.stdout)["plugins"]}
    builtin = listed["walkrun.builtin.commands"]
    assert builtin["origin"] == "builtin" and builtin["hooks"] == ["register_commands"]
    assert sorted(builtin["commands"]) == sorted(COMMANDS)
