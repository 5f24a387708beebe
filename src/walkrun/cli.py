"""The ``walkrun`` command line. Thin: parse, call the core, print.

Start-up is kept cheap: this module imports click and ``cli_core`` only; each
command imports the engine, store and plugins it needs when it runs, and the
commands of the other ``cli_*`` modules are imported only when invoked.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from walkrun import __version__
from walkrun.cli_core import (
    DATE,
    PAIN,
    Ctx,
    LazyChoice,
    LazyGroup,
    add_plugin_commands,
    check_zone,
    command_word,
    die,
    emit_json,
    err,
    fail,
    out,
    plain_error,
    plain_words,
    plugins_dir_arg,
    print_next,
)
from walkrun.errors import WalkrunError
from walkrun.glossary import help_epilog
from walkrun.paths import HOME_ENV, PLUGINS_DIR_ENV

if TYPE_CHECKING:
    from pydantic import ValidationError

    from walkrun.athlete import AthletePlan
    from walkrun.models import AthleteProfile, CheckIn, Weekday

__all__ = ["DATE", "PAIN", "Ctx", "cli", "emit_json", "err", "fail", "main", "out"]

# Commands defined in other modules: (module, one-line help shown by `walkrun --help` without importing it).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "status": ("walkrun.cli_read", "Phase, gate checklist, warnings and the next sessions."),
    "plan": ("walkrun.cli_read", "Upcoming dated sessions and why each was chosen."),
    "explain": ("walkrun.cli_read", "Every decision: the rule, its evidence and its source."),
    "protocols": ("walkrun.cli_read", "The rehab protocols (--show ID for one in full)."),
    "plugins": ("walkrun.cli_read", "Loaded plugins and what each added."),
    "athletes": ("walkrun.cli_read", "The athletes in this store."),
    "import": ("walkrun.cli_import", "Import watch files, folders and zip exports (FIT/GPX/TCX)."),
    "activities": ("walkrun.cli_import", "Imported activities: walk/run minutes and pain."),
    "diary": ("walkrun.cli_import", "Import a CSV pain diary."),
    "sync": ("walkrun.cli_coach", "Import new files, compare with the plan and re-plan."),
    "done": ("walkrun.cli_coach", "Mark a planned session done as prescribed (no file)."),
    "revisions": ("walkrun.cli_coach", "Stored plan revisions and why each was made."),
    "coach": ("walkrun.cli_coach", "Every athlete at a glance: phase, pain, red flags."),
    "note": ("walkrun.cli_note", "Coach notes about an athlete: add, list."),
    "export": ("walkrun.cli_export", "Write the plan as calendar, watch workouts, JSON, HTML."),
    "feed-url": ("walkrun.cli_serve", "The secret URL of a live calendar feed."),
    "serve": ("walkrun.cli_serve", "Serve live calendar feeds and the coach's page."),
    "home": ("walkrun.cli_help", "Print the data folder (store) walkrun uses."),
    "db": ("walkrun.cli_db", "The store's schema: its revision (current), upgrading it."),
    "explain-term": ("walkrun.cli_help", "Explain a word: gate, W30, L3, C20, referral..."),
    "glossary": ("walkrun.cli_help", "Every word walkrun prints, explained."),
    "tests": ("walkrun.cli_help", "How to perform each clinical test."),
}
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
    from walkrun.paths import default_home

    return default_home()


@click.group(
    cls=LazyGroup,
    lazy=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=help_epilog(),
)
@click.version_option(__version__, prog_name="walkrun")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=HOME_ENV,
    help=f"Data folder (default: your user data dir, see below; or ${HOME_ENV}).",
)
@click.option(
    "--athlete",
    "athlete",
    metavar="ID",
    shell_complete=_athlete_ids,
    help="Athlete to act on (optional when the store has one).",
)
@click.option("--today", "today", type=DATE, help="Evaluate as of this date, for reproducible runs.")
@click.option(
    "--plugins-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    envvar=PLUGINS_DIR_ENV,
    help="Also load one-file plugins (*.py) from this folder.",
)
@click.option(
    "--database-url",
    envvar="WALKRUN_DATABASE_URL",
    metavar="URL",
    help="A shared PostgreSQL store (postgresql://user:pass@host/db) instead of the data folder's SQLite file.",
)
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


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _conditions() -> list[str]:
    from walkrun.models import Condition

    return [c.value for c in Condition]


def _sides() -> list[str]:
    from walkrun.models import Side

    return [s.value for s in Side]


# ---- init -------------------------------------------------------------------
CLEARANCE_FLAGS = {
    "imaging-healing": "imaging_shows_healing",
    "hop-tests": "hop_tests_allowed",
    "surgeon-cleared": "surgeon_cleared_running",
}


def _weekdays(value: str | None) -> list[Weekday] | None:
    from walkrun.models import Weekday

    if value is None:
        return None
    try:
        return [Weekday(v.strip().lower()[:3]) for v in value.split(",") if v.strip()]
    except ValueError:
        fail(f"bad weekday list {value!r}: use e.g. mon,wed,fri,sun")


@cli.command()
@click.option("--athlete", "athlete_opt", metavar="ID", help="Athlete id (letters, digits, - _ .).")
@click.option("--name", help="Display name.")
@click.option("--condition", type=LazyChoice(_conditions), help="Diagnosis.")
@click.option("--injury-date", type=DATE, help="Date of injury or diagnosis.")
@click.option("--side", type=LazyChoice(_sides))
@click.option("--grade", type=click.IntRange(1, 4), help="MRI grade, if known.")
@click.option("--surgery/--no-surgery", default=None, help="Was the injury treated surgically?")
@click.option("--full-weight-bearing", "fwb", type=DATE, help="Date full weight-bearing was allowed.")
@click.option("--protocol", "protocol_id", help="Protocol id (default: the condition's default).")
@click.option("--timezone", help="IANA time zone, e.g. Europe/London.")
@click.option("--session-days", help="Walk/run weekdays, e.g. mon,wed,fri,sun.")
@click.option("--strength-days", help="Strength weekdays, e.g. tue,thu.")
@click.option("--session-time", help="Usual session time HH:MM.")
@click.option("--goal-run-min", type=click.IntRange(20, 240), help="Continuous easy running goal (minutes).")
@click.option(
    "--clearance",
    "clearances",
    multiple=True,
    type=click.Choice(sorted(CLEARANCE_FLAGS)),
    help="Record a clinician clearance (repeatable).",
)
@click.option("--revoke", multiple=True, type=click.Choice(sorted(CLEARANCE_FLAGS)), help="Withdraw a clearance.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored profile as JSON.")
@click.pass_obj
def init(c: Ctx, /, athlete_opt: str | None, as_json: bool, **flags: Any) -> None:
    """Create an athlete profile, or update the given fields of an existing one."""
    from pydantic import ValidationError

    from walkrun.models import AthleteProfile

    athlete_id = athlete_opt or c.athlete
    if not athlete_id:
        fail("init needs --athlete ID")
    _check_init_values(athlete_id, flags)
    existing = c.find_profile(athlete_id)
    data = _profile_data(existing.model_dump() if existing else {"athlete_id": athlete_id}, flags)
    if existing is None:
        missing = [f"--{k.replace('_', '-')}" for k in ("condition", "injury_date") if k not in data]
        if missing:
            fail(f"a new athlete needs {' and '.join(missing)}")
    try:
        profile = AthleteProfile.model_validate(data)
    except ValidationError as exc:
        fail(_first_error(exc))
    _refuse_future_injury(c, profile, flags)
    protocol = c.registry.protocol_for(profile.condition, profile.protocol_id)
    created = c.create_store().save_profile(profile)
    _save_revision(c, profile.athlete_id, "profile created" if created else "profile updated")
    if as_json:
        emit_json(profile.model_dump(mode="json"))
        return
    verb = "Created" if created else "Updated"
    out.print(
        f"{verb} athlete [bold]{profile.athlete_id}[/]: {profile.condition.label}, injured {profile.injury_date}, "
        f"protocol [bold]{protocol.id}[/] (store: {c.home})"
    )
    _print_floors(profile)
    if created:
        c.hint(f"import your watch files: {c.command('import FOLDER-OR-ZIP', athlete=profile.athlete_id)}")
        c.hint(f"or log today's walk: {c.command(LOG_EXAMPLE, athlete=profile.athlete_id)}")


def _profile_data(data: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """The stored profile's fields with the options given to ``init`` applied."""
    prefs: dict[str, Any] = data.get("preferences") or {}
    simple = {
        "name": "name",
        "condition": "condition",
        "injury_date": "injury_date",
        "side": "side",
        "grade": "grade",
        "surgery": "surgery",
        "fwb": "full_weight_bearing_date",
        "protocol_id": "protocol_id",
    }
    for flag, key in simple.items():
        if flags[flag] is not None:
            data[key] = flags[flag]
    if flags["timezone"]:
        prefs["timezone"] = flags["timezone"]
    for flag, key in (("session_days", "session_weekdays"), ("strength_days", "strength_weekdays")):
        days = _weekdays(flags[flag])
        if days is not None:
            prefs[key] = days
    if flags["session_time"]:
        try:
            prefs["session_time"] = dt.time.fromisoformat(flags["session_time"])
        except ValueError:
            fail(f"bad --session-time {flags['session_time']!r}: use HH:MM")
    if flags["goal_run_min"]:
        prefs["goal_run_min"] = flags["goal_run_min"]
    data["preferences"] = prefs
    clear = dict(data.get("clearances") or {})
    for name in flags["clearances"]:
        clear[CLEARANCE_FLAGS[name]] = True
    for name in flags["revoke"]:
        clear[CLEARANCE_FLAGS[name]] = False
    data["clearances"] = clear
    return data


