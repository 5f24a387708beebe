"""``<athlete>-summary.html``: the one page a physio reads before a visit.

Who, what injury and how long ago, the gate checklist, where the runner is now,
the last four weeks (check-ins, pain and adherence), the next two weeks and the
red flags. It prints on exactly one A4 or US Letter page: every list on it is
bounded (long ones say how many more), and the full plan stays a separate page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import ClassVar

from walkrun.app.athlete import AthletePlan
from walkrun.app.roster import red_flags
from walkrun.domain.history import merge_checkins
from walkrun.domain.models import CONDITION_LABELS, CheckIn
from walkrun.domain.notes import CoachNote
from walkrun.domain.plan import Plan, SessionKind
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.writers import ExportContext, Writer, atomic_write

__all__ = ["SummaryWriter", "WeekBack", "register_writers", "render_summary", "weeks_back"]

WEEKS_BACK = 4
DAYS_AHEAD = 14
MAX_FLAGS = 6  # more would push the page onto a second sheet; the rest are counted
MAX_EVIDENCE = 150
MAX_NOTES = 2  # the newest; the rest are counted
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DONE = {"done", "overdone"}
# Walks and runs are matched against what was recorded; strength days are not.
TRACKED = {SessionKind.BRISK_WALK, SessionKind.WALK_RUN, SessionKind.RUN}
UNTRACKED = {"unplanned", "rest", "not-tracked"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _day(day: dt.date) -> str:
    # Own names: strftime follows the process locale, and the bytes must not.
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _min(seconds: float) -> str:
    return f"{round(seconds / 60)}"


def _clip(text: str, limit: int = MAX_EVIDENCE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class WeekBack:
    """Seven days before today: what was planned, done and felt."""

    start: dt.date
    planned: int  # walks and runs that were on the plan
    done: int
    partial: int
    missed: int
    run_planned_s: int
    run_done_s: int
    walk_done_s: int
    checkin_days: int
    worst: tuple[int | None, int | None, int | None]  # during, after, next morning
    night_pain: int

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)


def _worst(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def weeks_back(plan: Plan, checkins: Sequence[CheckIn], weeks: int = WEEKS_BACK) -> list[WeekBack]:
    """The last ``weeks`` seven-day blocks before today, oldest first (``plan.past`` must cover them)."""
    by_day = merge_checkins(c for c in checkins if c.date < plan.today)
    out = []
    for n in range(weeks, 0, -1):
        start = plan.today - dt.timedelta(days=7 * n)
        days = [start + dt.timedelta(days=i) for i in range(7)]
        past = [p for p in plan.past if start <= p.session.date <= days[-1] and p.status != "rest"]
        on_plan = [p for p in past if p.session.kind in TRACKED and p.status not in UNTRACKED]
        felt = [by_day[d] for d in days if d in by_day]
        out.append(
            WeekBack(
                start=start,
                planned=len(on_plan),
                done=sum(p.status in _DONE for p in on_plan),
                partial=sum(p.status == "partial" for p in on_plan),
                missed=sum(p.status == "missed" for p in on_plan),
                run_planned_s=sum(p.session.run_s for p in on_plan),
                run_done_s=sum(p.done_run_s for p in past),
                walk_done_s=sum(p.done_walk_s for p in past),
                checkin_days=len(felt),
                worst=(
                    _worst([c.pain_during for c in felt]),
                    _worst([c.pain_after for c in felt]),
                    _worst([c.pain_next_morning for c in felt]),
                ),
                night_pain=sum(c.night_pain for c in felt),
            )
        )
    return out


# --------------------------------------------------------------------------- sections


def _facts(plan: Plan, context: ExportContext) -> str:
    profile, protocol = context.profile, context.protocol
    weeks = (plan.today - profile.injury_date).days / 7
    gate = plan.gate
    met = sum(c.met for c in gate.criteria)
    if gate.open:
        gate_text = "open" + (f" since {_day(gate.opened_on)} {gate.opened_on.year}" if gate.opened_on else "")
    else:
        gate_text = f"closed ({met} of {len(gate.criteria)} met)"
    facts = [
        ("Condition", f"{CONDITION_LABELS[profile.condition]}, {profile.side.value} side"),
        ("Injured", f"{_day(profile.injury_date)} {profile.injury_date.year} ({weeks:.1f} weeks ago)"),
    ]
    if profile.full_weight_bearing_date:
        fwb = profile.full_weight_bearing_date
        facts.append(("Full weight-bearing", f"{_day(fwb)} {fwb.year}"))
    facts += [
        ("Protocol", protocol.name),
        ("Now", f"{plan.phase.value}" + (f", level {plan.level}" if plan.level else "")),
        ("Gate to running", gate_text),
    ]
    return '<dl class="facts">' + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts) + "</dl>"


def _flags(flags: list[str]) -> str:
    if not flags:
        return '<section class="flags none"><h2>Red flags</h2><p>None recorded.</p></section>'
    shown = flags[:MAX_FLAGS]
    more = len(flags) - len(shown)
    items = "".join(f"<li>{_e(_clip(f, 90))}</li>" for f in shown)
    if more:
        items += f'<li class="muted">and {more} more (see the full plan)</li>'
    return f'<section class="flags"><h2>Red flags</h2><ul>{items}</ul></section>'


def _notes(notes: list[CoachNote]) -> str:
    """The coach's newest notes, bounded so the page still prints on one sheet."""
    if not notes:
        return ""
    shown = list(reversed(notes[-MAX_NOTES:]))
    items = "".join(f"<li><strong>{_e(n.heading())}</strong>: {_e(_clip(n.text, 240))}</li>" for n in shown)
    if len(notes) > len(shown):
        items += f'<li class="muted">and {len(notes) - len(shown)} older (walkrun note list)</li>'
    return f'<section class="notes"><h2>Coach notes</h2><ul>{items}</ul></section>'


