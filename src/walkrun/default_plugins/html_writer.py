"""The plan as one printable, self-contained HTML page.

Everything is inline (CSS, SVG charts drawn here) and nothing is fetched, so
the file can be emailed, opened offline or printed in a clinic. Output is
deterministic: the only date on the page that is not data is ``plan.today``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from walkrun.errors import UsageError
from walkrun.history import DoneSession, History
from walkrun.hookspecs import hookimpl
from walkrun.models import CONDITION_LABELS
from walkrun.plan import Phase, Plan, Session, SessionKind, Step, StepKind
from walkrun.writers import ExportContext, Writer, atomic_write, display_source

__all__ = ["HtmlWriter", "RatioPoint", "WeekTotals", "ratio_points", "render_html", "weekly_totals"]

# Okabe-Ito blue and vermillion: distinguishable with the common colour-vision
# deficiencies and at least 3:1 against white, as WCAG asks of graphics.
WALK_COLOUR = "#0072B2"
RUN_COLOUR = "#D55E00"
INK = "#1a1a1a"
MUTED = "#4d4d4d"
GRID = "#d0d0d0"

DEFAULT_HISTORY_DAYS = 42
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_PHASES = {
    Phase.WEIGHT_BEARING: "Weight-bearing",
    Phase.BRISK_WALK: "Brisk-walk build-up",
    Phase.GATE: "At the gate to running",
    Phase.WALK_RUN: "Walk-run",
    Phase.CONTINUOUS: "Continuous easy running",
    Phase.REFERRED: "Referred to a clinician",
}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class WeekTotals:
    """Seconds of brisk walking and running in one Monday-to-Sunday week."""

    week_start: dt.date
    brisk_done_s: int = 0
    brisk_planned_s: int = 0
    run_done_s: int = 0
    run_planned_s: int = 0

    @property
    def brisk_min(self) -> float:
        return (self.brisk_done_s + self.brisk_planned_s) / 60

    @property
    def run_min(self) -> float:
        return (self.run_done_s + self.run_planned_s) / 60


@dataclass(frozen=True)
class RatioPoint:
    """One planned session with running in it."""

    date: dt.date
    run_s: int
    walk_s: int
    provisional: bool
    title: str

    @property
    def run_share(self) -> float:
        total = self.run_s + self.walk_s
        return self.run_s / total if total else 0.0


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _done_sessions(plan: Plan, history: History) -> list[DoneSession]:
    # A history that runs past the plan date is not the plan's past; leave it out.
    return [s for s in history.sessions if s.date <= plan.today]


def _planned_sessions(plan: Plan, history: History) -> list[Session]:
    # A day that was already done is shown as done, not counted a second time.
    done_days = {s.date for s in _done_sessions(plan, history)}
    return [s for s in plan.sessions if s.date >= plan.today and s.date not in done_days]


def _planned_brisk_s(session: Session) -> int:
    return sum(step.seconds_of({StepKind.BRISK_WALK}) for step in session.steps)


def weekly_totals(plan: Plan, history: History) -> list[WeekTotals]:
    """Every week from the first done session (or the plan date) to the plan's end.

    Done minutes come from ``history.sessions`` as recorded (a hand-logged walk
    counts as brisk); planned brisk minutes are the ``brisk_walk`` steps of the
    planned sessions, not the recovery walks inside walk-run sessions.
    """
    done = _done_sessions(plan, history)
    planned = _planned_sessions(plan, history)
    days = [s.date for s in done] + [s.date for s in planned] + [plan.today]
    first, last = _monday(min(days)), _monday(max(days))
    weeks: dict[dt.date, dict[str, int]] = {}
    day = first
    while day <= last:
        weeks[day] = {"brisk_done_s": 0, "brisk_planned_s": 0, "run_done_s": 0, "run_planned_s": 0}
        day += dt.timedelta(days=7)
    for d in done:
        week = weeks[_monday(d.date)]
        week["brisk_done_s"] += d.brisk_walk_s
        week["run_done_s"] += d.run_s
    for s in planned:
        week = weeks[_monday(s.date)]
        week["brisk_planned_s"] += _planned_brisk_s(s)
        week["run_planned_s"] += s.run_s
    return [WeekTotals(start, **totals) for start, totals in weeks.items()]


def ratio_points(plan: Plan, history: History) -> list[RatioPoint]:
    """The planned sessions that include running, in date order."""
    return [
        RatioPoint(s.date, s.run_s, s.walk_s, s.provisional, s.title)
        for s in _planned_sessions(plan, history)
        if s.run_s > 0
    ]


# --------------------------------------------------------------------------- text helpers


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(x: float) -> str:
    """Short, stable SVG coordinates: one decimal, no trailing zeros."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _short_date(day: dt.date) -> str:
    # Own month names: strftime("%b") follows the process locale, which would
    # make the bytes depend on the machine.
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _day_label(day: dt.date) -> str:
    return f"{_DAYS[day.weekday()]} {_short_date(day)}"


def _long_date(day: dt.date) -> str:
    return f"{_day_label(day)} {day.year}"


def _time(day: dt.date, text: str | None = None) -> str:
    return f'<time datetime="{day.isoformat()}">{_e(text or _long_date(day))}</time>'


def _duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"


def _minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min"


ExerciseSeen = dict[tuple[str, tuple[str, ...]], dt.date]


