"""The plan page's sections: header, gate checklist, charts, sessions, history, decisions, warnings.

Each takes the plan (and what else it shows) and returns its HTML; the page
(:func:`walkrun.builtin.writers.html_page.render_html`) puts them in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from walkrun.builtin.writers.html_charts import (
    RATIO_LEGEND,
    phone_legend,
    ratio_chart_svg,
    weekly_chart_svg,
    weekly_legend_items,
)
from walkrun.builtin.writers.html_data import done_sessions, monday_of, planned_brisk_s, ratio_points, weekly_totals
from walkrun.builtin.writers.html_text import (
    DAYS,
    ExerciseSeen,
    badge,
    day_label,
    esc,
    fmt_minutes,
    long_date,
    pain_text,
    short_date,
    steps_html,
    time_tag,
)
from walkrun.domain.history import History
from walkrun.domain.models import CONDITION_LABELS
from walkrun.domain.plan import Phase, Plan, Session, SessionKind
from walkrun.plugins.writers import ExportContext, display_source

PHASES = {
    Phase.WEIGHT_BEARING: "Weight-bearing",
    Phase.BRISK_WALK: "Brisk-walk build-up",
    Phase.GATE: "At the gate to running",
    Phase.WALK_RUN: "Walk-run",
    Phase.CONTINUOUS: "Continuous easy running",
    Phase.REFERRED: "Referred to a clinician",
}


EMPTY_CELL_ATTR = ' class="empty"'


def table_html(cls: str, caption: str, headers: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    """A table whose cells carry their header as ``data-label`` for the phone layout."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = []
    for row_cls, cells in rows:
        tds = "".join(
            f'<td data-label="{esc(h)}"{EMPTY_CELL_ATTR if c == "—" else ""}>{c}</td>'
            for h, c in zip(headers, cells, strict=True)
        )
        body.append(f'<tr class="{row_cls}">{tds}</tr>' if row_cls else f"<tr>{tds}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return f'<table class="{cls}">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def header(plan: Plan, context: ExportContext) -> str:
    profile, protocol = context.profile, context.protocol
    who = profile.name or profile.athlete_id
    gate = plan.gate
    if gate.open:
        gate_text = "Open" + (f" since {time_tag(gate.opened_on)}" if gate.opened_on else "")
    else:
        met = sum(c.met for c in gate.criteria)
        gate_text = f"Closed: {met} of {len(gate.criteria)} criteria met"
        if gate.earliest_date:
            gate_text += f"; not before {time_tag(gate.earliest_date)}"
    today_session = plan.session_on(plan.today)
    facts = [
        ("Athlete", f'{esc(who)} <span class="muted">({esc(profile.athlete_id)})</span>'),
        ("Condition", esc(f"{CONDITION_LABELS[profile.condition]}, {profile.side.value} side")),
        ("Injured", time_tag(profile.injury_date)),
    ]
    if profile.full_weight_bearing_date:
        facts.append(("Full weight-bearing", time_tag(profile.full_weight_bearing_date)))
    facts.append(("Protocol", f'{esc(protocol.name)} <span class="muted">({esc(protocol.id)})</span>'))
    cards = [
        ("Phase", esc(PHASES.get(plan.phase, plan.phase.value))),
        ("Level", esc(plan.level or "—")),
        ("Gate to running", gate_text),
        ("Today", esc(today_session.title) if today_session else "—"),
    ]
    return (
        '<header class="page-header">'
        f"<h1>Return-to-run plan: {esc(who)}</h1>"
        f'<p class="asof">Plan as of {time_tag(plan.today)}</p>'
        '<dl class="facts">'
        + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
        + '</dl><div class="cards">'
        + "".join(
            f'<div class="card"><div class="card-k">{k}</div><div class="card-v">{v}</div></div>' for k, v in cards
        )
        + "</div></header>"
    )


def gate_section(plan: Plan) -> str:
    rows = []
    for c in plan.gate.criteria:
        status = badge("✓ met", "b-met") if c.met else badge("✗ not met", "b-unmet")
        rows.append(
            (
                "gate-met" if c.met else "gate-unmet",
                [status, esc(c.name), esc(c.evidence), f'<span class="src">{esc(c.source)}</span>'],
            )
        )
    intro = (
        "Running starts only when every criterion below is met on recorded evidence."
        if not plan.gate.open
        else "Every criterion was met on recorded evidence; running is part of the plan."
    )
    return (
        '<section id="gate" aria-labelledby="gate-h"><h2 id="gate-h">Gate to running</h2>'
        f"<p>{intro}</p>"
        + table_html("stack gate", "", ["Status", "Criterion", "Evidence", "Source"], rows)
        + "</section>"
    )


def _scroller(svg: str) -> str:
    # On a phone the chart keeps a readable minimum width and scrolls sideways;
    # tabindex lets keyboard users scroll it too.
    return (
        f'<div class="chart-scroll" tabindex="0">{svg}</div>'
        '<p class="swipe-hint muted">Swipe sideways to see the whole chart.</p>'
    )


def charts_section(plan: Plan, context: ExportContext) -> str:
    history = context.history
    weeks = weekly_totals(plan, history)
    points = ratio_points(plan, history)
    gate = context.protocol.gate
    end = plan.sessions[-1].date if plan.sessions else plan.today
    rows = [
        (
            "",
            [
                time_tag(w.week_start, short_date(w.week_start) + f" {w.week_start.year}"),
                fmt_minutes(w.brisk_done_s),
                fmt_minutes(w.brisk_planned_s),
                fmt_minutes(w.run_done_s),
                fmt_minutes(w.run_planned_s),
            ],
        )
        for w in weeks
    ]
    return (
        '<section id="progress" aria-labelledby="progress-h"><h2 id="progress-h">Progress and plan</h2>'
        '<figure class="chart">'
        + phone_legend(weekly_legend_items((gate.walks_per_week, gate.walk_min)))
        + _scroller(weekly_chart_svg(weeks, plan.today, (gate.walks_per_week, gate.walk_min)))
        + "<figcaption>Done minutes are what was recorded (a hand-logged walk counts as brisk). Planned brisk "
        "minutes are the brisk-walk sessions only, not the walking inside walk-run sessions. Planned sessions "
        "after the first are provisional: they assume each earlier session goes pain-free.</figcaption></figure>"
        '<figure class="chart">'
        + (phone_legend(RATIO_LEGEND) if points else "")
        + _scroller(ratio_chart_svg(points, plan.today, end))
        + "<figcaption>Each dot is one planned session with running: the share of its time spent running, "
        "warm-up and cool-down walks included. 50% is a 1:1 run:walk ratio.</figcaption></figure>"
        '<details class="chart-data"><summary>Chart data as a table</summary>'
        + table_html(
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
        status.append(badge("today", "b-today"))
    if s.provisional:
        status.append(badge("provisional", "b-provisional", "assumes the earlier planned sessions go pain-free"))
    else:
        status.append(badge("confirmed", "b-confirmed"))
    title = f"<strong>{esc(s.title)}</strong>"
    if s.reason and show_reason:
        title += f'<div class="reason">{esc(s.reason)}</div>'
    total = "—"
    if s.total_s:
        total = fmt_minutes(s.total_s)
        if s.run_s:
            total += f'<div class="muted">run {fmt_minutes(s.run_s)}</div>'
    cls = f"kind-{s.kind.value}" + (" is-provisional" if s.provisional else "")
    # Status badges sit under the date rather than in their own column: the
    # steps need the width, especially on paper.
    day = f'<span id="day-{s.date.isoformat()}">{time_tag(s.date, day_label(s.date))}</span>'
    return cls, [
        f'{day}<div class="status">{" ".join(status)}</div>',
        title,
        steps_html(s, seen),
        esc(s.intensity) or "—",
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
    listed = "; ".join(f"{esc(kind)}: {esc(effort)}" for kind, effort in efforts.items())
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


def sessions_section(plan: Plan) -> str:
    weeks: dict[dt.date, list[Session]] = {}
    for s in plan.sessions:
        weeks.setdefault(monday_of(s.date), []).append(s)
    parts = [
        '<section id="sessions" aria-labelledby="sessions-h"><h2 id="sessions-h">Sessions week by week</h2>'
        "<p>Provisional sessions assume every earlier session is pain-free during, after and the next morning; "
        "the plan is recalculated from what you log. Under each session is the rule behind it, shown the first "
        "time in a week and whenever it changes.</p>" + _print_effort_note(plan)
    ]
    seen: ExerciseSeen = {}
    for n, (monday, sessions) in enumerate(weeks.items(), start=1):
        run = sum(s.run_s for s in sessions)
        brisk = sum(planned_brisk_s(s) for s in sessions)
        active = sum(s.kind in (SessionKind.WALK_RUN, SessionKind.RUN, SessionKind.BRISK_WALK) for s in sessions)
        sunday = monday + dt.timedelta(days=6)
        summary = f"{active} walks/runs · running {fmt_minutes(run)} · brisk walking {fmt_minutes(brisk)}"
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
            f"{time_tag(monday, short_date(monday))} – {time_tag(sunday, long_date(sunday))}"
            f'<span class="week-sum">{summary}</span></h3>'
            + table_html(
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
        return esc(s.title.split(".")[0])  # "Strength 6. One-leg plyometrics ..." -> "Strength 6"
    label = esc(s.title)
    return f"<strong>{label}</strong>" if s.run_s else label


def _print_grid(weeks: dict[dt.date, list[Session]]) -> str:
    """Paper only: every week as one row of seven days, after the first weeks in full detail."""
    rows = []
    for n, (monday, sessions) in enumerate(weeks.items(), start=1):
        by_day = {s.date.weekday(): s for s in sessions}
        cells = [_grid_label(by_day[d]) if d in by_day else "" for d in range(7)]
        rows.append(
            f'<tr><th scope="row">{n}<br>{short_date(monday)}</th>{"".join(f"<td>{c}</td>" for c in cells)}</tr>'
        )
    head = "".join(f'<th scope="col">{d}</th>' for d in DAYS)
    return (
        '<div class="print-only print-grid"><h3>Every week at a glance</h3>'
        f"<p>Weeks {PRINT_DETAIL_WEEKS + 1} onwards in full detail are on the screen version of this page.</p>"
        f'<table class="grid"><thead><tr><th scope="col">Week</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def done_section(plan: Plan, history: History, days: int) -> str:
    since = plan.today - dt.timedelta(days=days)
    done = [s for s in done_sessions(plan, history) if s.date >= since]
    rows = []
    for s in done:
        c = s.checkin
        pain = "not reported"
        note_parts: list[str] = []
        if c is not None:
            pain = f"{pain_text(c.pain_during)} / {pain_text(c.pain_after)} / {pain_text(c.pain_next_morning)}"
            if c.night_pain:
                note_parts.append("<strong>night pain</strong>")
            if c.note:
                note_parts.append(esc(c.note))
        note_parts += [f'<span class="warn">{esc(w)}</span>' for w in s.warnings]
        rows.append(
            (
                "",
                [
                    time_tag(s.date, day_label(s.date)),
                    fmt_minutes(s.brisk_walk_s)
                    + (f' <span class="muted">of {fmt_minutes(s.walk_s)}</span>' if s.walk_s != s.brisk_walk_s else ""),
                    fmt_minutes(s.run_s) if s.run_s else "—",
                    pain,
                    "; ".join(note_parts) or "—",
                    f'<span class="from">{esc(display_source(s.source))}</span>',
                ],
            )
        )
    body = (
        table_html(
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


def decisions_section(plan: Plan) -> str:
    # On paper a full citation on every row took most of the pages: rows cite a number instead.
    refs = {source: n for n, source in enumerate(dict.fromkeys(d.source for d in plan.decisions if d.source), 1)}
    rows = []
    for d in plan.decisions:
        action = esc(d.action)
        if d.projected:
            action += " " + badge("projected", "b-projected", "assumes the planned sessions before it go pain-free")
        level = "—"
        if d.level_from or d.level_to:
            level = f"{esc(d.level_from or '—')} → {esc(d.level_to or '—')}"
        rows.append(
            (
                "is-projected" if d.projected else "",
                [
                    time_tag(d.date, short_date(d.date) + f" {d.date.year}"),
                    action,
                    level,
                    esc(d.rule),
                    esc(d.evidence),
                    f'<span class="src">{esc(d.source)}</span>'
                    + (f'<span class="print-ref">[{refs[d.source]}]</span>' if d.source else ""),
                ],
            )
        )
    body = (
        table_html("stack decisions", "", ["Date", "Action", "Level", "Rule", "Evidence", "Source"], rows)
        if rows
        else "<p>No decisions yet.</p>"
    )
    if refs:
        items = "".join(f"<li>{esc(source)}</li>" for source in refs)
        body += f'<div class="print-only"><h3>Sources</h3><ol class="refs">{items}</ol></div>'

    return (
        '<section id="decisions" aria-labelledby="decisions-h"><h2 id="decisions-h">Why the plan looks like this</h2>'
        "<p>Every change records the rule that fired, the evidence it used and where the rule comes from. "
        "Projected decisions are what will happen if the planned sessions before them go pain-free.</p>"
        + body
        + "</section>"
    )


def warnings_section(plan: Plan) -> str:
    if not plan.warnings:
        items = "<p>No warnings.</p>"
    else:
        items = (
            '<ul class="warnings">'
            + "".join(
                f"<li>{time_tag(w.date, short_date(w.date) + f' {w.date.year}')} "
                f'<span class="badge b-unmet">{esc(w.kind)}</span> {esc(w.message)}</li>'
                for w in plan.warnings
            )
            + "</ul>"
        )
    return f'<section id="warnings" aria-labelledby="warnings-h"><h2 id="warnings-h">Warnings</h2>{items}</section>'