def _print_floors(profile: AthleteProfile) -> None:
    from walkrun.floors import describe

    floors = describe(profile.condition)
    if floors:
        out.print(f"Safety floors for {profile.condition.label} (no protocol can relax them):")
        for line in floors:
            out.print(f"  - {line}")


def _first_error(exc: ValidationError) -> str:
    return plain_error(exc)


def _save_revision(c: Ctx, athlete_id: str, reason: str) -> int | None:
    from walkrun.revisions import store_revision

    rev = store_revision(c.store, c.registry, athlete_id, c.today(athlete_id), reason)["revision"]
    return int(rev) if rev is not None else None


# ---- log / clinical -------------------------------------------------------------
@cli.command()
@click.option("--date", "day", type=DATE, help="Day of the session or check-in (default: today).")
@click.option("--walk-min", type=click.FloatRange(0, 600), help="Minutes of brisk walking done.")
@click.option("--run-min", type=click.FloatRange(0, 600), help="Minutes of running done.")
@click.option("--pain-during", type=PAIN, help="Pain during, 0-10.")
@click.option("--pain-after", type=PAIN, help="Pain after, 0-10.")
@click.option("--pain-next-morning", type=PAIN, help="Pain the next morning, 0-10 (can be added the next day).")
@click.option("--night-pain", is_flag=True, help="Pain woke you or kept you up at night.")
@click.option("--note", default="", help="Free text.")
@click.option("--correct", is_flag=True, help="Replace a mistaken score for --date (needs --reason; kept in history).")
@click.option("--reason", default="", help="Why a score is corrected (with --correct).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored check-in and today's session as JSON.")
@click.pass_obj
def log(
    c: Ctx,
    /,
    day: dt.date | None,
    as_json: bool,
    note: str,
    night_pain: bool,
    correct: bool,
    reason: str,
    **values: Any,
) -> None:
    """Record a check-in: pain scores, and optionally a session done by hand.

    Check-ins are never overwritten: logging a date again adds to it, and the worst score reported for a
    date stands. A mistaken score is replaced only with --correct --reason, which stays in the history.
    """
    from walkrun.athlete import plan_for
    from walkrun.models import CheckIn
    from walkrun.views import status_view

    athlete_id = c.athlete_id()
    profile = c.store.profile(athlete_id)
    today = c.today(athlete_id)
    if day is None:
        day = _morning_after(c, athlete_id, today, values)
    if day > today:
        fail(f"--date {day} is in the future (today is {today})")
    if day < profile.injury_date:
        fail(f"--date {day} is before the injury date {profile.injury_date}: nothing before the injury is evidence")
    if all(v is None for v in values.values()) and not night_pain and not note:
        fail("nothing to log: give pain scores, --night-pain, --walk-min/--run-min or --note")
    if correct and not reason.strip():
        fail("--correct needs --reason TEXT: a correction is kept in the history with why it was made")
    if reason and not correct:
        fail("--reason goes with --correct")
    checkin = CheckIn(date=day, night_pain=night_pain, note=note, correction=correct, reason=reason, **values)
    _warn_if_lower(c, athlete_id, checkin)
    c.store.add_checkin(athlete_id, checkin)
    rev = _save_revision(c, athlete_id, f"check-in {day} logged")
    ap = plan_for(c.store, c.registry, athlete_id, today)
    if as_json:
        emit_json({"checkin": checkin.model_dump(mode="json"), "revision": rev, "status": status_view(ap.plan)})
        return
    out.print(f"Logged {day} for {athlete_id}: {_describe(checkin)}")
    if checkin.has_session and checkin.pain_during is None and checkin.pain_after is None:
        err.print("[yellow]Note:[/] no pain scores given, so this session cannot count as pain-free.")
    new = [d for d in ap.plan.decisions if d.date == day and not d.projected]
    for d in new:
        out.print(f"  → {d.action}: {d.rule} — {d.evidence}")
    print_next(ap.plan.sessions[:3])
    _log_hint(c, athlete_id, checkin, ap)


