"""Plugin manager factory and typed accessors. No other module touches ``pm.hook``.

Built-in formats and protocols are ordinary plugins registered exactly like a
third party's. Each plugin's registration hook is called on its own, so one
broken plugin is reported by name and the rest keep working.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from walkrun import hookspecs
from walkrun.errors import PluginError, ProtocolError, UsageError
from walkrun.paths import PLUGINS_DIR_ENV

if TYPE_CHECKING:
    import click

    from walkrun.models import Condition
    from walkrun.protocol import Protocol
    from walkrun.readers import Reader
    from walkrun.writers import Writer

ENTRY_POINT_GROUP = "walkrun"
ALLOW_ENV = "WALKRUN_LOAD_PLUGINS"
__all__ = ["PLUGINS_DIR_ENV", "Registry", "get_registry", "make_plugin_manager"]
BUILTIN_PLUGINS: tuple[str, ...] = (
    "walkrun.default_plugins.protocols",
    "walkrun.default_plugins.fit_reader",
    "walkrun.default_plugins.gpx_reader",
    "walkrun.default_plugins.tcx_reader",
    "walkrun.default_plugins.ics_writer",
    "walkrun.default_plugins.fit_workout_writer",
    "walkrun.default_plugins.json_writer",
    "walkrun.default_plugins.html_writer",
    "walkrun.default_plugins.summary_html",
    "walkrun.default_plugins.platforms",
)
# What each built-in registers: a lazy registry imports only the modules a command needs
# (``status`` needs protocols, not fitparse or icalendar).
KIND_HOOKS = {"readers": "register_readers", "writers": "register_writers", "protocols": "register_protocols"}
BUILTIN_KINDS: dict[str, str] = {
    modname: "protocols" if modname.endswith("protocols") else "readers" if modname.endswith("_reader") else "writers"
    for modname in BUILTIN_PLUGINS
}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass
class PluginInfo:
    name: str
    origin: str  # builtin | entry-point | plugins-dir
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    commands: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "origin": self.origin,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": sorted(self.hooks),
            "registered": {k: sorted(v) for k, v in sorted(self.registered.items())},
            "error": self.error,
            "commands": sorted(self.commands),
        }


@dataclass
class Registry:
    """What all loaded plugins registered, validated."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo]
    on_failure: Callable[[PluginInfo], None] | None = None
    _tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def readers(self) -> dict[str, type[Reader]]:
        return self._table("readers")

    @property
    def writers(self) -> dict[str, type[Writer]]:
        return self._table("writers")

    @property
    def protocols(self) -> dict[str, Protocol]:
        return self._table("protocols")

    def load_all(self) -> Registry:
        """Collect every kind now (``walkrun plugins`` shows all of it)."""
        for kind in KIND_HOOKS:
            self._table(kind)
        return self

    def _table(self, kind: str) -> dict[str, Any]:
        table = self._tables.get(kind)
        if table is None:
            failed = {name for name, info in self.plugins.items() if info.error}
            table = self._tables[kind] = {}
            for modname, module_kind in BUILTIN_KINDS.items():
                if module_kind == kind:
                    _register_builtin(self.pm, self.plugins, modname)
            _collect_kind(self, kind, table)
            for name, info in self.plugins.items():
                if info.error and name not in failed and self.on_failure is not None:
                    self.on_failure(info)
        return table

    @property
    def failures(self) -> list[PluginInfo]:
        return [p for p in self.plugins.values() if p.error]

    def reader(self, name: str) -> type[Reader]:
        return _lookup("reader", self.readers, name)  # type: ignore[no-any-return]

    def writer(self, name: str) -> type[Writer]:
        return _lookup("writer", self.writers, name)  # type: ignore[no-any-return]

    def protocol(self, protocol_id: str) -> Protocol:
        return _lookup("protocol", self.protocols, protocol_id)  # type: ignore[no-any-return]

    def protocol_for(self, condition: Condition, protocol_id: str | None = None) -> Protocol:
        """The profile's chosen protocol, else the one marked default for its condition."""
        if protocol_id:
            proto = self.protocol(protocol_id)
            if condition not in proto.conditions:
                raise UsageError(f"protocol {protocol_id!r} does not cover condition {condition.value!r}")
            return proto
        defaults = sorted(p.id for p in self.protocols.values() if condition in p.default_for)
        if not defaults:
            raise ProtocolError(f"no protocol is the default for {condition.value!r}; choose one with --protocol")
        return self.protocols[defaults[0]]

    def add_commands(self, cli: click.Group) -> None:
        for info, impl in _impls(self.pm, "register_commands", self.plugins):
            before = set(cli.commands)
            _guarded(info, functools.partial(impl.function, cli=cli))
            added = sorted(set(cli.commands) - before)
            if added:
                info.commands = added


