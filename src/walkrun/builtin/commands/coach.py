"""Closing the loop: ``sync``, ``done``, ``revisions`` and the coach's ``coach`` roster.

``coach add/remove/list/regenerate`` give each coach a secret URL scoped to their athletes.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.table import Table

from walkrun.app.athlete import plan_for
from walkrun.app.importing import import_paths
from walkrun.app.revisions import diff_plans, store_revision
from walkrun.app.roster import RosterRow, build_roster
from walkrun.cli.core import DATE, PAIN, Ctx, emit_json, err, fail, out, print_diff
from walkrun.domain.models import CheckIn
from walkrun.domain.plan import SessionKind

SYNC_LOOKBACK_DAYS = 14


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def sync(c: Ctx, /, paths: tuple[Path, ...], as_json: bool) -> None:
    """Import new files, match them to planned sessions, apply check-ins and re-plan.

    Each sync that changes the plan is stored as a revision with its reason;
    `walkrun revisions` and `walkrun explain --diff` show what changed and why.
    """
    athlete_id = c.athlete_id()
    today = c.today(athlete_id)
    summary = import_paths(c.store, athlete_id, paths, c.registry.readers)
    ap = plan_for(c.store, c.registry, athlete_id, today, 28, lookback_days=SYNC_LOOKBACK_DAYS)
    matches: list[dict[str, Any]] = [
        {
            "date": p.session.date.isoformat(),
            "planned": p.session.title,
            "status": p.status,
            "adherence": p.adherence,
            "sources": p.sources,
            "pain": p.pain,
        }
        for p in ap.plan.past
        if p.status not in ("rest", "not-tracked")
    ]
    change = store_revision(c.store, c.registry, athlete_id, today, f"sync: {summary.imported} new activities")
    if as_json:
        emit_json({"import": summary.as_dict(), "matches": matches, **change,
                   "phase": ap.plan.phase.value, "level": ap.plan.level})  # fmt: skip
        return
    out.print(
        f"Synced {athlete_id}: {summary.imported} new activities ({summary.duplicates} already there, "
        f"{summary.errors} errors)."
    )
    if matches:
        table = Table(title=f"Last {SYNC_LOOKBACK_DAYS} days: planned vs done")
        for col in ("date", "planned", "status", "what was done", "pain"):
            table.add_column(col)
        for m in matches:
            colour = {"done": "green", "overdone": "red", "missed": "yellow", "partial": "yellow"}.get(m["status"], "")
            status = f"[{colour}]{m['status']}[/]" if colour else m["status"]
            table.add_row(m["date"], m["planned"], status, m["adherence"], m["pain"])
        out.print(table)
    if change["revision"]:
        out.print(f"Plan revision {change['revision']} stored. Changes:")
        print_diff(change["diff"])
    else:
        out.print("The plan did not change.")
    out.print(f"Now: {ap.plan.phase.value}" + (f", level {ap.plan.level}" if ap.plan.level else ""))


@click.command()
@click.option("--date", "day", type=DATE, help="Day of the planned session (default: today).")
@click.option("--pain-during", type=PAIN)
@click.option("--pain-after", type=PAIN)
@click.option("--pain-next-morning", type=PAIN)
@click.option("--night-pain", is_flag=True)
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def done(c: Ctx, /, day: dt.date | None, pain_during: int | None, pain_after: int | None,
         pain_next_morning: int | None, night_pain: bool, note: str, as_json: bool) -> None:  # fmt: skip
    """Mark the planned session of a day as done as prescribed (no file), with its check-in."""
    athlete_id = c.athlete_id()
    today = c.today(athlete_id)
    day = day or today
    if day > today:
        fail(f"--date {day} is in the future (today is {today})")
    planned = plan_for(c.store, c.registry, athlete_id, day, 1).plan.sessions[0]
    active = planned.kind in (SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN)
    checkin = CheckIn(
        date=day,
        walk_min=planned.walk_s / 60 if active else None,
        run_min=planned.run_s / 60 if active and planned.run_s else None,
        pain_during=pain_during,
        pain_after=pain_after,
        pain_next_morning=pain_next_morning,
        night_pain=night_pain,
        note=note or f"done as planned: {planned.title}",
        source="done",
    )
    c.store.add_checkin(athlete_id, checkin)
    change = store_revision(c.store, c.registry, athlete_id, today, f"{day}: {planned.title} marked done")
    if as_json:
        emit_json({"date": day.isoformat(), "session": planned.title, "checkin": checkin.model_dump(mode="json"),
                   **change})  # fmt: skip
        return
    out.print(f"Marked done {day}: {planned.title}")
    if active and pain_during is None and pain_after is None:
        err.print("[yellow]Note:[/] no pain scores (--pain-during/--pain-after), so it cannot count as pain-free.")
    print_diff(change["diff"])


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def revisions(c: Ctx, as_json: bool) -> None:
    """Stored plan revisions, newest last, with the reason each was made."""
    athlete_id = c.athlete_id()
    revs = c.store.revisions(athlete_id)
    if as_json:
        emit_json({"athlete": athlete_id, "revisions": revs})
        return
    for r in revs:
        out.print(f"{r['rev']:>4}  as of {r['today']}  {r['reason']}")


def explain_diff(c: Ctx, athlete_id: str, rev_from: int | None, rev_to: int | None) -> dict[str, Any]:
    revs = [int(str(r["rev"])) for r in c.store.revisions(athlete_id)]
    if len(revs) < 2 and (rev_from is None or rev_to is None):
        fail("need at least two plan revisions to compare (they are stored by log, sync, done, import)")
    b = rev_to or revs[-1]
    a = rev_from or max((r for r in revs if r < b), default=b)
    older, newer = c.store.revision_plan(athlete_id, a), c.store.revision_plan(athlete_id, b)
    return {"athlete": athlete_id, "from_revision": a, "to_revision": b, **diff_plans(older, newer)}


CSV_COLUMNS = (
    "athlete", "name", "condition", "weeks_since_injury", "phase", "level", "gate_met", "gate_total",
    "next_session", "compliance_pct", "compliance", "days_since_last_session", "last_pain", "red_flags", "problem",
    "latest_note",
)  # fmt: skip


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per athlete (for a spreadsheet).")
@click.pass_context
def coach(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """Roster of every athlete, who needs attention first: red flags, missed check-ins, then the longest idle.

    Compliance is time done against time planned over the last 14 days: green within 20%, yellow 50-79% or
    121-150%, red otherwise, grey for activity with nothing planned.

    The subcommands give coaches their own secret URL that shows only their athletes.
    """
    if ctx.invoked_subcommand is None:
        _roster(ctx.obj, as_json, as_csv)


def _roster(c: Ctx, as_json: bool, as_csv: bool) -> None:
    today = c.today()
    ids = c.store.athlete_ids() if c.has_store else []
    if not ids and not (as_json or as_csv):
        out.print(f"The store {c.home} is empty: {c.no_athlete()}", soft_wrap=True, markup=False)
        return
    rows = build_roster(c.store, c.registry, today) if ids else []
    problems = _unlisted(c, ids, {r.athlete for r in rows}, today)
    if as_json:
        emit_json({"today": today.isoformat(), "athletes": [r.as_dict() for r in rows], "problems": problems})
        return
    if as_csv:
        _print_csv(rows, problems)
        return
    _print_roster(today, rows, problems)


def _print_csv(rows: list[RosterRow], problems: list[dict[str, str]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        data = r.as_dict()
        data["red_flags"] = "; ".join(r.red_flags)
        data["latest_note"] = r.latest_note.text if r.latest_note else None
        writer.writerow(["" if data[k] is None else data[k] for k in CSV_COLUMNS])
    for p in problems:
        writer.writerow(
            [p["athlete"] if k == "athlete" else p["problem"] if k == "problem" else "" for k in CSV_COLUMNS]
        )


COLOURS = {"green": "green", "yellow": "yellow", "red": "red", "grey": "grey50", "none": "grey50"}


def _print_roster(today: dt.date, rows: list[RosterRow], problems: list[dict[str, str]]) -> None:
    table = Table(title=f"Roster as of {today}", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for col in ("athlete", "weeks", "phase level gate", "last 14 d", "next", "last pain", "red flags"):
        table.add_column(col, overflow="fold")
    for r in rows:
        if r.problem:
            table.add_row(r.athlete, "", "?", "", "", "", f"[red]{r.problem}[/]")
            continue
        last = "never" if r.days_since_last_session is None else f"{r.days_since_last_session} d ago"
        pct = "-" if r.compliance_pct is None else f"{r.compliance_pct}%"
        done = f"[{COLOURS[r.compliance.value]}]{pct}[/] · {last}"
        where = f"{r.phase} {r.level or ''} · gate {r.gate_met}/{r.gate_total}"
        flags = "\n".join(f"[red]{f}[/]" for f in r.red_flags) or "[green]none[/]"
        weeks = "" if r.weeks_since_injury is None else f"{r.weeks_since_injury:g}"
        table.add_row(r.athlete, weeks, where, done, r.next_session or "", r.last_pain or "", flags)
    for p in problems:
        table.add_row(p["athlete"], "", "?", "", "", "", f"[red]{p['problem']}[/]")
    out.print(table)
    _print_latest_notes(rows)


def _print_latest_notes(rows: list[RosterRow]) -> None:
    """Each athlete's newest note, one short line (the table has no room; --json has the full text)."""
    from walkrun.domain.notes import short

    noted = [r for r in rows if r.latest_note]
    if noted:
        out.print("Latest notes:")
    for r in noted:
        assert r.latest_note is not None
        head = f"  {r.athlete} ({r.latest_note.heading()}): "
        # One line at the terminal's width (never less than a few words).
        out.print(head + short(r.latest_note.text, max(24, out.width - len(head) - 1)), markup=False)


