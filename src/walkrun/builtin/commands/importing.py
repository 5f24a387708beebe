"""``walkrun import``, ``activities`` and ``diary``: watch data and pain diaries in."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from walkrun.app.athlete import classified_activities, plan_for
from walkrun.app.importing import ImportSummary as ImportSummary  # re-exported: sync and the demo use it
from walkrun.app.importing import import_paths as import_paths
from walkrun.cli.core import LOG_EXAMPLE, Ctx, emit_json, err, fail, out, save_revision
from walkrun.domain.history import merge_checkins
from walkrun.evidence.sessions import DIARY_COLUMNS, local_day, pain_evidence, read_pain_diary
from walkrun.ingest.fs import printable
from walkrun.ingest.pipeline import ProgressEvent

if TYPE_CHECKING:
    from walkrun.domain.models import AthleteProfile, CheckIn
    from walkrun.evidence.sessions import ClassifiedActivity


def command_hint(c: Ctx, athlete_id: str, *args: str) -> str:
    """A command line that reads the same store: the global options the user typed are kept."""
    root = click.get_current_context().find_root()
    words = ["walkrun"]
    given = {name: root.get_parameter_source(name) == ParameterSource.COMMANDLINE for name in root.params}
    if given.get("home"):
        words += ["--home", str(c.home)]
    if given.get("plugins_dir") and c.plugins_dir is not None:
        words += ["--plugins-dir", str(c.plugins_dir)]
    if given.get("today") and c.today_opt is not None:
        words += ["--today", c.today_opt.isoformat()]
    return shlex.join([*words, "--athlete", athlete_id, *args])


@click.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--errors", "show_errors", is_flag=True, help="List files that failed or were skipped (last import).")
@click.option("--all-errors", is_flag=True, help="With --errors: every import, not just the last.")
@click.option("--no-progress", is_flag=True, help="No progress bar (it goes to stderr, and only on a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Processes that read files (default: one per core; 1: no pool)."
)
@click.pass_obj
def import_command(
    c: Ctx,
    /,
    paths: tuple[Path, ...],
    show_errors: bool,
    all_errors: bool,
    no_progress: bool,
    as_json: bool,
    workers: int | None,
) -> None:
    """Import FIT/GPX/TCX files (also .gz), folders and zip exports (Strava, Garmin).

    Importing the same files again adds nothing and reads nothing unchanged.
    One bad file never stops an import: it is reported and stored, and
    `walkrun import --errors` lists it. A folder with no files is an error.
    """
    athlete_id = c.athlete_id()
    if show_errors:
        _print_problems(c, athlete_id, all_errors, as_json)
        return
    if not paths:
        fail("give files, folders or zip archives to import (or --errors)")
    first = c.store.activity_count(athlete_id) == 0
    summary = _import_with_progress(c, athlete_id, paths, workers, not no_progress and not as_json)
    if summary.files == 0:
        shown = ", ".join(printable(str(p)) for p in paths)
        fail(
            f"nothing to import: no files in {shown} (hidden files are skipped). Give the folder or the"
            " .zip export that holds your .fit, .gpx or .tcx files."
        )
    if summary.imported:  # nothing new, nothing for the plan to change
        save_revision(c, athlete_id, f"import of {summary.imported} activities")
    if as_json:
        emit_json(summary.as_dict())
        return
    _print_summary(c, athlete_id, summary)
    if first and summary.imported:
        c.hint(f"log today's check-in with: {c.command(LOG_EXAMPLE, athlete=athlete_id)}")
        c.hint(f"then see where you stand: {c.command('status', athlete=athlete_id)}")


def _print_problems(c: Ctx, athlete_id: str, all_errors: bool, as_json: bool) -> None:
    problems = c.store.import_problems(athlete_id, last_run_only=not all_errors)
    if as_json:
        emit_json({"problems": problems})
        return
    if not problems:
        out.print("No import problems.")
    for p in problems:
        out.print(f"{p['status']:>12}  {p['source']}: {p['reason']}", markup=False, soft_wrap=True)


def _import_with_progress(
    c: Ctx, athlete_id: str, paths: tuple[Path, ...], workers: int | None, progress: bool
) -> ImportSummary:
    """Run the import service with a progress bar on stderr (only on a terminal)."""
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files, {task.fields[mb]}"),
        TimeRemainingColumn(),
        console=err,
        disable=not (progress and err.is_terminal),
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=None, mb="")

        def on_progress(ev: ProgressEvent) -> None:
            mb = f"{ev.bytes_done / 1e6:.1f}/{ev.bytes_total / 1e6:.1f} MB"
            bar.update(task, total=ev.files_total or None, completed=ev.files_done, mb=mb)

        return import_paths(c.store, athlete_id, paths, c.registry.readers, on_progress, workers=workers)


def _print_summary(c: Ctx, athlete_id: str, summary: ImportSummary) -> None:
    out.print(summary.sentence(athlete_id), markup=False)
    errors = [p for p in summary.problems if p["status"] == "error"]
    for problem in errors[:10]:
        err.print(f"  error: {problem['source']}: {problem['reason']}", markup=False)
    if len(errors) > 10:
        err.print(f"  … and {len(errors) - 10} more: {command_hint(c, athlete_id, 'import', '--errors')}", markup=False)
    if summary.imported:
        out.print(f"See them with: {command_hint(c, athlete_id, 'activities')}", markup=False, soft_wrap=True)


@click.command()
@click.option("--limit", type=click.IntRange(1), help="Only the most recent N.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def activities(c: Ctx, limit: int | None, as_json: bool) -> None:
    """Imported activities with their walk/run classification and pain evidence."""
    athlete_id = c.athlete_id()
    profile = c.store.profile(athlete_id)
    items = classified_activities(c.store, profile)
    checkins = merge_checkins(c.store.checkins(athlete_id))
    rows = [_activity_row(item, profile, checkins) for item in items]
    if limit:
        rows = rows[-limit:]
    if as_json:
        emit_json({"athlete": athlete_id, "activities": rows})
        return
    _print_activities(athlete_id, rows)


def _activity_row(
    item: ClassifiedActivity, profile: AthleteProfile, checkins: dict[dt.date, CheckIn]
) -> dict[str, Any]:
    """One activity as ``activities --json`` shows it: the classification's seconds and the pain evidence."""
    act, cl = item.activity, item.classification
    day = local_day(act, profile.preferences.timezone)
    pain = pain_evidence(act, day, checkins)
    return {
        "id": item.activity_id,
        "source": act.source,
        "start": act.start_utc.isoformat().replace("+00:00", "Z"),
        "date": day.isoformat(),
        "sport": act.sport,
        "name": act.name,
        "moving_s": cl.moving_s,
        "elapsed_s": round(act.elapsed_s),
        "distance_m": round(act.distance_m, 1) if act.distance_m is not None else None,
        "brisk_walk_s": cl.brisk_walk_s,
        "slow_walk_s": cl.slow_walk_s,
        "longest_brisk_walk_s": cl.longest_brisk_walk_s,
        "run_s": cl.run_s,
        "method": cl.method,
        "pain": None
        if pain is None
        else {
            "during": pain.pain_during,
            "after": pain.pain_after,
            "next_morning": pain.pain_next_morning,
            "night": pain.night_pain,
            "source": pain.source,
        },
        "rpe": act.rpe,
        "feel": act.feel,
        "before_injury": day < profile.injury_date,
        "warnings": list(cl.warnings),
    }