def _morning_after(c: Ctx, athlete_id: str, today: dt.date, values: dict[str, Any]) -> dt.date:
    """A next-morning score logged with no date belongs to yesterday's session when today has none."""
    only_morning = values.get("pain_next_morning") is not None and all(
        v is None for k, v in values.items() if k != "pain_next_morning"
    )
    if not only_morning:
        return today
    from walkrun.athlete import load_history

    history, _ = load_history(c.store, c.store.profile(athlete_id))
    days = {s.date for s in history.sessions}
    yesterday = today - dt.timedelta(days=1)
    if today not in days and yesterday in days:
        err.print(f"Next-morning pain added to yesterday's session ({yesterday}): it is the morning after it.")
        return yesterday
    return today


def _warn_if_lower(c: Ctx, athlete_id: str, new: CheckIn) -> None:
    """Say so when a lower score will not replace a worse one already recorded for that date."""
    from walkrun.history import merge_checkins

    if new.correction:
        return
    old = merge_checkins(x for x in c.store.checkins(athlete_id) if x.date == new.date).get(new.date)
    if old is None:
        return
    lower = [
        f"{k.removeprefix('pain_').replace('_', ' ')} {getattr(old, k)}/10"
        for k in ("pain_during", "pain_after", "pain_next_morning")
        if getattr(new, k) is not None and getattr(old, k) is not None and getattr(new, k) < getattr(old, k)
    ]
    if lower:
        err.print(
            f"[yellow]Note:[/] the worst score recorded for {new.date} stands ({', '.join(lower)}); "
            "to fix a mistake use --correct --reason TEXT."
        )


