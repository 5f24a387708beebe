"""The plugin host in-process: calls through ``pm.hook``, guarded implementations, contract checks."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

import walkrun
from walkrun.domain.errors import PluginError, ReadError
from walkrun.domain.models import Condition
from walkrun.ingest.formats import pick_reader
from walkrun.plugins.manager import make_plugin_manager
from walkrun.plugins.readers import SniffError
from walkrun.plugins.writers import WriteResult, checked_result

GPX = b'<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"></gpx>'


class _W(walkrun.Writer):
    def write(self, plan: Any, context: Any, out_dir: Path) -> list[Path]:
        return []


def _writer(name: str) -> type[walkrun.Writer]:
    return type(f"W_{name}", (_W,), {"name": name})


class Recorder:
    """Plugins that note the order pluggy calls them in."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def plain(self, tag: str, **opts: bool) -> object:
        calls = self.calls

        class Plugin:
            @walkrun.hookimpl(**opts)
            def register_writers(self, register: Any) -> None:
                calls.append(tag)
                register(_writer(tag))

        return Plugin()


def test_calls_go_through_pm_hook_so_tryfirst_decides_the_order() -> None:
    rec = Recorder()
    # pluggy calls the last registered first, unless tryfirst says otherwise.
    registry = make_plugin_manager(
        load_entrypoints=False, env={}, extra=[rec.plain("early", tryfirst=True), rec.plain("late")]
    )
    assert {"early", "late"} <= set(registry.writers)
    assert rec.calls == ["early", "late"]


def test_a_hook_wrapper_sees_every_registration_and_a_raising_one_is_blamed() -> None:
    seen: list[str] = []

    class Watcher:
        @walkrun.hookimpl(wrapper=True)
        def register_writers(self, register: Any) -> Generator[None, None, None]:
            yield
            seen.append("after")

    class Breaker:
        @walkrun.hookimpl(wrapper=True)
        def register_protocols(self, register: Any) -> Generator[None, None, None]:
            yield
            raise RuntimeError("wrapper broke")

    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=[Watcher(), Breaker()])
    assert seen == ["after"]
    (broken,) = registry.failures
    assert broken.error is not None and broken.error.startswith("register_protocols wrapper raised RuntimeError")
    assert "ics" in registry.writers and "femoral-neck-bsi" in registry.protocols


def test_a_plugin_that_fails_withdraws_what_it_registered() -> None:
    class Half:
        @walkrun.hookimpl
        def register_writers(self, register: Any) -> None:
            register(_writer("half-ok"))
            register(_writer("ics"))  # taken by the built-in

    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=[Half()])
    (failed,) = registry.failures
    assert failed.error == "writers name 'ics' is already registered by walkrun.builtin.writers.ics"
    assert "half-ok" not in registry.writers and failed.registered == {}
    assert registry.writer("ics").__module__ == "walkrun.builtin.writers.ics"


def test_hook_arguments_pluggy_refuses_are_one_line() -> None:
    class WrongArgs:
        @walkrun.hookimpl
        def register_writers(self, register: Any, extra: Any) -> None:
            raise AssertionError("never called")

    class Typo:
        @walkrun.hookimpl
        def register_writer(self, register: Any) -> None:
            raise AssertionError("never called")

    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=[WrongArgs(), Typo()])
    errors = sorted(p.error or "" for p in registry.failures)
    assert errors[0].startswith("failed to load: PluginValidationError")
    assert errors[1] == "unknown hook 'register_writer' (did you mean 'register_writers'?); plugin not loaded"
    assert "ics" in registry.writers


def test_register_outside_a_hook_is_refused() -> None:
    kept: list[Any] = []

    class Later:
        @walkrun.hookimpl
        def register_writers(self, register: Any) -> None:
            kept.append(register)

    make_plugin_manager(load_entrypoints=False, env={}, extra=[Later()])
    with pytest.raises(PluginError, match="outside a hook implementation"):
        kept[0](_writer("late"))