def _print_activities(athlete_id: str, rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"{athlete_id}: {len(rows)} activities")
    for col in ("date", "sport", "moving", "brisk", "longest", "run", "pain", "notes"):
        table.add_column(col)
    for r in rows:
        p = r["pain"]
        pain_txt = "unknown" if p is None else f"{p['during']}/{p['after']}" + (" night" if p["night"] else "")
        table.add_row(
            r["date"],
            r["sport"],
            f"{r['moving_s'] // 60}′",
            f"{r['brisk_walk_s'] // 60}′",
            f"{r['longest_brisk_walk_s'] // 60}′",
            f"{r['run_s'] // 60}′" if r["run_s"] else "",
            pain_txt,
            "; ".join((["before injury: never counted"] if r["before_injury"] else []) + r["warnings"])
            + (f" RPE {r['rpe']:g}" if r["rpe"] is not None else ""),
        )
    out.print(table)


@click.command()
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def diary(c: Ctx, csv_file: Path, as_json: bool) -> None:
    """Import a CSV pain diary.

    \b
    Columns (header row, any order; only date is required):
      date (YYYY-MM-DD), pain_during, pain_after, pain_next_morning (0-10),
      night_pain (yes/no), walk_min, run_min, note
    """
    athlete_id = c.athlete_id()
    profile = c.store.profile(athlete_id)
    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{csv_file}: not UTF-8 text")
    rows = read_pain_diary(text, str(csv_file))
    today = c.today(athlete_id)
    bad = [r.date for r in rows if r.date > today or r.date < profile.injury_date]
    if bad:
        fail(f"{csv_file}: dates outside {profile.injury_date}..{today}: {', '.join(map(str, bad[:5]))}")
    for row in rows:
        c.store.add_checkin(athlete_id, row)
    rev = save_revision(c, athlete_id, f"pain diary {csv_file.name}: {len(rows)} rows")
    if as_json:
        emit_json({"rows": len(rows), "revision": rev, "columns": list(DIARY_COLUMNS)})
        return
    out.print(f"Imported {len(rows)} diary rows for {athlete_id} from {csv_file}")
    ap = plan_for(c.store, c.registry, athlete_id, today, 7)
    out.print(f"Phase now: {ap.plan.phase.value}" + (f", level {ap.plan.level}" if ap.plan.level else ""))
