"""``walkrun log`` and ``clinical``: what the athlete reports (pain, sessions by hand, test results)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from walkrun.cli.core import DATE, PAIN, Ctx, emit_json, err, fail, out, print_next, save_revision

if TYPE_CHECKING:
    from walkrun.app.athlete import AthletePlan
    from walkrun.domain.models import CheckIn


@click.command()
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
    from walkrun.app.athlete import plan_for
    from walkrun.app.views import status_view
    from walkrun.domain.models import CheckIn

    athlete_id = c.athlete_id()
    today = c.today(athlete_id)
    day = _log_day(c, athlete_id, today, day, values)
    if all(v is None for v in values.values()) and not night_pain and not note:
        fail("nothing to log: give pain scores, --night-pain, --walk-min/--run-min or --note")
    if correct and not reason.strip():
        fail("--correct needs --reason TEXT: a correction is kept in the history with why it was made")
    if reason and not correct:
        fail("--reason goes with --correct")
    checkin = CheckIn(date=day, night_pain=night_pain, note=note, correction=correct, reason=reason, **values)
    _warn_if_lower(c, athlete_id, checkin)
    c.store.add_checkin(athlete_id, checkin)
    rev = save_revision(c, athlete_id, f"check-in {day} logged")
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


def _log_day(c: Ctx, athlete_id: str, today: dt.date, day: dt.date | None, values: dict[str, Any]) -> dt.date:
    """The day a check-in belongs to: given, or today (yesterday for a lone next-morning score)."""
    profile = c.store.profile(athlete_id)
    if day is None:
        day = _morning_after(c, athlete_id, today, values)
    if day > today:
        fail(f"--date {day} is in the future (today is {today})")
    if day < profile.injury_date:
        fail(f"--date {day} is before the injury date {profile.injury_date}: nothing before the injury is evidence")
    return day


def _morning_after(c: Ctx, athlete_id: str, today: dt.date, values: dict[str, Any]) -> dt.date:
    """A next-morning score logged with no date belongs to yesterday's session when today has none."""
    only_morning = values.get("pain_next_morning") is not None and all(
        v is None for k, v in values.items() if k != "pain_next_morning"
    )
    if not only_morning:
        return today
    from walkrun.app.athlete import load_history

    history, _ = load_history(c.store, c.store.profile(athlete_id))
    days = {s.date for s in history.sessions}
    yesterday = today - dt.timedelta(days=1)
    if today not in days and yesterday in days:
        err.print(f"Next-morning pain added to yesterday's session ({yesterday}): it is the morning after it.")
        return yesterday
    return today


def _warn_if_lower(c: Ctx, athlete_id: str, new: CheckIn) -> None:
    """Say so when a lower score will not replace a worse one already recorded for that date."""
    from walkrun.domain.history import merge_checkins

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


@click.command()
@click.option("--date", "day", type=DATE, help="Day of the test (default: today).")
@click.option("--test", "test_id", required=True, metavar="TEST-NAME", help="Test id (see walkrun protocols).")
@click.option("--result", type=click.Choice(["pass", "fail"]), required=True)
@click.option("--note", default="")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def clinical(c: Ctx, day: dt.date | None, test_id: str, result: str, note: str, as_json: bool) -> None:
    """Record a clinical test or clearance-drill result (pass/fail). `walkrun tests` shows how to do each."""
    from walkrun.domain.models import ClinicalTestResult
    from walkrun.engine.progression import CLINICIAN_REVIEW, floored

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
    rev = save_revision(c, athlete_id, f"clinical test {test_id} {result} on {day}")
    if as_json:
        emit_json({"clinical_test": record.model_dump(mode="json"), "revision": rev})
        return
    out.print(f"Recorded {test_id}: {result} on {day} for {athlete_id}")
    c.hint(f"see the gate: {c.command('status', athlete=athlete_id)} (how to do each test: walkrun tests)")


def _log_hint(c: Ctx, athlete_id: str, checkin: CheckIn, ap: AthletePlan) -> None:
    from walkrun.domain.history import merge_checkins

    day = merge_checkins(ap.history.checkins).get(checkin.date, checkin)
    had_session = checkin.has_session or any(s.date == checkin.date for s in ap.history.sessions)
    if had_session and day.pain_next_morning is None:
        nxt = checkin.date + dt.timedelta(days=1)
        cmd = c.command(f"log --date {checkin.date} --pain-next-morning 0", athlete=athlete_id)
        c.hint(f"on the morning of {nxt}, add how the hip feels (0-10): {cmd}")
    else:
        c.hint(f"see where you stand: {c.command('status', athlete=athlete_id)}")
