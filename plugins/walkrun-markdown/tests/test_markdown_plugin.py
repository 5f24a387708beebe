"""The example plugin, tested the way its author would: installed, through walkrun."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from walkrun.cli import main
from walkrun.plugins import make_plugin_manager


def _run(capsys, *args):  # type: ignore[no-untyped-def]
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr()


def test_entry_point_registers_writer_and_command() -> None:
    registry = make_plugin_manager(env={})
    assert "markdown" in registry.writers
    info = registry.plugins["markdown"]
    assert info.distribution == "walkrun-markdown" and not info.error


def test_markdown_command_and_writer(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    home = str(tmp_path / "home")
    code, _ = _run(
        capsys,
        "--home",
        home,
        "--today",
        "2026-04-01",
        "init",
        "--athlete",
        "ann",
        "--condition",
        "femoral-neck-bsi",
        "--injury-date",
        "2026-01-05",
    )
    assert code == 0
    day = dt.date(2026, 3, 10)
    while day <= dt.date(2026, 4, 1):
        _run(
            capsys,
            "--home",
            home,
            "--athlete",
            "ann",
            "--today",
            "2026-04-01",
            "log",
            "--date",
            str(day),
            "--walk-min",
            "45",
            "--pain-during",
            "0",
            "--pain-after",
            "0",
        )
        day += dt.timedelta(days=2)
    code, res = _run(capsys, "--home", home, "--athlete", "ann", "--today", "2026-04-01", "markdown", "--weeks", "2")
    assert code == 0, res.err
    assert res.out.startswith("# Return-to-run plan: ann")
    assert "## Gate to running" in res.out and "- [ ] " in res.out
    assert "at least 12 weeks since injury" in res.out
    out_dir = tmp_path / "out"
    code, res = _run(
        capsys,
        "--home",
        home,
        "--athlete",
        "ann",
        "--today",
        "2026-04-01",
        "export",
        "--format",
        "markdown",
        "--out",
        str(out_dir),
        "--json",
    )
    assert code == 0, res.err
    files = json.loads(res.out)["exports"][0]["files"]["markdown"]
    assert Path(files[0]).read_text().startswith("# Return-to-run plan")
