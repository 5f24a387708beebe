"""Issue 13: status, plan, activities and coach read at 80 columns: no long lines, no word cut in two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from test_cli_first_use import walk_fit
from walkrun.cli import core as cli_core

TODAY = "2026-04-20"
COMMANDS = [("status",), ("plan", "--weeks", "2"), ("activities",), ("coach",)]
RULES = set("─━═│┃┆╷╵ ")


def _words(text: str) -> set[str]:
    return {w for line in text.splitlines() for w in line.split() if not set(w) <= RULES}


@pytest.fixture
def runner_with_history(run_cli: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    def run(*args: str) -> Any:
        r = run_cli("--athlete", "ann", "--today", TODAY, *args)
        assert r.exit_code == 0, (args, r.stderr)
        return r

    run("init", "--condition", "femoral-neck-bsi", "--injury-date", "2026-01-05", "--name", "Ann Example")
    run_cli("--today", TODAY, "init", "--athlete", "bob", "--condition", "low-risk-bsi", "--injury-date", "2026-02-01")
    for offset in (2, 4, 6, 9):
        walk_fit(tmp_path / "watch", dt.date(2026, 4, 20) - dt.timedelta(days=offset), minutes=45)
    run("import", str(tmp_path / "watch"))
    run("log", "--date", "2026-04-14", "--pain-during", "2", "--pain-after", "1", "--night-pain")
    run("log", "--date", "2026-04-16", "--pain-during", "0", "--pain-after", "0", "--pain-next-morning", "0")
    run("clinical", "--test", "hip-airplane", "--result", "pass")
    return run


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_tables_fit_80_columns_without_splitting_words(
    runner_with_history: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setattr(cli_core.out, "width", 400)
    wide = runner_with_history(*args).stdout
    monkeypatch.setattr(cli_core.out, "width", 80)
    narrow = runner_with_history(*args).stdout
    # "next: walkrun ..." hints are the one exception: a command to copy is never broken over lines.
    long_lines = [ln for ln in narrow.splitlines() if len(ln) > 80 and not ln.startswith("next: ")]
    assert not long_lines, long_lines
    split = _words(narrow) - _words(wide)
    assert not split, f"words cut in two at 80 columns: {sorted(split)[:10]}"


def test_piped_output_is_80_columns_unless_columns_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert cli_core._width() == 80  # pytest captures stdout: not a terminal
    monkeypatch.setenv("COLUMNS", "132")
    assert cli_core._width() == 132