def _gate(plan: Plan) -> str:
    rows = "".join(
        f'<li class="{"met" if c.met else "unmet"}"><span class="mark" aria-hidden="true">'
        f"{'✓' if c.met else '✗'}</span> <strong>{_e(c.name)}</strong>"
        f'<span class="sr">{"met" if c.met else "not met"}: </span>'
        f' <span class="ev">{_e(_clip(c.evidence))}</span></li>'
        for c in plan.gate.criteria
    )
    return f'<section><h2>Gate checklist</h2><ul class="gate">{rows}</ul></section>'


def _pain_text(worst: tuple[int | None, int | None, int | None]) -> str:
    return " / ".join("?" if v is None else str(v) for v in worst)


def _weeks(weeks: list[WeekBack]) -> str:
    head = (
        "<tr><th scope='col'>Days</th><th scope='col'>Sessions done</th><th scope='col'>Partial / missed</th>"
        "<th scope='col'>Run min done / planned</th><th scope='col'>Walk min</th>"
        "<th scope='col'>Check-in days</th><th scope='col'>Worst pain during / after / morning</th></tr>"
    )
    rows = []
    for w in weeks:
        pain = _pain_text(w.worst) + (f" · night pain ×{w.night_pain}" if w.night_pain else "")
        hurt = ' class="hurt"' if any((v or 0) > 0 for v in w.worst) or w.night_pain else ""
        rows.append(
            f"<tr><th scope='row'>{_day(w.start)} – {_day(w.end)}</th><td>{w.done} of {w.planned}</td>"
            f"<td>{w.partial} / {w.missed}</td><td>{_min(w.run_done_s)} / {_min(w.run_planned_s)}</td>"
            f"<td>{_min(w.walk_done_s)}</td><td>{w.checkin_days} of 7</td>"
            f"<td{hurt}>{_e(pain)}</td></tr>"
        )
    return (
        "<section><h2>Last four weeks</h2>"
        f'<table class="back"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
        '<p class="note">Pain 0–10; “?” = not reported (never counted as pain-free). Sessions: walks, '
        "walk-runs and runs on the plan (strength days are not tracked); done includes more than planned.</p></section>"
    )


def _label(plan: Plan, day: dt.date) -> str:
    s = plan.session_on(day)
    if s is None:
        return '<span class="muted">—</span>'
    if s.kind is SessionKind.REST:
        return '<span class="muted">rest</span>'
    title = s.title.split(".")[0] if s.kind is SessionKind.STRENGTH else s.title
    text = _e(_clip(title, 48))
    return f"<strong>{text}</strong>" if s.run_s else text


