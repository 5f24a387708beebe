"""What every ``walkrun`` command shares: the context, consoles, option types, hints and error lines.

Kept light on purpose: ``walkrun --version`` and ``--help`` import only this,
click and the glossary. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from walkrun.cli.group import GLOBAL_VALUE_OPTIONS
from walkrun.domain.errors import UsageError
from walkrun.domain.paths import DB_NAME, PLUGINS_DIR_ENV

if TYPE_CHECKING:
    from walkrun.domain.models import AthleteProfile
    from walkrun.plugins.manager import PluginInfo, Registry
    from walkrun.store import Store


def _width() -> int | None:
    """Terminals: their width. Pipes and files: COLUMNS if set, else 80, never a guess."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 80


class FitConsole(Console):
    """Prints tables so that columns wrap between words, never inside one.

    rich shrinks the widest columns when a table is too wide, cutting words
    ("To|day"); here every column is at least its longest word wide and the
    room left goes to the columns with the longest text.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        from rich.table import Table

        for obj in objects:
            if isinstance(obj, Table):
                fit_columns(obj, self.width)
        super().print(*objects, **kwargs)


def fit_columns(table: Any, width: int) -> None:
    from rich.cells import cell_len
    from rich.text import Text

    columns = table.columns
    if not columns:
        return

    def plain(cell: Any) -> str:
        return Text.from_markup(cell).plain if isinstance(cell, str) else getattr(cell, "plain", str(cell))

    pads = [table._get_padding_width(i) for i in range(len(columns))]
    lows, highs = [], []
    for col, pad in zip(columns, pads, strict=True):
        texts = [plain(col.header), *(plain(c) for c in col._cells)]
        words = [cell_len(w) for t in texts for w in t.split()]
        lines = [cell_len(line) for t in texts for line in t.splitlines() or [""]]
        lows.append(max(words, default=1) + pad)
        highs.append(max(lines, default=1) + pad)
    room = width - table._extra_width
    if sum(highs) <= room or sum(lows) > room:
        return  # fits as is, or cannot fit whole words at all: leave it to rich

    # Water-filling: the largest common width T that fits, each column clamped to [its longest word, its text].
    def widths_at(level: int) -> list[int]:
        return [max(lo, min(hi, level)) for lo, hi in zip(lows, highs, strict=True)]

    level = 0
    while level < max(highs) and sum(widths_at(level + 1)) <= room:
        level += 1
    widths = widths_at(level)
    spare = room - sum(widths)
    for i in sorted(range(len(widths)), key=lambda k: widths[k] - highs[k]):
        give = max(0, min(spare, highs[i] - widths[i]))
        widths[i] += give
        spare -= give
    for col, w, pad in zip(columns, widths, pads, strict=True):
        col.width = w - pad


out = FitConsole(highlight=False, width=_width())
err = Console(stderr=True, highlight=False, soft_wrap=True)


class DateType(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date: expected YYYY-MM-DD, e.g. 2026-03-01", param, ctx)


DATE = DateType()
PAIN = click.IntRange(0, 10)
# The check-in a next-step hint suggests (after init and after a first import).
LOG_EXAMPLE = "log --walk-min 30 --pain-during 0 --pain-after 0"


def fail(message: str) -> NoReturn:
    raise UsageError(message)


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A choice list read on first use: listing conditions needs the pydantic models, --help does not."""

    def __init__(self, load: Callable[[], list[str]]) -> None:
        self._load = load
        self._choices: tuple[Any, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[Any, ...]:
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @choices.setter
    def choices(self, value: tuple[Any, ...]) -> None:
        self._choices = tuple(value)


FIELD_OPTIONS = {
    "athlete_id": "--athlete",
    "injury_date": "--injury-date",
    "full_weight_bearing_date": "--full-weight-bearing",
    "preferences.timezone": "--timezone",
    "preferences.session_weekdays": "--session-days",
    "preferences.strength_weekdays": "--strength-days",
    "preferences.goal_run_min": "--goal-run-min",
}


def plain_error(exc: Any) -> str:
    """A pydantic ValidationError as one line that names the option, not the model field."""
    e = exc.errors()[0]
    where = ".".join(str(p) for p in e["loc"])
    msg = str(e["msg"]).removeprefix("Value error, ")
    if where == "athlete_id":
        return f"athlete id may use letters, digits, - and _ (got {e.get('input')!r})"
    where = FIELD_OPTIONS.get(where, where)
    return f"{where}: {msg}" if where else msg


def emit_json(data: Any) -> None:
    from walkrun.app.views import dumps

    click.echo(dumps(data), nl=False)


@dataclass
class Ctx:
    home: Path
    athlete: str | None
    today_opt: dt.date | None
    plugins_dir: Path | None
    home_given: bool = False
    # Global options exactly as typed on the command line, repeated in next-step hints.
    typed: dict[str, str] = field(default_factory=dict)
    _store: Store | None = None
    # A shared database (PostgreSQL) instead of the home folder's SQLite file; never repeated in hints.
    database_url: str | None = None

    @property
    def has_store(self) -> bool:
        return bool(self.database_url) or (self.home / DB_NAME).exists()

    @property
    def store(self) -> Store:
        """The existing store; a missing one is "no athlete yet", never created by a read."""
        if self._store is None:
            if not self.has_store:
                fail(self.no_athlete())
            return self.create_store()
        return self._store

    def create_store(self) -> Store:
        from walkrun.store import Store

        if self._store is None:
            self._store = Store(self.home, self.database_url)
        return self._store

    @property
    def registry(self) -> Registry:
        return registry_for(self.plugins_dir)

    def find_profile(self, athlete_id: str) -> AthleteProfile | None:
        return self.store.find_profile(athlete_id) if self.has_store else None

    def command(self, args: str, *, athlete: str | None = None, keep_athlete: bool = True) -> str:
        """A command line to copy: the global options the user typed, then ``args``."""
        typed = {k: v for k, v in self.typed.items() if keep_athlete or k != "--athlete"}
        if athlete is not None:
            typed["--athlete"] = athlete
        parts = [f"{flag} {shlex.quote(typed[flag])}" for flag in GLOBAL_VALUE_OPTIONS if flag in typed]
        return " ".join(["walkrun", *parts, args])

    def no_athlete(self) -> str:
        init = self.command("init --athlete ID --condition CONDITION --injury-date YYYY-MM-DD", keep_athlete=False)
        return f"no athlete yet: start with `{init}` (see walkrun init --help)"

    def athlete_id(self) -> str:
        ids = self.store.athlete_ids()
        if not ids:
            fail(self.no_athlete())
        if self.athlete:
            return self.athlete
        if len(ids) == 1:
            return ids[0]
        raise UsageError(f"say which athlete with --athlete ID (known: {', '.join(ids)})")

    def now(self, zone: str = "UTC") -> dt.date:
        from zoneinfo import ZoneInfo

        return self.today_opt or dt.datetime.now(ZoneInfo(zone)).date()

    def today(self, athlete_id: str | None = None) -> dt.date:
        profile = self.find_profile(athlete_id) if athlete_id else None
        today = self.now(profile.preferences.timezone if profile else "UTC")
        if profile is not None and today < profile.injury_date:
            fail(self.future_injury(profile, today))
        return today

    def future_injury(self, profile: AthleteProfile, today: dt.date) -> str:
        if self.today_opt:
            return f"--today {today} is before {profile.athlete_id}'s injury date {profile.injury_date}"
        fix = self.command("init --injury-date YYYY-MM-DD", athlete=profile.athlete_id)
        return (
            f"{profile.athlete_id}'s injury date {profile.injury_date} is in the future (today is {today}): "
            f"correct it with `{fix}`"
        )

    def hint(self, text: str) -> None:
        """One next-step line; never wrapped, so it can be copied whole."""
        out.print(f"next: {text}", soft_wrap=True, markup=False)


def registry_for(plugins_dir: Path | None) -> Registry:
    """The process's registry; a plugin that fails (now or when its kind is first used) gets one line."""
    from walkrun.plugins.manager import get_registry

    registry = get_registry(plugins_dir)
    if registry.on_failure is None:
        registry.on_failure = _report_plugin_failure
        registry.on_notice = _report_plugin_notice
        for info in registry.failures:
            _report_plugin_failure(info)
        for text in registry.notices:
            _report_plugin_notice(text)
    return registry


_commands_added: set[Path | None] = set()


def add_plugin_commands(group: click.Group, plugins_dir: Path | None) -> None:
    if plugins_dir not in _commands_added:
        _commands_added.add(plugins_dir)
        registry_for(plugins_dir).add_commands(group)


def _report_plugin_failure(info: PluginInfo) -> None:
    err.print(f"plugin skipped: {info.who}: {info.error}", soft_wrap=True, markup=False, highlight=False)


def _report_plugin_notice(text: str) -> None:
    err.print(text, soft_wrap=True, markup=False, highlight=False)


def complete_protocol_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    obj = ctx.find_object(Ctx)
    ids = registry_for(obj.plugins_dir if obj else None).protocols
    return [CompletionItem(i) for i in sorted(ids) if i.startswith(incomplete)]


def save_revision(c: Ctx, athlete_id: str, reason: str) -> int | None:
    """Store the plan as it stands after a change, so ``revisions`` can say what the change did."""
    from walkrun.app.revisions import store_revision

    rev = store_revision(c.store, c.registry, athlete_id, c.today(athlete_id), reason)["revision"]
    return int(rev) if rev is not None else None


def print_diff(diff: dict[str, Any] | None) -> None:
    """What a new plan revision changed, in a few lines (``sync``, ``done`` and ``explain --diff``)."""
    if not diff:
        return
    if diff["phase"]["from"] != diff["phase"]["to"] or diff["level"]["from"] != diff["level"]["to"]:
        phase, level = diff["phase"], diff["level"]
        out.print(f"  phase {phase['from']} → {phase['to']}, level {level['from']} → {level['to']}")
    for ch in diff["changed_sessions"][:8]:
        out.print(f"  {ch['date']}: {ch['from']} → {ch['to']}")
    for s in diff["dropped_sessions"][:5]:
        out.print(f"  {s['date']}: {s['title']} cancelled")
    for s in diff["added_sessions"][:5]:
        out.print(f"  {s['date']}: {s['title']} added")
    for d in diff["new_decisions"]:
        out.print(f"  why: {d['date']} {d['action']} ({d['rule']}): {d['evidence']}")
        out.print(f"       source: {d['source']}")


def print_next(sessions: list[Any]) -> None:
    if not sessions:
        return
    out.print("Next sessions:")
    for s in sessions:
        out.print(f"  {s.date} {s.date.strftime('%a')}  {s.title}")


def check_zone(zone: str) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(zone)
        return
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    import difflib

    zones = sorted(zoneinfo.available_timezones())
    by_lower = {z.lower(): z for z in zones}
    close = [by_lower[zone.lower()]] if zone.lower() in by_lower else difflib.get_close_matches(zone, zones, 1, 0.6)
    hint = f": did you mean {close[0]}?" if close else ": use an IANA name such as Europe/London"
    fail(f"unknown time zone {zone!r}{hint}")


def plugins_dir_arg(argv: list[str]) -> Path | None:
    """--plugins-dir must be known before click parses, since plugins add commands."""
    found: str | None = os.environ.get(PLUGINS_DIR_ENV) or None
    for i, arg in enumerate(argv):
        if arg == "--plugins-dir" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--plugins-dir="):
            found = arg.split("=", 1)[1]
    if found is None or not Path(found).is_dir():
        return None  # click reports a bad path itself
    return Path(found)


def die(message: str, code: int = 1) -> NoReturn:
    err.print(f"walkrun: error: {message}", markup=False)
    sys.exit(code)


# The diary parser (evidence.py) reports bad cells in Python's words; say what is expected instead.
def plain_words(message: str) -> str:
    """Messages are written plainly where they are raised (e.g. the diary parser names line, column and format)."""
    return message