def _unlisted(c: Ctx, ids: list[str], listed: set[str], today: dt.date) -> list[dict[str, str]]:
    """Athletes the roster cannot plan for (e.g. an injury date after today), named, not dropped."""
    problems = []
    for athlete_id in ids:
        if athlete_id in listed:
            continue
        profile = c.store.profile(athlete_id)
        problem = (
            f"injury date {profile.injury_date} is after {today}: fix it with "
            f"{c.command('init --injury-date YYYY-MM-DD', athlete=athlete_id)}"
            if profile.injury_date > today
            else "not planned"
        )
        problems.append({"athlete": athlete_id, "problem": problem})
    return problems


# ---- coaches with scoped access ----------------------------------------------------------------
def _coach_urls(token: str, base_url: str | None) -> dict[str, str | None]:
    from walkrun.builtin.commands.serve import check_base_url
    from walkrun.serve.http import coach_path

    path = coach_path(token)
    return {"path": path, "url": check_base_url(base_url) + path if base_url else None}


def _show_secret(name: str, urls: dict[str, str | None], athletes: list[str], what: str) -> None:
    out.print(f"{what} {name} ({', '.join(athletes) or 'no athletes yet'}). Their secret page:", markup=False)
    click.echo(urls["path"])
    if urls["url"]:
        click.echo(urls["url"])
    err.print("Shown once: walkrun keeps only a hash of it. Lost or leaked: walkrun coach regenerate NAME.")