def _describe(c: CheckIn) -> str:
    parts = []
    if c.walk_min:
        parts.append(f"walk {c.walk_min:g} min")
    if c.run_min:
        parts.append(f"run {c.run_min:g} min")
    for label, value in (("during", c.pain_during), ("after", c.pain_after), ("next morning", c.pain_next_morning)):
        if value is not None:
            parts.append(f"pain {label} {value}/10")
    if c.night_pain:
        parts.append("night pain")
    if c.note:
        parts.append(f"note: {c.note}")
    if c.correction:
        parts.append(f"correction: {c.reason}")
    return ", ".join(parts)


@cli.command()
@click.option("--date", "day", type=DATE, help="Day of the test (default: today).")
@click.option("--test", "test_id", required=True, metavar="TEST-NAME", help="Test id (see walkrun protocols).")
@click.option("--result", type=click.Choice(["pass", "fail"]), required=True)
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def clinical(c: Ctx, day: dt.date | None, test_id: str, result: str, note: str, as_json: bool) -> None:
    """Record a clinical test or clearance-drill result (pass/fail). `walkrun tests` shows how to do each."""
    from walkrun.models import ClinicalTestResult
    from walkrun.progression import CLINICIAN_REVIEW, floored

    athlete_id = c.athlete_id()
    profile = c.store.profile(athlete_id)
    protocol = floored(c.registry.protocol_for(profile.condition, profile.protocol_id), profile)
    today = c.today(athlete_id)
    day = day or today
    if day > today:
        fail(f"--date {day} is in the future (today is {today})")
    if day < profile.injury_date:
        fail(f"--date {day} is before the injury date {profile.injury_date}: a test before the injury is not evidence")
    test = protocol.test(test_id)
    if test is None and test_id != CLINICIAN_REVIEW:
        known = ", ".join([t.id for t in protocol.clinical_tests] + [CLINICIAN_REVIEW])
        fail(f"unknown test {test_id!r} for protocol {protocol.id}; known: {known} (how to do each: walkrun tests)")
    if test is not None and test.hop and protocol.is_bone and not profile.clearances.hop_tests_allowed:
        fail(
            f"{test_id} is a hop test: not offered for {profile.condition.label} until a clinician enables it "
            f"(walkrun init --athlete {athlete_id} --clearance hop-tests)"
        )
    record = ClinicalTestResult(test=test_id, date=day, passed=result == "pass", note=note)
    c.store.add_clinical(athlete_id, record)
    rev = _save_revision(c, athlete_id, f"clinical test {test_id} {result} on {day}")
    if as_json:
        emit_json({"clinical_test": record.model_dump(mode="json"), "revision": rev})
        return
    out.print(f"Recorded {test_id}: {result} on {day} for {athlete_id}")
    c.hint(f"see the gate: {c.command('status', athlete=athlete_id)} (how to do each test: walkrun tests)")


