"""The folders show the layers, and the layer order holds (docs/architecture.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "walkrun"
LAYERS = ("domain", "fit", "evidence", "engine", "plugins", "ingest", "store", "app", "serve", "cli", "builtin")


def _lint_imports() -> str:
    exe = Path(sys.executable).with_name("lint-imports")
    command = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return result.stdout


def test_import_contracts_hold() -> None:
    out = _lint_imports()
    assert "0 broken" in out or "broken" not in out.split("Contracts:")[-1]


def test_every_layer_is_a_package_that_says_what_flows_through_it() -> None:
    for layer in LAYERS:
        init = SRC / layer / "__init__.py"
        assert init.exists(), layer
        doc = init.read_text().split('"""')[1]
        assert len(doc.split()) >= 12, f"{layer}/__init__.py needs a docstring saying what flows in and out"


def test_only_packages_data_and_old_paths_live_at_the_top() -> None:
    old_paths = {"activities", "athlete", "errors", "history", "hookspecs", "models", "plan", "protocol"}
    old_paths |= {"readers", "writers"}
    top = {p.stem for p in SRC.glob("*.py")} - {"__init__", "__main__"}
    assert top <= old_paths, f"modules outside the layer packages: {sorted(top - old_paths)}"
    for name in old_paths & top:
        text = (SRC / f"{name}.py").read_text()
        assert "import *" in text and len(text.splitlines()) < 8, f"{name}.py should only re-export its new home"


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("models", "domain.models", "CheckIn"),
        ("activities", "domain.activities", "Activity"),
        ("plan", "domain.plan", "Plan"),
        ("protocol", "domain.protocol", "Protocol"),
        ("errors", "domain.errors", "ReadError"),
        ("readers", "plugins.readers", "Reader"),
        ("writers", "plugins.writers", "Writer"),
        ("hookspecs", "plugins.hookspecs", "hookimpl"),
        ("athlete", "app.athlete", "plan_for"),
        ("plugins", "plugins.manager", "make_plugin_manager"),
        ("cli", "cli.root", "main"),
    ],
)
def test_old_import_paths_give_the_same_objects(old: str, new: str, name: str) -> None:
    import importlib

    legacy = importlib.import_module(f"walkrun.{old}")
    assert getattr(legacy, name) is getattr(importlib.import_module(f"walkrun.{new}"), name)