def _lookup(kind: str, table: Mapping[str, Any], name: str) -> Any:
    try:
        return table[name]
    except KeyError:
        known = ", ".join(sorted(table)) or "none"
        raise UsageError(f"unknown {kind} {name!r}; available: {known}") from None


def make_plugin_manager(
    *,
    load_entrypoints: bool = True,
    plugins_dir: Path | None = None,
    extra: Iterable[object] = (),
    env: Mapping[str, str] | None = None,
    lazy: bool = False,
) -> Registry:
    """Build a plugin manager with the built-ins, allowed entry points, a plugins dir and ``extra``.

    ``WALKRUN_LOAD_PLUGINS`` (comma-separated distribution or entry-point
    names) limits which third-party plugins load; set it empty to load none.
    With ``lazy``, built-ins are imported and each kind (readers, writers,
    protocols) collected only when first asked for.
    """
    env = os.environ if env is None else env
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    plugins: dict[str, PluginInfo] = {}
    for modname in BUILTIN_PLUGINS:
        # Listed first, registered now or on first use: built-ins own their names either way.
        plugins[modname] = PluginInfo(modname, "builtin", "walkrun")
        if not lazy:
            _register_builtin(pm, plugins, modname)
    allow = _allow_list(env)
    if load_entrypoints:
        _load_entry_points(pm, plugins, allow)
    directory = plugins_dir or (Path(env[PLUGINS_DIR_ENV]) if env.get(PLUGINS_DIR_ENV) else None)
    if directory is not None:
        _load_directory(pm, plugins, directory)
    for i, obj in enumerate(extra):
        if pm.is_registered(obj):
            continue  # e.g. a test passing a module that is already built in
        name = getattr(obj, "__name__", None) or f"extra-{i}"
        pm.register(obj, name=name)
        plugins[name] = PluginInfo(name, "extra")
    for name, info in plugins.items():
        plugin = pm.get_plugin(name)
        if plugin is not None:
            info.hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
    registry = Registry(pm=pm, plugins=plugins)
    return registry if lazy else registry.load_all()


def _register_builtin(pm: pluggy.PluginManager, plugins: dict[str, PluginInfo], modname: str) -> None:
    module = importlib.import_module(modname)
    if not pm.is_registered(module):
        pm.register(module, name=modname)
    info = plugins[modname]
    info.version = info.version or _version("walkrun")
    info.hooks = sorted(h.name for h in pm.get_hookcallers(module) or [])


@functools.cache
def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _allow_list(env: Mapping[str, str]) -> set[str] | None:
    raw = env.get(ALLOW_ENV)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _load_entry_points(pm: pluggy.PluginManager, plugins: dict[str, PluginInfo], allow: set[str] | None) -> None:
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else None
        if allow is not None and ep.name not in allow and (dist is None or dist not in allow):
            continue
        info = PluginInfo(ep.name, "entry-point", dist, ep.dist.version if ep.dist else None)
        plugins[ep.name] = info
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # a broken third-party plugin must not take the CLI down
            info.error = f"failed to load: {_short(exc)}"