ATHLETE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LOG_EXAMPLE = "log --walk-min 30 --pain-during 0 --pain-after 0"


def _check_init_values(athlete_id: str, flags: dict[str, Any]) -> None:
    """Plain words before the models' own validation gets to speak in library terms."""
    if not ATHLETE_ID_RE.match(athlete_id):
        fail(f"athlete id may use letters, digits, - and _ (got {athlete_id!r})")
    if flags.get("timezone"):
        check_zone(flags["timezone"])


def _refuse_future_injury(c: Ctx, profile: AthleteProfile, flags: dict[str, Any]) -> None:
    today = c.now(profile.preferences.timezone)
    if flags.get("injury_date") is not None and profile.injury_date > today:
        fail(f"--injury-date {profile.injury_date} is in the future (today is {today}): give the day it happened")


def _log_hint(c: Ctx, athlete_id: str, checkin: CheckIn, ap: AthletePlan) -> None:
    from walkrun.history import merge_checkins

    day = merge_checkins(ap.history.checkins).get(checkin.date, checkin)
    had_session = checkin.has_session or any(s.date == checkin.date for s in ap.history.sessions)
    if had_session and day.pain_next_morning is None:
        nxt = checkin.date + dt.timedelta(days=1)
        cmd = c.command(f"log --date {checkin.date} --pain-next-morning 0", athlete=athlete_id)
        c.hint(f"on the morning of {nxt}, add how the hip feels (0-10): {cmd}")
    else:
        c.hint(f"see where you stand: {c.command('status', athlete=athlete_id)}")


def _with_import_hint(cmd: click.Command) -> None:
    import functools

    original = cmd.callback
    assert original is not None

    @functools.wraps(original)
    def callback(**params: Any) -> Any:
        c = click.get_current_context().find_object(Ctx)
        before = _activity_count(c) if c is not None else -1
        result = original(**params)
        if c is not None:
            _after_import(c, params, before)
        return result

    cmd.callback = callback


def _activity_count(c: Ctx) -> int:
    try:
        return c.store.activity_count(c.athlete_id())
    except WalkrunError:
        return -1  # the command itself reports the problem


def _after_import(c: Ctx, params: dict[str, Any], before: int) -> None:
    """After an athlete's first successful import: what to do next (the summary itself is cli_import's)."""
    if params.get("as_json") or params.get("show_errors") or before != 0:
        return
    athlete_id = c.athlete_id()
    if c.store.activity_count(athlete_id):
        c.hint(f"log today's check-in with: {c.command(LOG_EXAMPLE, athlete=athlete_id)}")
        c.hint(f"then see where you stand: {c.command('status', athlete=athlete_id)}")


cli.on_load["import"] = _with_import_hint


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the demo's final status as JSON.")
@click.pass_obj
def demo(c: Ctx, as_json: bool) -> None:
    """Run walkrun end to end on built-in sample data (its own fresh folder unless --home is given)."""
    from walkrun.demo import run_demo

    run_demo(c, as_json=as_json)


# One line each in `walkrun --help` (the docstrings say more in `walkrun COMMAND --help`).
init.short_help = "Create an athlete (or change their details)."
log.short_help = "Record a check-in: pain scores, a session done by hand."
clinical.short_help = "Record a clinical test result (pass/fail)."
demo.short_help = "Run everything on built-in sample data."


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
    if word is not None and (word in cli.commands or word in LAZY_COMMANDS) and not overridable:
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
    except click.ClickException as exc:
        die(exc.format_message(), exc.exit_code)
    except WalkrunError as exc:
        die(plain_words(str(exc)))
    except Exception as exc:
        pydantic = sys.modules.get("pydantic")
        if pydantic is not None and isinstance(exc, pydantic.ValidationError):
            die(plain_error(exc))
        raise
