"""How the plugin manager keeps one plugin's mistake from harming the rest.

A plugin is registered with pluggy as a *guarded copy*: every hook
implementation is wrapped so that, when ``pm.hook.<name>(...)`` calls it, an
exception or a wrong return value marks that plugin failed (with a one-line
reason) instead of unwinding the whole hook call. The wrapper also records
which plugin is running, so the ``register`` callbacks and the command group
the core hands out know whom a registration came from. Calls still go through
``pm.hook``, so ``tryfirst``, ``trylast`` and hook wrappers keep their meaning.
"""

from __future__ import annotations

import contextvars
import functools
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import click
import pluggy

from walkrun.domain.errors import PluginError, WalkrunError

ALLOW_OVERRIDE_ENV = "WALKRUN_ALLOW_OVERRIDE"


# Where a plugin came from: shipped with walkrun, an installed distribution, a --plugins-dir file, or code.
Origin = Literal["builtin", "entry-point", "plugins-dir", "extra"]


@dataclass
class PluginInfo:
    name: str
    origin: Origin
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    hook_options: dict[str, list[str]] = field(default_factory=dict)  # e.g. register_writers: [tryfirst]
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    commands: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def who(self) -> str:
        """What a user recognises and can uninstall or disable: the distribution, else the plugin's name."""
        return self.distribution or self.name

    @property
    def builtin(self) -> bool:
        return self.origin == "builtin"

    def line(self) -> str:
        """The one line the CLI prints for a failed plugin."""
        return f"plugin {self.who}: {self.error}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": sorted(self.hooks),
            "hook_options": {k: v for k, v in sorted(self.hook_options.items()) if v},
            "registered": {k: sorted(v) for k, v in sorted(self.registered.items())},
            "error": self.error,
            "commands": sorted(self.commands),
            "refused": list(self.refused),
        }


# The plugin whose hook implementation is running right now (None outside hook calls).
_running: contextvars.ContextVar[PluginInfo | None] = contextvars.ContextVar("walkrun_plugin", default=None)


def running_plugin() -> PluginInfo | None:
    return _running.get()


def short(exc: BaseException) -> str:
    """``Type: message (file:line)``: enough to find the bug, never a traceback."""
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" ({Path(last.filename).name}:{last.lineno})"
    return text


def guarded_copy(
    pm: pluggy.PluginManager, plugin: object, info: PluginInfo, on_fail: Callable[[PluginInfo, str], None]
) -> object:
    """``plugin`` with each hook implementation wrapped by :func:`_guard`; hook wrappers are kept as they are."""
    attrs: dict[str, Any] = {"__name__": info.name, "__doc__": getattr(plugin, "__doc__", None)}
    for name in dir(plugin):
        opts = pm.parse_hookimpl_opts(plugin, name)
        if opts is None:
            continue
        function = getattr(plugin, name)
        plain = not (opts.get("hookwrapper") or opts.get("wrapper"))
        attrs[name] = _guard(info, name, function, on_fail) if plain else function
    return SimpleNamespace(**attrs)


def _guard(
    info: PluginInfo, hook: str, function: Callable[..., Any], on_fail: Callable[[PluginInfo, str], None]
) -> Callable[..., Any]:
    # functools.wraps keeps the hookimpl marker and, through __wrapped__, the
    # signature pluggy reads to pass arguments.
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> None:
        if info.error:
            return None  # a failed plugin takes no further part
        token = _running.set(info)
        try:
            result = function(*args, **kwargs)
        except Exception as exc:
            if info.builtin:
                raise  # a failing built-in is our bug: let it surface
            on_fail(info, f"{hook} raised {short(exc)}")
            return None
        finally:
            _running.reset(token)
        if result is not None:
            on_fail(info, f"{hook} returned a {type(result).__name__}; it must call register(...) and return None")
        return None

    return call


def reject_unknown_hooks(
    pm: pluggy.PluginManager, plugins: Mapping[str, PluginInfo], on_fail: Callable[[PluginInfo, str], None]
) -> None:
    """``pm.check_pending()`` until it passes: each plugin with a misspelt hook is reported and unregistered."""
    known = [name for name in dir(pm.hook) if not name.startswith("_") and getattr(pm.hook, name).has_spec()]
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            import difflib  # only when a plugin is wrong: keeps start-up light

            name = pm.get_name(exc.plugin) or ""
            info = plugins.get(name) or PluginInfo(name, "extra")
            unknown = sorted(
                hc.name for hc in pm.get_hookcallers(exc.plugin) or [] if not hc.has_spec() and hc.name not in known
            )
            hint = difflib.get_close_matches(unknown[0], known, n=1) if unknown else []
            pm.unregister(exc.plugin)
            said = f"unknown hook {', '.join(map(repr, unknown))}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            on_fail(info, f"{said}; plugin not loaded")


def allowed_overrides(env: Mapping[str, str]) -> frozenset[str]:
    """Names a plugin may take over: built-in commands and conditions whose default protocol it may set."""
    return frozenset(part.strip() for part in env.get(ALLOW_OVERRIDE_ENV, "").split(",") if part.strip())


class CommandCollector(click.Group):
    """The group ``register_commands`` receives: it records who adds what; the core decides what is kept."""

    def __init__(self, name: str | None) -> None:
        super().__init__(name)
        self.added: list[tuple[PluginInfo | None, str, click.Command]] = []

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self.added.append((running_plugin(), name or cmd.name or "", cmd))


def guard_command(cmd: click.Command, info: PluginInfo) -> click.Command:
    """A plugin's command (and its sub-commands) fail with one line naming the plugin, never a traceback."""
    if cmd.callback is not None and not getattr(cmd.callback, "_walkrun_guarded", False):
        cmd.callback = _guard_callback(cmd.callback, info, cmd.name or "")
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            guard_command(sub, info)
    return cmd


def _guard_callback(callback: Callable[..., Any], info: PluginInfo, name: str) -> Callable[..., Any]:
    @functools.wraps(callback)
    def call(*args: Any, **kwargs: Any) -> Any:
        with plugin_errors(info, f"command {name!r}"):
            return callback(*args, **kwargs)

    call._walkrun_guarded = True  # type: ignore[attr-defined]
    return call


@contextmanager
def plugin_errors(info: PluginInfo | None, what: str) -> Iterator[None]:
    """Turn a third-party plugin's unexpected exception into one :class:`PluginError` line naming it.

    Errors walkrun defines (a clear message already) and click's own exits pass
    through; a built-in's exception is our bug and surfaces unchanged.
    """
    try:
        yield
    except (WalkrunError, click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except Exception as exc:
        if info is None or info.builtin:
            raise
        raise PluginError(f"plugin {info.who}: {what} failed: {short(exc)}") from exc


HOOK_OPTIONS = ("tryfirst", "trylast", "wrapper", "hookwrapper", "optionalhook")


def describe_hooks(pm: pluggy.PluginManager, plugin: object, info: PluginInfo) -> None:
    """Record which hooks ``plugin`` implements and with which pluggy options (``walkrun plugins --json``)."""
    info.hooks, info.hook_options = [], {}
    for caller in pm.get_hookcallers(plugin) or []:
        info.hooks.append(caller.name)
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                info.hook_options[caller.name] = [opt for opt in HOOK_OPTIONS if getattr(impl, opt, False)]
    info.hooks.sort()