def _step_text(step: Step, day: dt.date, seen: ExerciseSeen) -> str:
    if step.kind is StepKind.REPEAT:
        inner = " + ".join(_step_text(s, day, seen) for s in step.steps)
        return f"{step.repeat_count or 1} × ({inner})"
    text = _e(step.label or step.kind.value.replace("_", " "))
    if step.duration_s and _duration(step.duration_s) not in (step.label or ""):
        text += f" {_duration(step.duration_s)}"
    if step.exercises:
        # The same strength stage and drills repeat for weeks; spelling them out
        # every time would double the printed length, so later days point back.
        if len(step.exercises) >= 3:
            key = (step.label, tuple(step.exercises))
            first = seen.setdefault(key, day)
            if first != day:
                return f'<strong>{text}</strong>: as on <a href="#day-{first.isoformat()}">{_day_label(first)}</a>'
        listed = ", ".join(_e(x) for x in step.exercises)
        # Protocols sometimes repeat the label inside the only exercise ("optional: Optional: ...").
        if len(step.exercises) == 1 and step.exercises[0].lower().startswith(step.label.lower()):
            return listed
        text = f"<strong>{text}</strong>: {listed}"
    return text


def _steps_html(session: Session, seen: ExerciseSeen) -> str:
    if session.kind is SessionKind.REST:
        return "—"
    items = "".join(f"<li>{_step_text(st, session.date, seen)}</li>" for st in session.steps)
    return f'<ol class="steps">{items}</ol>'


def _badge(text: str, cls: str, title: str = "") -> str:
    attr = f' title="{_e(title)}"' if title else ""
    return f'<span class="badge {cls}"{attr}>{_e(text)}</span>'


def _pain(value: int | None) -> str:
    return "?" if value is None else str(value)


# --------------------------------------------------------------------------- charts


def _nice_step(top: float, ticks: int = 5) -> float:
    """A 1-2-5 step that splits 0..top into at most ``ticks`` intervals."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)


_PATTERNS = f"""<defs>
<pattern id="hatch-walk" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">\
<rect width="6" height="6" fill="#ffffff"/><rect width="2.5" height="6" fill="{WALK_COLOUR}"/></pattern>
<pattern id="hatch-run" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">\
<rect width="6" height="6" fill="#ffffff"/><rect width="2.5" height="6" fill="{RUN_COLOUR}"/></pattern>
</defs>"""


LEGEND_ROW = 20


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, max_width: float) -> tuple[str, int]:
    """(swatch svg, label) pairs flowed into rows; returns the markup and the number of rows.

    Widths are estimated from the label length (no font metrics without a
    browser), generously, so labels never run into the next swatch.
    """
    out = ['<g class="legend">']
    gx, row = 0.0, 0
    for swatch, label in items:
        width = 20 + len(label) * 7 + 24
        if gx > 0 and gx + width > max_width:
            gx, row = 0.0, row + 1
        out.append(
            f'<g transform="translate({_num(x + gx)},{_num(y + row * LEGEND_ROW)})">{swatch}'
            f'<text x="20" y="10">{_e(label)}</text></g>'
        )
        gx += width
    out.append("</g>")
    return "".join(out), row + 1


def _bar_swatch(colour: str, planned: bool) -> str:
    fill = f"url(#hatch-{'walk' if colour == WALK_COLOUR else 'run'})" if planned else colour
    return f'<rect x="0" y="0" width="14" height="12" fill="{fill}" stroke="{colour}"/>'


def weekly_legend_items(gate: tuple[int, int] | None) -> list[tuple[str, str]]:
    items = [
        (_bar_swatch(WALK_COLOUR, False), "brisk walk, done"),
        (_bar_swatch(WALK_COLOUR, True), "brisk walk, planned"),
        (_bar_swatch(RUN_COLOUR, False), "running, done"),
        (_bar_swatch(RUN_COLOUR, True), "running, planned"),
    ]
    if gate:
        items.append(
            (
                f'<line x1="0" x2="14" y1="6" y2="6" stroke="{MUTED}" stroke-width="2" stroke-dasharray="3 2"/>',
                f"gate: {gate[0]} × {gate[1]}-min walks a week",
            )
        )
    return items


RATIO_LEGEND = [
    (f'<circle cx="7" cy="6" r="5" fill="{RUN_COLOUR}" stroke="{RUN_COLOUR}"/>', "confirmed session"),
    (f'<circle cx="7" cy="6" r="5" fill="#ffffff" stroke="{RUN_COLOUR}" stroke-width="2"/>', "provisional session"),
]


def _phone_legend(items: Sequence[tuple[str, str]]) -> str:
    """The chart's legend as wrapping HTML, for screens narrower than the (scrolling) chart."""
    entries = "".join(
        f'<li><svg width="14" height="12" viewBox="0 0 14 12" aria-hidden="true">{swatch}</svg>{_e(label)}</li>'
        for swatch, label in items
    )
    return f'<ul class="phone-legend">{entries}</ul>'


