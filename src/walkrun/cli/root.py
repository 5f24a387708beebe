"""The ``walkrun`` command line: the root group, its global options and the entry point.

It imports no command module. Every command, built-in or a plugin's, is added
through the ``register_commands`` hook (:mod:`walkrun.builtin.commands`
lists the built-ins); built-ins come as placeholders, so ``walkrun --help``
imports no command and ``walkrun --version`` not even the plugin manager.
Third-party plugins are loaded only when the command asked for is not a
built-in one (or a built-in the user lets a plugin replace).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from walkrun import __version__
from walkrun.cli.core import (
    DATE,
    PAIN,
    Ctx,
    add_plugin_commands,
    die,
    emit_json,
    err,
    fail,
    out,
    plain_error,
    plain_words,
    plugins_dir_arg,
)
from walkrun.cli.glossary import help_epilog
from walkrun.cli.group import LazyGroup, command_word
from walkrun.domain.errors import WalkrunError
from walkrun.domain.paths import HOME_ENV, PLUGINS_DIR_ENV

__all__ = ["DATE", "PAIN", "Ctx", "cli", "emit_json", "err", "fail", "main", "out"]

TYPED_GLOBALS = (("home", "--home"), ("athlete", "--athlete"), ("today", "--today"), ("plugins_dir", "--plugins-dir"))


def _athlete_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of --athlete from the store (never creates one)."""
    from click.shell_completion import CompletionItem

    home = ctx.params.get("home") or None
    c = Ctx(Path(home) if home else _default_home(), None, None, None)
    if not c.has_store:
        return []
    return [CompletionItem(a) for a in c.store.athlete_ids() if a.startswith(incomplete)]


def _default_home() -> Path:
    from walkrun.domain.paths import default_home

    return default_home()


def _builtin_commands(group: click.Group) -> None:
    """The built-in commands, added through ``register_commands`` by the built-in plugins alone."""
    from walkrun.plugins.manager import builtin_registry

    builtin_registry().add_commands(group)


def _global_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command shares (they may also follow the command name)."""
    options = [
        click.version_option(__version__, prog_name="walkrun"),
        click.option(
            "--home",
            type=click.Path(file_okay=False, path_type=Path),
            envvar=HOME_ENV,
            help=f"Data folder (default: your user data dir, see below; or ${HOME_ENV}).",
        ),
        click.option(
            "--athlete",
            "athlete",
            metavar="ID",
            shell_complete=_athlete_ids,
            help="Athlete to act on (optional when the store has one).",
        ),
        click.option("--today", "today", type=DATE, help="Evaluate as of this date, for reproducible runs."),
        click.option(
            "--plugins-dir",
            type=click.Path(file_okay=False, exists=True, path_type=Path),
            envvar=PLUGINS_DIR_ENV,
            help="Also load one-file plugins (*.py) from this folder.",
        ),
        click.option(
            "--database-url",
            envvar="WALKRUN_DATABASE_URL",
            metavar="URL",
            help="A shared PostgreSQL store (postgresql://user:pass@host/db) instead of the data folder's SQLite file.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.group(
    cls=LazyGroup,
    load_commands=_builtin_commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=help_epilog(),
    invoke_without_command=True,  # `walkrun --home DIR` alone shows the help, as bare `walkrun` does
    no_args_is_help=True,
)
@_global_options
@click.pass_context
def cli(
    ctx: click.Context,
    home: Path | None,
    athlete: str | None,
    today: dt.date | None,
    plugins_dir: Path | None,
    database_url: str | None = None,
) -> None:
    """walkrun: a safe return-to-run plan after a hip injury.

    Global options (--home, --athlete, --today, --plugins-dir) may also follow the command.

    \b
    Typical session:
      walkrun init --athlete ann --condition femoral-neck-bsi --injury-date 2026-01-05
      walkrun --athlete ann log --walk-min 45 --pain-during 0 --pain-after 0
      walkrun --athlete ann clinical --test single-leg-squat --result pass
      walkrun --athlete ann status
      walkrun --athlete ann plan --weeks 4
      walkrun --athlete ann explain
    """
    from click.core import ParameterSource

    typed = {
        flag: str(ctx.params[name])
        for name, flag in TYPED_GLOBALS
        if ctx.params.get(name) is not None and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
    }
    ctx.obj = Ctx(home or _default_home(), athlete, today, plugins_dir, home_given="--home" in typed, typed=typed)
    if database_url:
        # Every store this command (and its children: the server, import workers) opens is that one.
        ctx.obj.database_url = database_url
        previous = os.environ.get("WALKRUN_DATABASE_URL")
        os.environ["WALKRUN_DATABASE_URL"] = database_url
        ctx.call_on_close(lambda: _restore_env("WALKRUN_DATABASE_URL", previous))
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _prepare_cli(argv: list[str]) -> None:
    """Plugins can add commands: load them only when the command is not one of ours.

    Group help does not load them either (that alone costs more than all of start-up);
    its epilog points to `walkrun plugins`, which does.
    """
    word = command_word(argv)
    if word is None and "_WALKRUN_COMPLETE" not in os.environ:
        return
    # A built-in the user lets a plugin replace (WALKRUN_ALLOW_OVERRIDE) needs the plugins loaded first.
    overridable = word is not None and word in os.environ.get("WALKRUN_ALLOW_OVERRIDE", "").replace(" ", "").split(",")
    cli.ensure_commands()
    if word is not None and word in cli.commands and not overridable:
        return
    add_plugin_commands(cli, plugins_dir_arg(argv))


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _prepare_cli(args)
        cli.main(args=args, prog_name="walkrun", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("Aborted.")
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        die(exc.format_message(), exc.exit_code)
    except WalkrunError as exc:
        die(plain_words(str(exc)))
    except Exception as exc:
        pydantic = sys.modules.get("pydantic")
        if pydantic is not None and isinstance(exc, pydantic.ValidationError):
            die(plain_error(exc))
        raise
