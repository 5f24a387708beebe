"""The plugin contract: documented hooks, validation, broken plugins, loading rules."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import walkrun
from walkrun.domain.errors import UsageError
from walkrun.plugins import hookspecs
from walkrun.plugins.manager import make_plugin_manager

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


def _hook_names() -> set[str]:
    return {name for name in dir(hookspecs) if name.startswith("register_")}


def test_every_hook_is_documented() -> None:
    documented = set(re.findall(r"^### `(\w+)`", DOCS.read_text(), flags=re.M))
    missing = _hook_names() - documented
    assert not missing, f"hooks without a section in docs/plugins.md: {sorted(missing)}"
    assert not documented - _hook_names(), "docs/plugins.md documents hooks that do not exist"


def test_every_hook_has_a_docstring_and_builtin_implementation() -> None:
    registry = make_plugin_manager(load_entrypoints=False, env={})
    for name in _hook_names():
        assert getattr(hookspecs, name).__doc__, name
    implemented = {h for info in registry.plugins.values() for h in info.hooks}
    assert {"register_readers", "register_writers", "register_protocols"} <= implemented


def test_builtins_register_like_third_parties() -> None:
    registry = make_plugin_manager(load_entrypoints=False, env={})
    assert {"fit", "gpx", "tcx"} <= set(registry.readers)
    assert {"ics", "fit", "json", "html"} <= set(registry.writers)
    assert "femoral-neck-bsi" in registry.protocols
    assert all(p.origin == "builtin" for p in registry.plugins.values())


class _Dup(walkrun.Writer):
    name = "ics"

    def write(self, plan, context, out_dir):  # type: ignore[no-untyped-def]
        return []


class _NoName(walkrun.Writer):
    def write(self, plan, context, out_dir):  # type: ignore[no-untyped-def]
        return []


class _Abstract(walkrun.Reader):
    name = "half"


class DupPlugin:
    @walkrun.hookimpl
    def register_writers(self, register):  # type: ignore[no-untyped-def]
        register(_Dup)


class BadClassPlugin:
    @walkrun.hookimpl
    def register_writers(self, register):  # type: ignore[no-untyped-def]
        register(_NoName)

    @walkrun.hookimpl
    def register_readers(self, register):  # type: ignore[no-untyped-def]
        register(_Abstract)


class RaisingPlugin:
    @walkrun.hookimpl
    def register_protocols(self, register):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")


def test_duplicate_and_invalid_registrations_are_reported_not_fatal() -> None:
    registry = make_plugin_manager(
        load_entrypoints=False, env={}, extra=[DupPlugin(), BadClassPlugin(), RaisingPlugin()]
    )
    errors = {info.name: info.error for info in registry.failures}
    assert any("already registered by walkrun.builtin.writers.ics" in (e or "") for e in errors.values())
    assert any("needs a 'name'" in (e or "") or "does not implement" in (e or "") for e in errors.values())
    assert any("RuntimeError: boom" in (e or "") for e in errors.values())
    assert registry.writer("ics").__module__ == "walkrun.builtin.writers.ics"
    assert "femoral-neck-bsi" in registry.protocols


def test_unknown_names_raise_clear_errors() -> None:
    registry = make_plugin_manager(load_entrypoints=False, env={})
    with pytest.raises(UsageError, match=r"unknown writer 'pdf'; available: .*ics"):
        registry.writer("pdf")
    with pytest.raises(UsageError, match="unknown protocol"):
        registry.protocol("nope")


def test_plugins_dir_loads_one_file_plugins_and_reports_broken_ones(tmp_path: Path) -> None:
    (tmp_path / "extra_protocol.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            import walkrun
            from walkrun.domain.protocol import builtin_protocol_dir, load_protocol_file

            @walkrun.hookimpl
            def register_protocols(register):
                base = load_protocol_file(builtin_protocol_dir() / "low-risk-bsi.toml")
                register(base.model_copy(update={"id": "clinic-low-risk", "default_for": []}))
            """
        )
    )
    (tmp_path / "broken.py").write_text("import does_not_exist\n")
    registry = make_plugin_manager(load_entrypoints=False, env={}, plugins_dir=tmp_path)
    assert "clinic-low-risk" in registry.protocols
    broken = [p for p in registry.failures if p.name == "broken.py"]
    assert broken and "ModuleNotFoundError" in (broken[0].error or "")


def test_allow_list_limits_entry_point_plugins() -> None:
    everything = make_plugin_manager(env={})
    none = make_plugin_manager(env={"WALKRUN_LOAD_PLUGINS": ""})
    only_md = make_plugin_manager(env={"WALKRUN_LOAD_PLUGINS": "walkrun-markdown"})
    assert "markdown" in everything.writers, "the example plugin is installed by the Makefile"
    assert "markdown" not in none.writers
    assert "markdown" in only_md.writers
    assert all(p.origin == "builtin" for p in none.plugins.values())


def test_plugins_command_lists_the_example_plugin(run_cli) -> None:  # type: ignore[no-untyped-def]
    import json

    data = json.loads(run_cli("plugins", "--json").stdout)
    md = next(p for p in data["plugins"] if p["name"] == "markdown")
    assert md["distribution"] == "walkrun-markdown" and md["registered"] == {"writers": ["markdown"]}
    assert "register_commands" in md["hooks"]


def test_documented_hook_signatures_match_the_specs() -> None:
    """Each hook's example in docs/plugins.md takes exactly the spec's arguments (as datasette checks its docs)."""
    import inspect

    text = DOCS.read_text()
    for name in _hook_names():
        section = text.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        documented = re.search(rf"def {name}\(([^)]*)\)", section)
        assert documented, f"docs/plugins.md shows no `def {name}(...)` example"
        args = [a.strip() for a in documented.group(1).split(",") if a.strip()]
        assert args == list(inspect.signature(getattr(hookspecs, name)).parameters), name
