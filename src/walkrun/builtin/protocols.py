"""Registers the protocol TOML files shipped inside the package."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from walkrun.domain.protocol import Protocol, builtin_protocol_dir
from walkrun.plugins.hookspecs import hookimpl


@hookimpl
def register_protocols(register: Callable[[Protocol | Path], None]) -> None:
    for path in sorted(builtin_protocol_dir().glob("*.toml")):
        register(path)