def _load_directory(pm: pluggy.PluginManager, plugins: dict[str, PluginInfo], directory: Path) -> None:
    if not directory.is_dir():
        raise UsageError(f"--plugins-dir {directory}: not a directory")
    for path in sorted(directory.glob("*.py")):
        name = f"walkrun_dir_plugin_{path.stem}"
        info = PluginInfo(path.name, "plugins-dir", None, None)
        plugins[name] = info
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError("cannot import this file")
            module: ModuleType = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            pm.register(module, name=name)
        except Exception as exc:
            sys.modules.pop(name, None)
            info.error = f"failed to load {path}: {_short(exc)}"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" ({Path(last.filename).name}:{last.lineno})"
    return text


def _impls(
    pm: pluggy.PluginManager, hook: str, plugins: dict[str, PluginInfo]
) -> list[tuple[PluginInfo, pluggy.HookImpl]]:
    caller = getattr(pm.hook, hook)
    out = []
    # Built-ins first so they own their names; then third parties in load order.
    order = {name: i for i, name in enumerate(plugins)}
    for impl in sorted(caller.get_hookimpls(), key=lambda i: order.get(i.plugin_name, len(order))):
        info = plugins.get(impl.plugin_name)
        if info is None:
            info = plugins[impl.plugin_name] = PluginInfo(impl.plugin_name, "extra")
        if info.error is None:
            out.append((info, impl))
    return out


def _guarded(info: PluginInfo, call: Callable[[], object]) -> None:
    if info.origin == "builtin":
        call()  # a failing built-in is our bug: let it surface
        return
    try:
        call()
    except Exception as exc:
        info.error = f"{info.distribution or info.name}: {_short(exc)}"


def _collect_kind(registry: Registry, kind: str, table: dict[str, Any]) -> None:
    from walkrun.protocol import Protocol
    from walkrun.readers import Reader
    from walkrun.writers import Writer

    pm, plugins = registry.pm, registry.plugins

    def registrar(
        info: PluginInfo, kind: str, table: dict[str, Any], check: Callable[[Any], Any]
    ) -> Callable[[Any], None]:
        def register(item: Any) -> None:
            value = check(item)
            name = value.id if isinstance(value, Protocol) else value.name
            if name in table:
                owner = next(
                    (p.name for p in plugins.values() if name in p.registered.get(kind, []) and p is not info),
                    "another plugin",
                )
                raise PluginError(f"{kind} name {name!r} is already registered by {owner}")
            table[name] = value
            info.registered.setdefault(kind, []).append(name)

        return register

    checks: dict[str, Callable[[Any], Any]] = {
        "readers": lambda c: _check_class(c, Reader, ("sniff", "read")),
        "writers": lambda c: _check_class(c, Writer, ("write",)),
        "protocols": _check_protocol,
    }
    for info, impl in _impls(pm, KIND_HOOKS[kind], plugins):
        _guarded(info, functools.partial(impl.function, register=registrar(info, kind, table, checks[kind])))


def _check_class(cls: Any, base: type, methods: tuple[str, ...]) -> Any:
    if not isinstance(cls, type) or not issubclass(cls, base):
        raise PluginError(f"{cls!r} is not a subclass of walkrun.{base.__name__}")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise PluginError(f"{cls.__name__} needs a 'name' of lowercase letters, digits, '-' or '_' (got {name!r})")
    missing = [
        m for m in methods if getattr(cls, m, None) is None or getattr(getattr(cls, m), "__isabstractmethod__", False)
    ]
    if missing:
        raise PluginError(f"{cls.__name__} does not implement {', '.join(missing)}")
    return cls


def _check_protocol(item: Any) -> Protocol:
    from walkrun.protocol import Protocol, load_protocol_file

    if isinstance(item, Protocol):
        return item
    if isinstance(item, (str, Path)):
        return load_protocol_file(Path(item))
    raise PluginError(f"register_protocols expects a Protocol or a TOML path, got {type(item).__name__}")


_cache: dict[Path | None, Registry] = {}


def get_registry(plugins_dir: Path | None = None, *, refresh: bool = False) -> Registry:
    """The process-wide registry the CLI uses, built once per plugins dir."""
    key = plugins_dir.resolve() if plugins_dir is not None else None
    if refresh or key not in _cache:
        _cache[key] = make_plugin_manager(plugins_dir=plugins_dir, lazy=True)
    return _cache[key]