_BASE_URL = click.option("--base-url", metavar="URL", help="Where `walkrun serve` is reachable, to print a full URL.")
_JSON = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@coach.command("add")
@click.argument("name")
@click.option("--athletes", "athletes", required=True, metavar="A,B", help="The athlete ids this coach may see.")
@_BASE_URL
@_JSON
@click.pass_obj
def coach_add(c: Ctx, /, name: str, athletes: str, base_url: str | None, as_json: bool) -> None:
    """Add a coach; prints their secret URL once.

    The URL's page shows only these athletes and their feeds.
    """
    from walkrun.app.coaches import check_coach_name, parse_athlete_list

    check_coach_name(name)
    ids = parse_athlete_list(athletes)
    if not ids:
        fail("--athletes: name at least one athlete id (comma-separated)")
    if any(r.name == name for r in c.store.coaches()):
        fail(f"coach {name!r} already exists: `walkrun coach regenerate` for a new URL, or remove it first")
    urls = _coach_urls(c.store.add_coach(name, ids), base_url)
    if as_json:
        emit_json({"coach": name, "athletes": ids, **urls})
        return
    _show_secret(name, urls, ids, "Added coach")


@coach.command("remove")
@click.argument("name")
@_JSON
@click.pass_obj
def coach_remove(c: Ctx, /, name: str, as_json: bool) -> None:
    """Remove a coach: their URL stops working at once."""
    if not c.store.remove_coach(name):
        fail(f"no coach {name!r} (walkrun coach list)")
    if as_json:
        emit_json({"coach": name, "removed": True})
        return
    out.print(f"Removed coach {name}: their URL no longer works.", markup=False)


@coach.command("regenerate")
@click.argument("name")
@_BASE_URL
@_JSON
@click.pass_obj
def coach_regenerate(c: Ctx, /, name: str, base_url: str | None, as_json: bool) -> None:
    """A new secret URL for one coach.

    Their old URL stops working at once; other coaches' URLs and the feeds are unchanged.
    """
    token = c.store.regenerate_coach(name)
    if token is None:
        fail(f"no coach {name!r} (walkrun coach list)")
    athletes = next((list(r.athletes) for r in c.store.coaches() if r.name == name), [])
    urls = _coach_urls(token, base_url)
    if as_json:
        emit_json({"coach": name, "athletes": athletes, **urls, "regenerated": True})
        return
    _show_secret(name, urls, athletes, "New secret URL for coach")


@coach.command("assign")
@click.argument("name")
@click.option("--athletes", "athletes", required=True, metavar="A,B", help="The athlete ids this coach may now see.")
@_JSON
@click.pass_obj
def coach_assign(c: Ctx, /, name: str, athletes: str, as_json: bool) -> None:
    """Change which athletes a coach sees (their URL stays)."""
    from walkrun.app.coaches import parse_athlete_list

    ids = parse_athlete_list(athletes)
    if not c.store.set_coach_athletes(name, ids):
        fail(f"no coach {name!r} (walkrun coach list)")
    if as_json:
        emit_json({"coach": name, "athletes": ids})
        return
    out.print(f"Coach {name} now sees: {', '.join(ids) or 'no athletes'}.", markup=False)


@coach.command("list")
@_JSON
@click.pass_obj
def coach_list(c: Ctx, /, as_json: bool) -> None:
    """Coaches and their athletes (never secrets)."""
    records = c.store.coaches() if c.has_store else []
    if as_json:
        emit_json({"coaches": [{"coach": r.name, "athletes": list(r.athletes), "created_utc": r.created_utc}
                               for r in records]})  # fmt: skip
        return
    if not records:
        out.print("No coaches yet: walkrun coach add NAME --athletes ID,ID")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for col in ("coach", "athletes", "added (UTC)"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(r.name, ", ".join(r.athletes) or "-", r.created_utc.replace("T", " ").removesuffix("+00:00"))
    out.print(table)