def test_protocol_defaults_prefer_the_builtin_unless_allowed() -> None:
    from walkrun.domain.protocol import builtin_protocol_dir, load_protocol_file

    class Fast:
        @walkrun.hookimpl
        def register_protocols(self, register: Any) -> None:
            base = load_protocol_file(builtin_protocol_dir() / "low-risk-bsi.toml")
            register(base.model_copy(update={"id": "aaa-fast"}))

    said: list[str] = []
    plain = make_plugin_manager(load_entrypoints=False, env={}, extra=[Fast()])
    plain.on_notice = said.append
    assert plain.protocol_for(Condition.LOW_RISK_BSI).id == "low-risk-bsi"
    assert plain.protocol_for(Condition.LOW_RISK_BSI).id == "low-risk-bsi"
    assert len(said) == 1 and "stays the default" in said[0], "said once"
    assert plain.protocol_for(Condition.LOW_RISK_BSI, "aaa-fast").id == "aaa-fast"
    allowed = make_plugin_manager(
        load_entrypoints=False, env={"WALKRUN_ALLOW_OVERRIDE": "low-risk-bsi"}, extra=[Fast()]
    )
    assert allowed.protocol_for(Condition.LOW_RISK_BSI).id == "aaa-fast"
    assert allowed.protocol_for(Condition.FEMORAL_NECK_BSI).id == "femoral-neck-bsi"


class _BrokenSniff(walkrun.Reader):
    name = "aaa-broken"

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        raise IndexError("head too short")

    def read(self, data: bytes, source: str) -> list[walkrun.Activity]:
        return []


def test_a_raising_sniff_does_not_stop_other_readers_but_is_reported_when_nobody_claims() -> None:
    readers = {**make_plugin_manager(load_entrypoints=False, env={}).readers, "aaa-broken": _BrokenSniff}
    assert pick_reader(readers, GPX, "walk.gpx").name == "gpx"
    with pytest.raises(SniffError, match=r"^odd\.bin: reader 'aaa-broken' \(.*\) failed in sniff: IndexError"):
        pick_reader(readers, b"\x00\x01 nothing known", "odd.bin")
    with pytest.raises(ReadError, match="not a FIT, GPX or TCX file"):
        pick_reader({k: v for k, v in readers.items() if k != "aaa-broken"}, b"\x00\x01", "odd.bin")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("out/plan.md", "returned str"),
        ([Path("a"), "b"], "returned a list holding str"),
        (None, "returned NoneType"),
    ],
)
def test_a_writer_returning_the_wrong_type_is_one_line(value: object, problem: str) -> None:
    with pytest.raises(PluginError, match=f"^writer 'md' {problem}; write\\(\\) must return a list of Path"):
        checked_result(value, "md")
    assert checked_result([Path("a")], "md").paths == [Path("a")]
    assert checked_result(WriteResult(paths=[], state={"k": "v"}), "md").state == {"k": "v"}


def test_plugin_listing_shows_hooks_and_what_was_refused() -> None:
    class Both:
        @walkrun.hookimpl(tryfirst=True)
        def register_writers(self, register: Any) -> None:
            register(_writer("both"))

        @walkrun.hookimpl
        def register_commands(self, cli: Any) -> None:
            @cli.command()
            def status() -> None:
                raise AssertionError("must not replace the built-in")

    import click

    registry = make_plugin_manager(load_entrypoints=False, env={}, extra=[Both()])
    group = click.Group("walkrun", commands={"status": click.Command("status")})
    registry.add_commands(group)
    listed = next(p.as_dict() for p in registry.plugins.values() if p.origin == "extra")
    assert listed["hooks"] == ["register_commands", "register_writers"]
    assert listed["hook_options"] == {"register_writers": ["tryfirst"]}
    assert listed["registered"] == {"writers": ["both"]} and listed["commands"] == []
    assert listed["refused"] == [
        "command 'status' is built in; not replaced (set WALKRUN_ALLOW_OVERRIDE=status to allow it)"
    ]
    assert group.commands["status"].callback is None
