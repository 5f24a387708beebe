"""Plugin manager factory and typed accessors. No other module touches ``pm.hook``.

Built-in formats and protocols are ordinary plugins registered exactly like a
third party's. Every hook is called through ``pm.hook`` (so ``tryfirst`` and
hook wrappers work); each plugin's implementations are guarded
(:mod:`walkrun.plugins.host`), so one broken plugin is reported by name, in one
line, and the rest keep working. A plugin may not take a name that is already
taken: a built-in command, a built-in condition's default protocol, another
plugin's reader, writer, protocol or command, unless the user allows it with
``WALKRUN_ALLOW_OVERRIDE``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from walkrun.domain.errors import PluginError, ProtocolError, UsageError, WalkrunError
from walkrun.domain.paths import PLUGINS_DIR_ENV
from walkrun.plugins import hookspecs
from walkrun.plugins.host import (
    ALLOW_OVERRIDE_ENV,
    CommandCollector,
    PluginInfo,
    allowed_overrides,
    describe_hooks,
    guard_command,
    guarded_copy,
    plugin_errors,
    reject_unknown_hooks,
    running_plugin,
    short,
)

if TYPE_CHECKING:
    import click

    from walkrun.domain.models import Condition
    from walkrun.domain.protocol import Protocol
    from walkrun.plugins.readers import Reader
    from walkrun.plugins.writers import Writer

ENTRY_POINT_GROUP = "walkrun"
ALLOW_ENV = "WALKRUN_LOAD_PLUGINS"
__all__ = [
    "ALLOW_OVERRIDE_ENV",
    "PLUGINS_DIR_ENV",
    "PluginInfo",
    "Registry",
    "get_registry",
    "make_plugin_manager",
]
# What each built-in registers: a lazy registry imports only the modules a command needs
# (``status`` needs protocols, not fitparse or icalendar; ``--help`` needs the commands only).
Kind = Literal["readers", "writers", "protocols"]
KIND_HOOKS: dict[Kind, str] = {
    "readers": "register_readers",
    "writers": "register_writers",
    "protocols": "register_protocols",
}
BUILTIN_KINDS: dict[str, Kind | Literal["commands"]] = {
    "walkrun.builtin.protocols": "protocols",
    "walkrun.builtin.readers.fit": "readers",
    "walkrun.builtin.readers.gpx": "readers",
    "walkrun.builtin.readers.tcx": "readers",
    "walkrun.builtin.writers.ics": "writers",
    "walkrun.builtin.writers.fit_workouts": "writers",
    "walkrun.builtin.writers.json_doc": "writers",
    "walkrun.builtin.writers.html_page": "writers",
    "walkrun.builtin.writers.summary_html": "writers",
    "walkrun.builtin.writers.platforms": "writers",
    "walkrun.builtin.commands": "commands",
}
BUILTIN_PLUGINS: tuple[str, ...] = tuple(BUILTIN_KINDS)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass
class Registry:
    """What all loaded plugins registered, validated, and who registered each name."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo]
    on_failure: Callable[[PluginInfo], None] | None = None
    on_notice: Callable[[str], None] | None = None
    allow_override: frozenset[str] = frozenset()
    notices: list[str] = field(default_factory=list)
    _tables: dict[Kind, dict[str, Any]] = field(default_factory=dict)
    _owners: dict[tuple[Kind, str], PluginInfo] = field(default_factory=dict)

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

    def _table(self, kind: Kind) -> dict[str, Any]:
        table = self._tables.get(kind)
        if table is None:
            table = self._tables[kind] = {}
            for modname, module_kind in BUILTIN_KINDS.items():
                if module_kind == kind:
                    self._register_builtin(modname)
            self._collect(kind, table)
        return table

    @property
    def failures(self) -> list[PluginInfo]:
        return [p for p in self.plugins.values() if p.error]

    def owner(self, kind: Kind, name: str) -> PluginInfo | None:
        """The plugin that registered ``name`` (``kind`` is readers, writers or protocols)."""
        self._table(kind)
        return self._owners.get((kind, name))

    def reader(self, name: str) -> type[Reader]:
        return _lookup("reader", self.readers, name)  # type: ignore[no-any-return]

    def writer(self, name: str) -> type[Writer]:
        return _lookup("writer", self.writers, name)  # type: ignore[no-any-return]

    def protocol(self, protocol_id: str) -> Protocol:
        return _lookup("protocol", self.protocols, protocol_id)  # type: ignore[no-any-return]

    def calling(self, kind: Kind, name: str) -> AbstractContextManager[None]:
        """Around a call into a registered reader/writer: a third party's crash becomes one line naming it."""
        return plugin_errors(self.owner(kind, name), f"{kind[:-1]} {name!r}")

    def protocol_for(self, condition: Condition, protocol_id: str | None = None) -> Protocol:
        """The profile's chosen protocol, else the one marked default for its condition.

        A built-in default is never displaced silently by a plugin's: the
        plugin's wins only when the user allowed it for this condition.
        """
        if protocol_id:
            proto = self.protocol(protocol_id)
            if condition not in proto.conditions:
                raise UsageError(f"protocol {protocol_id!r} does not cover condition {condition.value!r}")
            return proto
        defaults = sorted(p.id for p in self.protocols.values() if condition in p.default_for)
        if not defaults:
            raise ProtocolError(f"no protocol is the default for {condition.value!r}; choose one with --protocol")
        builtin = [i for i in defaults if (o := self._owners.get(("protocols", i))) is None or o.builtin]
        added = [i for i in defaults if i not in builtin]
        if not builtin or not added:
            return self.protocols[defaults[0]]
        theirs, ours, cond = added[0], builtin[0], condition.value
        who = self._owners[("protocols", theirs)].who
        if cond in self.allow_override:
            self.notice(
                f"plugin {who}: protocol {theirs!r} is the default for {cond!r} instead of the built-in "
                f"{ours!r} ({ALLOW_OVERRIDE_ENV}={cond})"
            )
            return self.protocols[theirs]
        self.notice(
            f"plugin {who}: protocol {theirs!r} asks to be the default for {cond!r}; the built-in {ours!r} "
            f"stays the default (choose it with --protocol {theirs}, or set {ALLOW_OVERRIDE_ENV}={cond})"
        )
        return self.protocols[ours]

    def add_commands(self, cli: click.Group) -> None:
        """Every plugin's commands, built-ins first; none may replace a built-in or another's (unless allowed).

        A name the group already has counts as built in: the CLI adds the
        built-ins first (from a registry of built-ins only), then, when a command
        is not one of them, the third parties' through this same hook.
        """
        for modname, kind in BUILTIN_KINDS.items():
            if kind == "commands":
                self._register_builtin(modname)
        collector = CommandCollector(cli.name)
        self._call("register_commands", cli=collector)
        added = sorted(collector.added, key=lambda a: self._load_order(a[0]))
        for info, name, cmd in added:
            if info is not None and info.builtin:
                if name not in cli.commands:
                    cli.add_command(cmd, name)
                info.commands.append(name)
        builtin = set(cli.commands)
        owners: dict[str, PluginInfo] = {}
        for info, name, cmd in added:
            if info is None or info.error or info.builtin:
                continue
            if name in owners:
                self._refuse(info, f"command {name!r} is already added by plugin {owners[name].who}; not added")
                continue
            if name in builtin:
                if name not in self.allow_override:
                    hint = f"set {ALLOW_OVERRIDE_ENV}={name} to allow it"
                    self._refuse(info, f"command {name!r} is built in; not replaced ({hint})")
                    continue
                self.notice(f"plugin {info.who} replaces the built-in command {name!r} ({ALLOW_OVERRIDE_ENV}={name})")
            cli.add_command(guard_command(cmd, info), name)
            owners[name] = info
            info.commands.append(name)

    def notice(self, text: str) -> None:
        """Say something about a plugin once per process (the CLI prints it on stderr)."""
        if text in self.notices:
            return
        self.notices.append(text)
        if self.on_notice is not None:
            self.on_notice(text)

    def _load_order(self, info: PluginInfo | None) -> int:
        # Who keeps a contested name does not depend on hook call order (LIFO, tryfirst):
        # built-ins (listed first), then entry points by name, then the plugins dir by file name.
        order = list(self.plugins.values())
        return order.index(info) if info in order else len(order)

    def _refuse(self, info: PluginInfo, text: str) -> None:
        info.refused.append(text)
        self.notice(f"plugin {info.who}: {text}")

    def fail(self, info: PluginInfo, reason: str) -> None:
        """Mark a plugin failed: it takes no further part, and what it registered is withdrawn."""
        if info.error:
            return
        info.error = reason
        for key, owner in list(self._owners.items()):
            if owner is info:
                del self._owners[key]
                self._tables[key[0]].pop(key[1], None)
        info.registered.clear()
        if self.on_failure is not None:
            self.on_failure(info)

    def _call(self, hook: str, **kwargs: Any) -> None:
        caller = getattr(self.pm.hook, hook)
        try:
            caller(**kwargs)
        except Exception as exc:
            # Plain implementations are guarded; only a hook wrapper's exception gets here.
            wrappers = [
                self.plugins[i.plugin_name]
                for i in caller.get_hookimpls()
                if (i.hookwrapper or i.wrapper) and i.plugin_name in self.plugins
            ]
            blamed = [info for info in wrappers if not info.builtin]
            if not blamed:
                raise
            for info in blamed:
                self.fail(info, f"{hook} wrapper raised {short(exc)}")

    def _collect(self, kind: Kind, table: dict[str, Any]) -> None:
        pending: list[tuple[PluginInfo, Any]] = []

        def register(item: Any) -> None:
            info = running_plugin()
            if info is None:
                raise PluginError(f"{KIND_HOOKS[kind]}: register() called outside a hook implementation")
            pending.append((info, item))

        self._call(KIND_HOOKS[kind], register=register)
        for info, item in sorted(pending, key=lambda p: self._load_order(p[0])):
            if info.error:
                continue
            try:
                value = CHECKS[kind](item)
                name = value.id if kind == "protocols" else value.name
                if (owner := self._owners.get((kind, name))) is not None:
                    by = owner.name if owner.builtin else f"plugin {owner.who}"
                    raise PluginError(f"{kind} name {name!r} is already registered by {by}")
            except Exception as exc:
                if info.builtin:
                    raise
                self.fail(info, str(exc) if isinstance(exc, WalkrunError) else short(exc))
                continue
            table[name] = value
            self._owners[(kind, name)] = info
            info.registered.setdefault(kind, []).append(name)

    def _add(self, obj: object, name: str, info: PluginInfo) -> None:
        """Register a guarded copy of ``obj``; a plugin pluggy refuses (bad hook arguments) is reported."""
        self.plugins[name] = info
        try:
            self.pm.register(guarded_copy(self.pm, obj, info, self.fail), name=name)
        except Exception as exc:  # a broken third-party plugin must not take the CLI down
            if info.builtin:
                raise
            self.fail(info, f"failed to load: {short(exc)}")
            return
        describe_hooks(self.pm, self.pm.get_plugin(name), info)

    def _register_builtin(self, modname: str) -> None:
        if self.pm.has_plugin(modname):
            return
        info = self.plugins[modname]
        info.version = info.version or _version("walkrun")
        self._add(importlib.import_module(modname), modname, info)


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
    ``WALKRUN_ALLOW_OVERRIDE`` (comma-separated command names and conditions)
    lets a plugin replace a built-in command or a condition's default protocol.
    With ``lazy``, built-ins are imported and each kind (readers, writers,
    protocols) collected only when first asked for.
    """
    env = os.environ if env is None else env
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = Registry(pm=pm, plugins={}, allow_override=allowed_overrides(env))
    for modname in BUILTIN_PLUGINS:
        # Listed first, registered now or on first use: built-ins own their names either way.
        registry.plugins[modname] = PluginInfo(modname, "builtin", "walkrun")
        if not lazy:
            registry._register_builtin(modname)
    if load_entrypoints:
        _load_entry_points(registry, _allow_list(env))
    directory = plugins_dir or (Path(env[PLUGINS_DIR_ENV]) if env.get(PLUGINS_DIR_ENV) else None)
    if directory is not None:
        _load_directory(registry, directory)
    for i, obj in enumerate(extra):
        name = getattr(obj, "__name__", None) or f"extra-{i}"
        if name in registry.plugins and registry.plugins[name].builtin:
            continue  # e.g. a test passing a module that is already built in
        registry._add(obj, name, PluginInfo(name, "extra"))
    reject_unknown_hooks(pm, registry.plugins, registry.fail)
    return registry if lazy else registry.load_all()


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


def _load_entry_points(registry: Registry, allow: set[str] | None) -> None:
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else None
        if allow is not None and ep.name not in allow and (dist is None or dist not in allow):
            continue
        info = PluginInfo(ep.name, "entry-point", dist, ep.dist.version if ep.dist else None)
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party plugin must not take the CLI down
            registry.plugins[ep.name] = info
            registry.fail(info, f"failed to load: {short(exc)}")
            continue
        registry._add(plugin, ep.name, info)


def _load_directory(registry: Registry, directory: Path) -> None:
    if not directory.is_dir():
        raise UsageError(f"--plugins-dir {directory}: not a directory")
    for path in sorted(directory.glob("*.py")):
        name = f"walkrun_dir_plugin_{path.stem}"
        info = PluginInfo(path.name, "plugins-dir", None, None)
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError("cannot import this file")
            module: ModuleType = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(name, None)
            registry.plugins[name] = info
            registry.fail(info, f"failed to load {path}: {short(exc)}")
            continue
        registry._add(module, name, info)


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


def _check_reader(item: Any) -> Any:
    from walkrun.plugins.readers import Reader

    return _check_class(item, Reader, ("sniff", "read"))


def _check_writer(item: Any) -> Any:
    from walkrun.plugins.writers import Writer

    return _check_class(item, Writer, ("write",))


def _check_protocol(item: Any) -> Protocol:
    from walkrun.domain.protocol import Protocol, load_protocol_file

    if isinstance(item, Protocol):
        return item
    if isinstance(item, (str, Path)):
        return load_protocol_file(Path(item))
    raise PluginError(f"register_protocols expects a Protocol or a TOML path, got {type(item).__name__}")


CHECKS: dict[Kind, Callable[[Any], Any]] = {
    "readers": _check_reader,
    "writers": _check_writer,
    "protocols": _check_protocol,
}
_cache: dict[Path | None, Registry] = {}
_builtins: list[Registry] = []


def get_registry(plugins_dir: Path | None = None, *, refresh: bool = False) -> Registry:
    """The process-wide registry the CLI uses, built once per plugins dir."""
    key = plugins_dir.resolve() if plugins_dir is not None else None
    if refresh or key not in _cache:
        _cache[key] = make_plugin_manager(plugins_dir=plugins_dir, lazy=True)
    return _cache[key]


def builtin_registry() -> Registry:
    """The built-ins alone: what ``walkrun --help`` and a built-in command need to find the commands.

    Reading entry points (and importing third-party plugins) is left to
    :func:`get_registry`, asked for only when a command is not a built-in one.
    """
    if not _builtins:
        _builtins.append(make_plugin_manager(load_entrypoints=False, env={}, lazy=True))
    return _builtins[0]
