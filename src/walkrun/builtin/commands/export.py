"""``walkrun export``: the plan to calendars, watch workouts, JSON and HTML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from walkrun.app.export import export_plan, parse_formats
from walkrun.cli.core import DATE, Ctx, emit_json, fail, out

DEFAULT_FORMATS = "ics,fit,json,html,summary"


def _export_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``export``'s options: what to write, where, for which dates, and how each writer shapes it."""
    options = [
        click.option(
            "--format", "formats", default=DEFAULT_FORMATS, show_default=True, help="Writers, comma-separated."
        ),
        click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("walkrun-export"),
            show_default=True,
            help="Output folder (created if missing).",
        ),
        click.option("--weeks", type=click.IntRange(1, 104), default=12, show_default=True, help="Plan horizon."),
        click.option("--from", "window_from", type=DATE, help="First date to export (default: today)."),
        click.option("--to", "window_to", type=DATE, help="Last date to export (overrides --weeks)."),
        click.option("--all", "all_athletes", is_flag=True, help="Every athlete in the store, one folder each."),
        click.option(
            "--watch-weeks",
            type=click.IntRange(1, 52),
            default=4,
            show_default=True,
            help="FIT workouts only for the next N weeks (watches hold a limited number).",
        ),
        click.option("--all-day", is_flag=True, help="Calendar events as all-day entries instead of timed ones."),
        click.option("--alarm", "alarm_min", type=click.IntRange(0, 1440), help="Calendar reminder N minutes before."),
        click.option(
            "--targets",
            type=click.Choice(["auto", "none", "hr", "pace", "cadence"]),
            default="auto",
            show_default=True,
            help="Watch workout targets: auto = heart rate when known, else cadence; walks get a brisk cadence floor.",
        ),
        click.option("--option", "extra", multiple=True, metavar="KEY=VALUE", help="Writer option (repeatable)."),
        click.option("--json", "as_json", is_flag=True, help="List the written files as JSON."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.command()
@_export_options
@click.pass_obj
def export(
    c: Ctx,
    /,
    formats: str,
    out_dir: Path,
    weeks: int,
    window_from: dt.date | None,
    window_to: dt.date | None,
    all_athletes: bool,
    watch_weeks: int,
    all_day: bool,
    alarm_min: int | None,
    targets: str,
    extra: tuple[str, ...],
    as_json: bool,
) -> None:
    """Write the plan as an iCal calendar, FIT watch workouts, JSON and a printable HTML page."""
    names = parse_formats(formats, c.registry)
    options = _writer_options(watch_weeks, targets, all_day, alarm_min, extra)
    athletes = c.store.athlete_ids() if all_athletes else [c.athlete_id()]
    if not athletes:
        fail("no athletes in this store yet (walkrun init)")
    report: list[dict[str, Any]] = []
    for athlete_id in athletes:
        today = c.today(athlete_id)
        horizon = weeks * 7
        if window_to is not None:
            if window_to < today:
                fail(f"--to {window_to} is before today ({today})")
            horizon = (window_to - today).days + 1
        target = out_dir / athlete_id if all_athletes else out_dir
        ap, exported = export_plan(
            c.store,
            c.registry,
            athlete_id,
            today,
            names,
            target,
            horizon_days=horizon,
            window_from=window_from,
            options=options,
        )
        report.append(
            {
                "athlete": athlete_id,
                "today": today.isoformat(),
                "phase": ap.plan.phase.value,
                "files": {e.writer: [str(p) for p in e.paths] for e in exported},
            }
        )
    if as_json:
        emit_json({"exports": report})
        return
    _print_report(report)


def _writer_options(
    watch_weeks: int, targets: str, all_day: bool, alarm_min: int | None, extra: tuple[str, ...]
) -> dict[str, str]:
    """The options every writer receives (as strings): the named flags, then each ``--option KEY=VALUE``."""
    options: dict[str, str] = {"weeks": str(watch_weeks), "targets": targets}
    if all_day:
        options["all_day"] = "1"
    if alarm_min is not None:
        options["alarm_min"] = str(alarm_min)
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"bad --option {item!r}: use KEY=VALUE")
        options[key.strip()] = value.strip()
    return options


def _print_report(report: list[dict[str, Any]]) -> None:
    for r in report:
        out.print(f"[bold]{r['athlete']}[/] ({r['phase']}, as of {r['today']}):")
        for writer, paths in r["files"].items():
            shown = paths if len(paths) <= 3 else [*paths[:2], f"… {len(paths) - 2} more"]
            out.print(f"  {writer:>5}: {', '.join(shown)}")