def _ahead(plan: Plan) -> str:
    days = [plan.today + dt.timedelta(days=i) for i in range(DAYS_AHEAD)]
    rows = []
    for week in (days[:7], days[7:]):
        cells = "".join(f'<td><span class="d">{_day(d)}</span>{_label(plan, d)}</td>' for d in week)
        rows.append(f"<tr>{cells}</tr>")
    return (
        "<section><h2>Next two weeks</h2>"
        f'<table class="ahead"><tbody>{"".join(rows)}</tbody></table>'
        '<p class="note">Bold days include running. Later days assume the earlier ones go pain-free.</p></section>'
    )


_CSS = """
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 190mm; padding: 12px; color: #1a1a1a; background: #fff;
  font: 10pt/1.3 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 15pt; margin: 0; }
h2 { font-size: 10.5pt; margin: 8px 0 3px; padding-bottom: 1px; border-bottom: 1.5px solid #1a1a1a; }
.asof, .muted, .note, .ev { color: #4d4d4d; }
.note { font-size: 8pt; margin: 2px 0 0; }
.top { display: grid; grid-template-columns: 3fr 2fr; gap: 12px; align-items: start; }
.facts { margin: 4px 0 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { font-weight: 600; min-width: 9.5em; }
.facts dt::after { content: ":"; }
.facts dd { margin: 0; }
.flags { border: 2px solid #b0192b; border-radius: 6px; padding: 0 8px 4px; }
.flags.none { border-color: #1b6e35; }
.flags h2 { border: 0; margin-top: 4px; }
.flags ul { margin: 0; padding-left: 1.1em; color: #b0192b; }
.flags.none p { margin: 0; color: #1b6e35; }
.notes ul { margin: 0; padding-left: 1.1em; }
ul.gate { list-style: none; margin: 0; padding: 0; }
ul.gate li { margin: 1px 0; }
.ev { font-size: 8.5pt; }
.met .mark { color: #1b6e35; font-weight: 700; }
.unmet .mark, .unmet strong, .hurt { color: #b0192b; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { text-align: left; vertical-align: top; padding: 2px 4px; border-bottom: 1px solid #d0d0d0; }
thead th { font-size: 8.5pt; border-bottom: 1.5px solid #1a1a1a; }
table.back th[scope=row] { font-weight: 600; width: 20%; }
table.ahead td { font-size: 8.5pt; border: 1px solid #d0d0d0; height: 3.2em; }
table.ahead .d { display: block; font-size: 7.5pt; color: #4d4d4d; }
footer { margin-top: 6px; font-size: 7.5pt; color: #4d4d4d; }
@media (max-width: 600px) { .top { grid-template-columns: 1fr; } .facts dt { min-width: 0; } }
@media print {
  @page { margin: 10mm; }
  body { max-width: none; padding: 0; }
  section, table, tr { break-inside: avoid; }
}
"""


def render_summary(plan: Plan, context: ExportContext) -> str:
    """The page as a self-contained HTML string (no scripts, no external files)."""
    profile = context.profile
    who = profile.name or profile.athlete_id
    flags = red_flags(AthletePlan(profile, context.protocol, context.history, plan, []))
    body = (
        f"<header><h1>{_e(who)} <span class='muted'>({_e(profile.athlete_id)})</span></h1>"
        f'<p class="asof">Return-to-run summary as of {_day(plan.today)} {plan.today.year}</p></header>'
        f'<div class="top">{_facts(plan, context)}{_flags(flags)}</div>'
        + _notes(context.coach_notes)
        + _gate(plan)
        + _weeks(weeks_back(plan, context.history.checkins))
        + _ahead(plan)
        + f"<footer>walkrun · the full plan, its rules and their sources: {_e(profile.athlete_id)}-plan.html</footer>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Summary: {_e(who)}, {plan.today.isoformat()}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


class SummaryWriter(Writer):
    """``<athlete>-summary.html``: one printable page for the clinician."""

    name: ClassVar[str] = "summary"
    description: ClassVar[str] = "One-page HTML summary for a physio (prints on one A4/Letter page)"
    extension: ClassVar[str] = ".html"
    lookback_days: ClassVar[int] = 7 * WEEKS_BACK

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        data = render_summary(plan, context).encode("utf-8")
        return [atomic_write(out_dir / f"{plan.athlete_id}-summary{self.extension}", data)]


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(SummaryWriter)