def weekly_chart_svg(weeks: Sequence[WeekTotals], today: dt.date, gate: tuple[int, int] | None = None) -> str:
    """Grouped bars per week: brisk walking and running, done (solid) and planned (hatched).

    ``gate`` is (walks per week, minutes per walk) and draws the gate's weekly
    walking volume as a reference line.
    """
    width, plot_h = 760, 250
    left, right, bottom = 52, 16, 50
    plot_w = width - left - right
    gate_min = gate[0] * gate[1] if gate else 0
    legend, legend_rows = _legend(weekly_legend_items(gate), left, 8, plot_w)
    top = 8 + legend_rows * LEGEND_ROW + 18
    height = top + plot_h + bottom
    n = max(len(weeks), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.4, 16)
    peak = max([w.brisk_min for w in weeks] + [w.run_min for w in weeks] + [gate_min, 1])
    step = _nice_step(peak)
    y_max = step * math.ceil(peak / step)

    def y(minutes: float) -> float:
        return top + plot_h - minutes / y_max * plot_h

    first, last = weeks[0].week_start, weeks[-1].week_start
    walk_peak = max(w.brisk_min for w in weeks)
    run_peak = max(w.run_min for w in weeks)
    desc = (
        f"Minutes per week from {_long_date(first)} to the week of {_long_date(last)}; solid bars are done, "
        f"hatched bars are planned. Brisk walking peaks at {round(walk_peak)} min a week, "
        f"running at {round(run_peak)} min a week. Today is {_long_date(today)}."
    )
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="weekly-title weekly-desc" class="chart-svg">',
        '<title id="weekly-title">Weekly brisk-walk and running minutes, done and planned</title>',
        f'<desc id="weekly-desc">{_e(desc)}</desc>',
        _PATTERNS,
    ]
    out.append(legend)
    # Axes and grid.
    out.append('<g class="axis y-axis">')
    tick = 0.0
    while tick <= y_max + 1e-9:
        ty = y(tick)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(ty)}" y2="{_num(ty)}" class="grid"/>'
            f'<text x="{left - 6}" y="{_num(ty + 4)}" text-anchor="end">{_num(tick)}</text>'
        )
        tick += step
    out.append(
        f'<text transform="translate(14,{_num(top + plot_h / 2)}) rotate(-90)" text-anchor="middle" '
        f'class="axis-title">minutes per week</text></g>'
    )
    label_every = max(1, math.ceil(44 / slot))
    out.append('<g class="axis x-axis">')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" class="axis-line"/>')
    for i, w in enumerate(weeks):
        if i % label_every == 0:
            cx = left + (i + 0.5) * slot
            out.append(
                f'<line x1="{_num(cx)}" x2="{_num(cx)}" y1="{top + plot_h}" y2="{top + plot_h + 4}" '
                f'class="axis-line"/><text x="{_num(cx)}" y="{top + plot_h + 17}" text-anchor="middle">'
                f"{_short_date(w.week_start)}</text>"
            )
    out.append(
        f'<text x="{_num(left + plot_w / 2)}" y="{height - 8}" text-anchor="middle" class="axis-title">'
        "week starting Monday</text></g>"
    )
    # Bars: done at the bottom, planned stacked on top (the current week has both).
    for series, colour, done_attr, planned_attr, offset in (
        ("brisk-walk", WALK_COLOUR, "brisk_done_s", "brisk_planned_s", -bar_w - 0.5),
        ("running", RUN_COLOUR, "run_done_s", "run_planned_s", 0.5),
    ):
        hatch = f"url(#hatch-{'walk' if series == 'brisk-walk' else 'run'})"
        out.append(f'<g class="series" data-series="{series}">')
        for i, w in enumerate(weeks):
            done_min = getattr(w, done_attr) / 60
            planned_min = getattr(w, planned_attr) / 60
            x = left + (i + 0.5) * slot + offset
            what = series.replace("-", " ")
            for amount, base, fill, state in (
                (done_min, 0.0, colour, "done"),
                (planned_min, done_min, hatch, "planned"),
            ):
                if amount <= 0:
                    continue
                y_top, y_base = y(base + amount), y(base)
                out.append(
                    f'<rect x="{_num(x)}" y="{_num(y_top)}" width="{_num(bar_w)}" '
                    f'height="{_num(y_base - y_top)}" fill="{fill}" stroke="{colour}" stroke-width="1">'
                    f"<title>Week of {_short_date(w.week_start)} {w.week_start.year}: {what} "
                    f"{round(amount)} min {state}</title></rect>"
                )
        out.append("</g>")
    if gate:
        gy = y(gate_min)
        out.append(
            f'<g class="gate-line"><line x1="{left}" x2="{left + plot_w}" y1="{_num(gy)}" y2="{_num(gy)}" '
            f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="3 2"><title>gate: {gate_min} min a week '
            "of long pain-free walks</title></line></g>"
        )
    index = next((i for i, w in enumerate(weeks) if w.week_start == _monday(today)), None)
    if index is not None:
        tx = left + (index + today.weekday() / 7) * slot
        out.append(
            f'<g class="today-line"><line x1="{_num(tx)}" x2="{_num(tx)}" y1="{top - 6}" y2="{top + plot_h}" '
            f'stroke="{INK}" stroke-dasharray="5 3"/>'
            f'<text x="{_num(tx + 4)}" y="{top + 4}" class="note">today</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def ratio_chart_svg(points: Sequence[RatioPoint], start: dt.date, end: dt.date) -> str:
    """Running share of each planned session's time, with the run:walk ratio on the axis."""
    width, plot_h = 760, 180
    left, right, bottom = 96, 16, 40
    plot_w = width - left - right
    legend, legend_rows = _legend(RATIO_LEGEND, left, 8, plot_w)
    top = 8 + legend_rows * LEGEND_ROW + 14
    height = top + plot_h + bottom
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + (day - start).days / span * plot_w

    def y(share: float) -> float:
        return top + plot_h - share * plot_h

    if points:
        desc = (
            f"{len(points)} planned sessions with running, from {_long_date(points[0].date)} to "
            f"{_long_date(points[-1].date)}. Running rises from {round(points[0].run_share * 100)}% to "
            f"{round(points[-1].run_share * 100)}% of session time; filled dots are confirmed, hollow dots "
            "provisional."
        )
    else:
        desc = "No running is planned yet: the gate to running is not open."
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="ratio-title ratio-desc" class="chart-svg">',
        '<title id="ratio-title">Run:walk ratio of the planned sessions</title>',
        f'<desc id="ratio-desc">{_e(desc)}</desc>',
        legend if points else "",  # nothing to explain without dots
        '<g class="axis y-axis">',
    ]
    for share, label in (
        (0, "0% walk only"),
        (0.25, "25% · 1:3"),
        (0.5, "50% · 1:1"),
        (0.75, "75% · 3:1"),
        (1, "100% run"),
    ):
        ty = y(share)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(ty)}" y2="{_num(ty)}" class="grid"/>'
            f'<text x="{left - 6}" y="{_num(ty + 4)}" text-anchor="end">{label}</text>'
        )
    out.append("</g>")
    out.append('<g class="axis x-axis">')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" class="axis-line"/>')
    month = dt.date(start.year, start.month, 1)
    ticks = [start]
    while True:
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if month > end:
            break
        ticks.append(month)
    for i, day in enumerate(ticks):
        tx = x(day)
        if i > 0 and tx - x(start) < 56:
            continue  # would overprint the start date's label
        text = _short_date(day) if i == 0 else _MONTHS[day.month - 1] + (f" {day.year}" if day.month == 1 else "")
        out.append(
            f'<line x1="{_num(tx)}" x2="{_num(tx)}" y1="{top + plot_h}" y2="{top + plot_h + 4}" class="axis-line"/>'
            f'<text x="{_num(tx)}" y="{top + plot_h + 17}" text-anchor="{"start" if i == 0 else "middle"}">'
            f"{text}</text>"
        )
    out.append(
        f'<text x="{_num(left + plot_w / 2)}" y="{height - 6}" text-anchor="middle" class="axis-title">'
        "share of each session spent running (run:walk)</text></g>"
    )
    out.append('<g class="series" data-series="run-walk-ratio">')
    if points:
        path = " ".join(f"{_num(x(p.date))},{_num(y(p.run_share))}" for p in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{RUN_COLOUR}" stroke-width="1.5"/>')
        for p in points:
            fill = "#ffffff" if p.provisional else RUN_COLOUR
            out.append(
                f'<circle cx="{_num(x(p.date))}" cy="{_num(y(p.run_share))}" r="3.5" fill="{fill}" '
                f'stroke="{RUN_COLOUR}" stroke-width="1.5"><title>{_e(_day_label(p.date))}: {_e(p.title)} — run '
                f"{_minutes(p.run_s)}, walk {_minutes(p.walk_s)} ({round(p.run_share * 100)}% running"
                f"{', provisional' if p.provisional else ''})</title></circle>"
            )
    else:
        out.append(
            f'<text x="{_num(left + plot_w / 2)}" y="{_num(top + plot_h / 2)}" text-anchor="middle" class="note">'
            "No running planned yet: the gate to running is not open.</text>"
        )
    out.append("</g></svg>")
    return "".join(out)


# --------------------------------------------------------------------------- page sections


EMPTY_CELL_ATTR = ' class="empty"'


def _table(cls: str, caption: str, headers: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    """A table whose cells carry their header as ``data-label`` for the phone layout."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = []
    for row_cls, cells in rows:
        tds = "".join(
            f'<td data-label="{_e(h)}"{EMPTY_CELL_ATTR if c == "—" else ""}>{c}</td>'
            for h, c in zip(headers, cells, strict=True)
        )
        body.append(f'<tr class="{row_cls}">{tds}</tr>' if row_cls else f"<tr>{tds}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<table class="{cls}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _header(plan: Plan, context: ExportContext) -> str:
    profile, protocol = context.profile, context.protocol
    who = profile.name or profile.athlete_id
    gate = plan.gate
    if gate.open:
        gate_text = "Open" + (f" since {_time(gate.opened_on)}" if gate.opened_on else "")
    else:
        met = sum(c.met for c in gate.criteria)
        gate_text = f"Closed: {met} of {len(gate.criteria)} criteria met"
        if gate.earliest_date:
            gate_text += f"; not before {_time(gate.earliest_date)}"
    today_session = plan.session_on(plan.today)
    facts = [
        ("Athlete", f'{_e(who)} <span class="muted">({_e(profile.athlete_id)})</span>'),
        ("Condition", _e(f"{CONDITION_LABELS[profile.condition]}, {profile.side.value} side")),
        ("Injured", _time(profile.injury_date)),
    ]
    if profile.full_weight_bearing_date:
        facts.append(("Full weight-bearing", _time(profile.full_weight_bearing_date)))
    facts.append(("Protocol", f'{_e(protocol.name)} <span class="muted">({_e(protocol.id)})</span>'))
    cards = [
        ("Phase", _e(_PHASES.get(plan.phase, plan.phase.value))),
        ("Level", _e(plan.level or "—")),
        ("Gate to running", gate_text),
        ("Today", _e(today_session.title) if today_session else "—"),
    ]
    return (
        '<header class="page-header">'
        f"<h1>Return-to-run plan: {_e(who)}</h1>"
        f'<p class="asof">Plan as of {_time(plan.today)}</p>'
        '<dl class="facts">'
        + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
        + '</dl><div class="cards">'
        + "".join(
            f'<div class="card"><div class="card-k">{k}</div><div class="card-v">{v}</div></div>' for k, v in cards
        )
        + "</div></header>"
    )


def _gate_section(plan: Plan) -> str:
    rows = []
    for c in plan.gate.criteria:
        status = _badge("✓ met", "b-met") if c.met else _badge("✗ not met", "b-unmet")
        rows.append(
            (
                "gate-met" if c.met else "gate-unmet",
                [status, _e(c.name), _e(c.evidence), f'<span class="src">{_e(c.source)}</span>'],
            )
        )
    intro = (
        "Running starts only when every criterion below is met on recorded evidence."
        if not plan.gate.open
        else "Every criterion was met on recorded evidence; running is part of the plan."
    )
    return (
        '<section id="gate" aria-labelledby="gate-h"><h2 id="gate-h">Gate to running</h2>'
        f"<p>{intro}</p>" + _table("stack gate", "", ["Status", "Criterion", "Evidence", "Source"], rows) + "</section>"
    )


def _scroller(svg: str) -> str:
    # On a phone the chart keeps a readable minimum width and scrolls sideways;
    # tabindex lets keyboard users scroll it too.
    return (
        f'<div class="chart-scroll" tabindex="0">{svg}</div>'
        '<p class="swipe-hint muted">Swipe sideways to see the whole chart.</p>'
    )


def _charts_section(plan: Plan, context: ExportContext) -> str:
    history = context.history
    weeks = weekly_totals(plan, history)
    points = ratio_points(plan, history)
    gate = context.protocol.gate
    end = plan.sessions[-1].date if plan.sessions else plan.today
    rows = [
        (
            "",
            [
                _time(w.week_start, _short_date(w.week_start) + f" {w.week_start.year}"),
                _minutes(w.brisk_done_s),
                _minutes(w.brisk_planned_s),
                _minutes(w.run_done_s),
                _minutes(w.run_planned_s),
            ],
        )
        for w in weeks
    ]
    return (
        '<section id="progress" aria-labelledby="progress-h"><h2 id="progress-h">Progress and plan</h2>'
        '<figure class="chart">'
        + _phone_legend(weekly_legend_items((gate.walks_per_week, gate.walk_min)))
        + _scroller(weekly_chart_svg(weeks, plan.today, (gate.walks_per_week, gate.walk_min)))
        + "<figcaption>Done minutes are what was recorded (a hand-logged walk counts as brisk). Planned brisk "
        "minutes are the brisk-walk sessions only, not the walking inside walk-run sessions. Planned sessions "
        "after the first are provisional: they assume each earlier session goes pain-free.</figcaption></figure>"
        '<figure class="chart">'
        + (_phone_legend(RATIO_LEGEND) if points else "")
        + _scroller(ratio_chart_svg(points, plan.today, end))
        + "<figcaption>Each dot is one planned session with running: the share of its time spent running, "
        "warm-up and cool-down walks included. 50% is a 1:1 run:walk ratio.</figcaption></figure>"
        '<details class="chart-data"><summary>Chart data as a table</summary>'
        + _table(
            "stack data",
            "",
            ["Week of", "Brisk walk done", "Brisk walk planned", "Running done", "Running planned"],
            rows,
        )
        + "</details></section>"
    )


def _session_row(s: Session, today: dt.date, seen: ExerciseSeen, show_reason: bool) -> tuple[str, list[str]]:
    status = []
    if s.date == today:
        status.append(_badge("today", "b-today"))
    if s.provisional:
        status.append(_badge("provisional", "b-provisional", "assumes the earlier planned sessions go pain-free"))
    else:
        status.append(_badge("confirmed", "b-confirmed"))
    title = f"<strong>{_e(s.title)}</strong>"
    if s.reason and show_reason:
        title += f'<div class="reason">{_e(s.reason)}</div>'
    total = "—"
    if s.total_s:
        total = _minutes(s.total_s)
        if s.run_s:
            total += f'<div class="muted">run {_minutes(s.run_s)}</div>'
    cls = f"kind-{s.kind.value}" + (" is-provisional" if s.provisional else "")
    # Status badges sit under the date rather than in their own column: the
    # steps need the width, especially on paper.
    day = f'<span id="day-{s.date.isoformat()}">{_time(s.date, _day_label(s.date))}</span>'
    return cls, [
        f'{day}<div class="status">{" ".join(status)}</div>',
        title,
        _steps_html(s, seen),
        _e(s.intensity) or "—",
        total,
    ]


def _print_effort_note(plan: Plan) -> str:
    """On paper the Effort column repeats one phrase per kind on every row; say it once instead."""
    efforts: dict[str, str] = {}
    for s in plan.sessions:
        if s.intensity:
            efforts.setdefault(
                s.title.split(" ")[0] if s.kind is SessionKind.STRENGTH else _KIND_WORDS[s.kind], s.intensity
            )
    if not efforts:
        return ""
    listed = "; ".join(f"{_e(kind)}: {_e(effort)}" for kind, effort in efforts.items())
    return (
        f'<p class="print-only">Effort — {listed}. Sessions in italics are provisional; '
        "“as on” points to the day a strength stage is spelled out.</p>"
    )


_KIND_WORDS = {
    SessionKind.BRISK_WALK: "brisk walks",
    SessionKind.WALK_RUN: "walk-runs",
    SessionKind.RUN: "runs",
    SessionKind.STRENGTH: "strength",
    SessionKind.CROSS_TRAINING: "cross-training",
    SessionKind.REST: "rest days",
}


def _sessions_section(plan: Plan) -> str:
    weeks: dict[dt.date, list[Session]] = {}
    for s in plan.sessions:
        weeks.setdefault(_monday(s.date), []).append(s)
    parts = [
        '<section id="sessions" aria-labelledby="sessions-h"><h2 id="sessions-h">Sessions week by week</h2>'
        "<p>Provisional sessions assume every earlier session is pain-free during, after and the next morning; "
        "the plan is recalculated from what you log. Under each session is the rule behind it, shown the first "
        "time in a week and whenever it changes.</p>" + _print_effort_note(plan)
    ]
    seen: ExerciseSeen = {}
    for n, (monday, sessions) in enumerate(weeks.items(), start=1):
        run = sum(s.run_s for s in sessions)
        brisk = sum(_planned_brisk_s(s) for s in sessions)
        active = sum(s.kind in (SessionKind.WALK_RUN, SessionKind.RUN, SessionKind.BRISK_WALK) for s in sessions)
        sunday = monday + dt.timedelta(days=6)
        summary = f"{active} walks/runs · running {_minutes(run)} · brisk walking {_minutes(brisk)}"
        hid = f"week-{monday.isoformat()}"
        # A rule repeated on every row of a week is noise (and paper); each week
        # still states it once so a printed page reads on its own.
        last_reason: dict[SessionKind, str] = {}
        rows = []
        for s in sessions:
            rows.append(_session_row(s, plan.today, seen, last_reason.get(s.kind) != s.reason))
            last_reason[s.kind] = s.reason
        later = " later" if n > PRINT_DETAIL_WEEKS else ""
        parts.append(
            f'<section class="week{later}" aria-labelledby="{hid}"><h3 id="{hid}">Week {n}: '
            f"{_time(monday, _short_date(monday))} – {_time(sunday, _long_date(sunday))}"
            f'<span class="week-sum">{summary}</span></h3>'
            + _table(
                "stack sessions",
                "",
                ["Day", "Session", "Steps", "Effort", "Time"],
                rows,
            )
            + "</section>"
        )
    if len(weeks) > PRINT_DETAIL_WEEKS:
        parts.append(_print_grid(weeks))
    parts.append("</section>")
    return "".join(parts)


PRINT_DETAIL_WEEKS = 2  # on paper, the weeks after these are one line each


def _grid_label(s: Session) -> str:
    if s.kind is SessionKind.REST:
        return '<span class="muted">rest</span>'
    if s.kind is SessionKind.STRENGTH:
        return _e(s.title.split(".")[0])  # "Strength 6. One-leg plyometrics ..." -> "Strength 6"
    label = _e(s.title)
    return f"<strong>{label}</strong>" if s.run_s else label


def _print_grid(weeks: dict[dt.date, list[Session]]) -> str:
    """Paper only: every week as one row of seven days, after the first weeks in full detail."""
    rows = []
    for n, (monday, sessions) in enumerate(weeks.items(), start=1):
        by_day = {s.date.weekday(): s for s in sessions}
        cells = [_grid_label(by_day[d]) if d in by_day else "" for d in range(7)]
        rows.append(
            f'<tr><th scope="row">{n}<br>{_short_date(monday)}</th>{"".join(f"<td>{c}</td>" for c in cells)}</tr>'
        )
    head = "".join(f'<th scope="col">{d}</th>' for d in _DAYS)
    return (
        '<div class="print-only print-grid"><h3>Every week at a glance</h3>'
        f"<p>Weeks {PRINT_DETAIL_WEEKS + 1} onwards in full detail are on the screen version of this page.</p>"
        f'<table class="grid"><thead><tr><th scope="col">Week</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _done_section(plan: Plan, history: History, days: int) -> str:
    since = plan.today - dt.timedelta(days=days)
    done = [s for s in _done_sessions(plan, history) if s.date >= since]
    rows = []
    for s in done:
        c = s.checkin
        pain = "not reported"
        note_parts: list[str] = []
        if c is not None:
            pain = f"{_pain(c.pain_during)} / {_pain(c.pain_after)} / {_pain(c.pain_next_morning)}"
            if c.night_pain:
                note_parts.append("<strong>night pain</strong>")
            if c.note:
                note_parts.append(_e(c.note))
        note_parts += [f'<span class="warn">{_e(w)}</span>' for w in s.warnings]
        rows.append(
            (
                "",
                [
                    _time(s.date, _day_label(s.date)),
                    _minutes(s.brisk_walk_s)
                    + (f' <span class="muted">of {_minutes(s.walk_s)}</span>' if s.walk_s != s.brisk_walk_s else ""),
                    _minutes(s.run_s) if s.run_s else "—",
                    pain,
                    "; ".join(note_parts) or "—",
                    f'<span class="from">{_e(display_source(s.source))}</span>',
                ],
            )
        )
    body = (
        _table(
            "stack done",
            "",
            ["Date", "Brisk walk", "Running", "Pain during / after / next morning", "Notes", "From"],
            rows,
        )
        if rows
        else "<p>No sessions recorded in this period.</p>"
    )
    return (
        '<section id="done" aria-labelledby="done-h">'
        f'<h2 id="done-h">Done in the last {days} days</h2>'
        "<p>Pain is scored 0–10; “?” means not reported, which never counts as pain-free.</p>" + body + "</section>"
    )


def _decisions_section(plan: Plan) -> str:
    # On paper a full citation on every row took most of the pages: rows cite a number instead.
    refs = {source: n for n, source in enumerate(dict.fromkeys(d.source for d in plan.decisions if d.source), 1)}
    rows = []
    for d in plan.decisions:
        action = _e(d.action)
        if d.projected:
            action += " " + _badge("projected", "b-projected", "assumes the planned sessions before it go pain-free")
        level = "—"
        if d.level_from or d.level_to:
            level = f"{_e(d.level_from or '—')} → {_e(d.level_to or '—')}"
        rows.append(
            (
                "is-projected" if d.projected else "",
                [
                    _time(d.date, _short_date(d.date) + f" {d.date.year}"),
                    action,
                    level,
                    _e(d.rule),
                    _e(d.evidence),
                    f'<span class="src">{_e(d.source)}</span>'
                    + (f'<span class="print-ref">[{refs[d.source]}]</span>' if d.source else ""),
                ],
            )
        )
    body = (
        _table("stack decisions", "", ["Date", "Action", "Level", "Rule", "Evidence", "Source"], rows)
        if rows
        else "<p>No decisions yet.</p>"
    )
    if refs:
        items = "".join(f"<li>{_e(source)}</li>" for source in refs)
        body += f'<div class="print-only"><h3>Sources</h3><ol class="refs">{items}</ol></div>'

    return (
        '<section id="decisions" aria-labelledby="decisions-h"><h2 id="decisions-h">Why the plan looks like this</h2>'
        "<p>Every change records the rule that fired, the evidence it used and where the rule comes from. "
        "Projected decisions are what will happen if the planned sessions before them go pain-free.</p>"
        + body
        + "</section>"
    )


def _warnings_section(plan: Plan) -> str:
    if not plan.warnings:
        items = "<p>No warnings.</p>"
    else:
        items = (
            '<ul class="warnings">'
            + "".join(
                f"<li>{_time(w.date, _short_date(w.date) + f' {w.date.year}')} "
                f'<span class="badge b-unmet">{_e(w.kind)}</span> {_e(w.message)}</li>'
                for w in plan.warnings
            )
            + "</ul>"
        )
    return f'<section id="warnings" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2>{items}</section>'


_CSS = f"""
:root {{ color-scheme: light; }}
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }}
body {{ margin: 0 auto; max-width: 1120px; padding: 24px; background: #fff; color: {INK};
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }}
h1 {{ font-size: 1.7em; margin: 0 0 .2em; line-height: 1.2; }}
h2 {{ font-size: 1.3em; margin: 1.6em 0 .5em; padding-bottom: .2em; border-bottom: 2px solid {INK}; }}
h3 {{ font-size: 1.05em; margin: 1.2em 0 .4em; }}
p {{ margin: .4em 0 .8em; }}
.asof, .muted, .reason, .src, figcaption, .week-sum {{ color: {MUTED}; }}
.reason, .src, .week-sum {{ font-size: .85em; }}
.week-sum {{ display: block; font-weight: normal; }}
.facts {{ display: flex; flex-wrap: wrap; gap: 4px 24px; margin: .6em 0; }}
.facts div {{ display: flex; gap: 6px; }}
.facts dt {{ font-weight: 600; }}
.facts dt::after {{ content: ":"; }}
.facts dd {{ margin: 0; }}
.cards {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px; margin: 12px 0; }}
.card {{ border: 1px solid #8c8c8c; border-radius: 6px; padding: 8px 12px; }}
.card-k {{ font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: {MUTED}; }}
.card-v {{ font-size: 1.1em; font-weight: 600; }}
table {{ width: 100%; border-collapse: collapse; margin: .4em 0 1em; }}
th, td {{ text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid {GRID};
  overflow-wrap: break-word; }}
th {{ font-size: .85em; border-bottom: 1.5px solid {INK}; }}
table.sessions {{ table-layout: fixed; }}
table.sessions th:nth-child(1) {{ width: 8.5em; }}
table.sessions th:nth-child(2) {{ width: 25%; }}
table.sessions th:nth-child(4) {{ width: 17%; }}
table.sessions th:nth-child(5) {{ width: 6em; }}
.status {{ margin-top: 2px; }}
table.gate th:nth-child(1) {{ width: 7em; }}
table.gate th:nth-child(2) {{ width: 22%; }}
table.gate th:nth-child(4) {{ width: 24%; }}
table.decisions, table.gate, table.done {{ table-layout: fixed; }}
table.decisions th:nth-child(1) {{ width: 6.5em; }}
table.decisions th:nth-child(2) {{ width: 8em; }}
table.decisions th:nth-child(3) {{ width: 6.5em; }}
table.decisions th:nth-child(4) {{ width: 13%; }}
table.decisions th:nth-child(6) {{ width: 20%; }}
table.done th:nth-child(1) {{ width: 7.5em; }}
table.done th:nth-child(2), table.done th:nth-child(3) {{ width: 10%; }}
table.done th:nth-child(4) {{ width: 18%; }}
table.done th:nth-child(6) {{ width: 10.5em; }}
/* File names break at dots, never one letter per line. */
.from {{ font-size: .85em; overflow-wrap: normal; word-break: normal; hyphens: none; }}
tr.kind-rest td {{ color: {MUTED}; }}
tr.kind-walk_run td:first-child, tr.kind-run td:first-child {{ box-shadow: inset 4px 0 0 {RUN_COLOUR}; }}
tr.kind-brisk_walk td:first-child {{ box-shadow: inset 4px 0 0 {WALK_COLOUR}; }}
tr.is-projected td {{ font-style: italic; }}
tr.is-projected td .badge {{ font-style: normal; }}
ol.steps {{ margin: 0; padding-left: 1.2em; }}
ol.steps li {{ margin: 0 0 2px; }}
.badge {{ display: inline-block; border: 1px solid currentColor; border-radius: 999px; padding: 0 7px;
  font-size: .8em; white-space: nowrap; margin: 0 2px 2px 0; }}
.b-met, .b-confirmed {{ color: #1b6e35; }}
.b-unmet, .warn {{ color: #b0192b; }}
.b-provisional, .b-projected {{ color: {MUTED}; border-style: dashed; }}
.b-today {{ color: {INK}; font-weight: 600; border-width: 2px; }}
a {{ color: {WALK_COLOUR}; }}
figure.chart {{ margin: 0 0 1.2em; }}
.chart-svg {{ display: block; width: 100%; height: auto; font-size: 12px; font-family: inherit; }}
.chart-svg text {{ fill: {INK}; }}
.chart-svg .note {{ fill: {MUTED}; font-size: 11px; }}
.chart-svg .axis-title {{ fill: {MUTED}; }}
.chart-svg .grid {{ stroke: {GRID}; stroke-width: 1; }}
.chart-svg .axis-line {{ stroke: {INK}; stroke-width: 1; }}
figcaption {{ font-size: .85em; margin-top: 4px; }}
.swipe-hint, .print-only, .phone-legend, .print-ref {{ display: none; }}
details.chart-data summary {{ cursor: pointer; }}
ul.warnings {{ padding-left: 1.2em; }}
footer {{ margin-top: 2em; padding-top: .6em; border-top: 1px solid {GRID}; font-size: .85em; color: {MUTED}; }}
@media (max-width: 600px) {{
  body {{ padding: 12px; font-size: 15px; }}
  h1 {{ font-size: 1.4em; }}
  .cards {{ grid-template-columns: 1fr 1fr; }}
  .facts {{ display: block; }}
  .chart-scroll {{ overflow-x: auto; }}
  .chart-svg {{ min-width: 640px; }}
  table.stack, table.stack tbody, table.stack tr, table.stack td {{ display: block; width: 100%; }}
  table.stack thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  table.stack tr {{ border-bottom: 1px solid #8c8c8c; padding: 6px 0; }}
  table.stack td {{ border: 0; padding: 2px 0 2px 7.5em; position: relative; min-height: 1.4em; }}
  table.stack td::before {{ content: attr(data-label); position: absolute; left: 0; width: 7em;
    font-weight: 600; font-size: .85em; color: {MUTED}; }}
  table.stack td.empty {{ display: none; }}
  tr.kind-walk_run td:first-child, tr.kind-run td:first-child, tr.kind-brisk_walk td:first-child {{
    box-shadow: none; }}
  tr.kind-walk_run, tr.kind-run {{ border-left: 4px solid {RUN_COLOUR}; padding-left: 8px !important; }}
  tr.kind-brisk_walk {{ border-left: 4px solid {WALK_COLOUR}; padding-left: 8px !important; }}
  .swipe-hint {{ display: block; }}
  /* The chart scrolls sideways on a phone; its legend must not scroll out of view. */
  .chart-svg .legend {{ display: none; }}
  .phone-legend {{ display: flex; flex-wrap: wrap; gap: 2px 14px; list-style: none; margin: 0 0 4px; padding: 0;
    font-size: .85em; }}
  .phone-legend li {{ display: flex; align-items: center; gap: 5px; }}
}}
@media print {{
  @page {{ margin: 12mm 10mm; }}
  body {{ max-width: none; padding: 0; font-size: 8.5pt; line-height: 1.25; }}
  table.sessions th:nth-child(1) {{ width: 7.5em; }}
  table.sessions th:nth-child(2) {{ width: 30%; }}
  ol.steps li {{ margin: 0; }}
  table.sessions td:nth-child(4), table.sessions td:nth-child(5) {{ font-size: .9em; }}
  h2 {{ margin-top: 1em; }}
  th, td {{ padding: 3px 5px; }}
  .reason, .src, .week-sum, figcaption {{ font-size: .8em; }}
  .week {{ margin-bottom: 6px; }}
  table {{ margin-bottom: .4em; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  h3 {{ break-after: avoid; page-break-after: avoid; }}
  /* Weeks may run across a page (rows never do): keeping each week whole left half pages empty. */
  figure.chart, tr, .card {{ break-inside: avoid; page-break-inside: avoid; }}
  .chart-svg {{ max-height: 120mm; }}
  details.chart-data {{ display: none; }}
  .cards {{ grid-template-columns: repeat(4, minmax(0, 1fr)); }}
  a {{ color: inherit; text-decoration: none; }}
  /* Paper: one or two lines per session. Steps run inline, the effort phrase is said
     once above the weeks, provisional sessions are italics instead of a badge line. */
  .print-only {{ display: block; }}
  ol.steps {{ padding-left: 0; list-style: none; }}
  ol.steps li {{ display: inline; }}
  ol.steps li + li::before {{ content: " · "; color: {MUTED}; }}
  table.sessions th:nth-child(4), table.sessions td:nth-child(4) {{ display: none; }}
  table.sessions th:nth-child(1) {{ width: 6.8em; }}
  table.sessions th:nth-child(2) {{ width: 34%; }}
  table.sessions th:nth-child(5) {{ width: 4.5em; }}
  .status .b-provisional, .status .b-confirmed {{ display: none; }}
  tr.is-provisional td {{ font-style: italic; }}
  tr.kind-rest td {{ padding-top: 1px; padding-bottom: 1px; }}
  .week h3 {{ margin: .6em 0 .2em; }}
  .week.later {{ display: none; }}
  table.decisions .src {{ display: none; }}
  table.decisions .print-ref {{ display: inline; }}
  table.decisions th:nth-child(6) {{ width: 4.6em; }}
  ol.refs {{ font-size: .85em; padding-left: 1.6em; }}
  table.grid {{ table-layout: fixed; font-size: .9em; }}
  table.grid th:first-child {{ width: 5.5em; }}
  table.grid td, table.grid th {{ padding: 2px 3px; line-height: 1.2; }}
}}
"""


def render_html(plan: Plan, context: ExportContext) -> str:
    """The whole page: header, gate checklist, charts, sessions, history, decisions, warnings."""
    days = _history_days(context.options)
    who = context.profile.name or context.profile.athlete_id
    title = f"Return-to-run plan: {who} ({plan.today.isoformat()})"
    body = "".join(
        [
            _header(plan, context),
            "<main>",
            _gate_section(plan),
            _charts_section(plan, context),
            _sessions_section(plan),
            _done_section(plan, context.history, days),
            _decisions_section(plan),
            _warnings_section(plan),
            "</main>",
            f"<footer><p>Made by walkrun from the {_e(context.protocol.name)} protocol "
            f"({_e(context.protocol.id)}) on the data recorded up to {_time(plan.today)}. Pain is the guide: "
            "log every session, and talk to your clinician about any pain.</p></footer>",
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        '<meta name="generator" content="walkrun">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _history_days(options: dict[str, str]) -> int:
    raw = options.get("history_days", str(DEFAULT_HISTORY_DAYS))
    try:
        days = int(raw)
    except ValueError:
        days = -1
    if not 0 <= days <= 3660:
        raise UsageError(f"html writer: history_days must be a whole number of days from 0 to 3660, got {raw!r}")
    return days


class HtmlWriter(Writer):
    """``<athlete>-plan.html``: one printable page with the gate, charts, sessions and decisions."""

    name = "html"
    description = "Printable, self-contained HTML plan with charts (no scripts, nothing fetched)"
    extension = ".html"

    def write(self, plan: Plan, context: ExportContext, out_dir: Path) -> list[Path]:
        page = render_html(plan, context)
        return [atomic_write(out_dir / f"{plan.athlete_id}-plan.html", page.encode("utf-8"))]


@hookimpl
def register_writers(register: Callable[[type[Writer]], None]) -> None:
    register(HtmlWriter)
