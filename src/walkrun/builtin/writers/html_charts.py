"""The plan page's two SVG charts: weekly minutes (bars) and the run:walk share of each session (dots).

They are drawn here as plain SVG text (no script, no library) with short,
stable coordinates, so the page is deterministic and prints as it shows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from walkrun.builtin.writers.html_data import RatioPoint, WeekTotals, monday_of
from walkrun.builtin.writers.html_style import INK, MUTED, RUN_COLOUR, WALK_COLOUR
from walkrun.builtin.writers.html_text import MONTHS, day_label, esc, fmt_minutes, long_date, num, short_date


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
            f'<g transform="translate({num(x + gx)},{num(y + row * LEGEND_ROW)})">{swatch}'
            f'<text x="20" y="10">{esc(label)}</text></g>'
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


def phone_legend(items: Sequence[tuple[str, str]]) -> str:
    """The chart's legend as wrapping HTML, for screens narrower than the (scrolling) chart."""
    entries = "".join(
        f'<li><svg width="14" height="12" viewBox="0 0 14 12" aria-hidden="true">{swatch}</svg>{esc(label)}</li>'
        for swatch, label in items
    )
    return f'<ul class="phone-legend">{entries}</ul>'


@dataclass(frozen=True)
class _Plot:
    """Where a chart's plot area sits in its SVG, and the value at its top."""

    left: float
    top: float
    width: float
    height: float
    y_max: float

    def y(self, value: float) -> float:
        return self.top + self.height - value / self.y_max * self.height

    @property
    def bottom(self) -> float:
        return self.top + self.height


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
    slot = plot_w / max(len(weeks), 1)
    peak = max([w.brisk_min for w in weeks] + [w.run_min for w in weeks] + [gate_min, 1])
    step = _nice_step(peak)
    plot = _Plot(left, top, plot_w, plot_h, step * math.ceil(peak / step))
    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="weekly-title weekly-desc" class="chart-svg">',
        '<title id="weekly-title">Weekly brisk-walk and running minutes, done and planned</title>',
        f'<desc id="weekly-desc">{esc(_weekly_description(weeks, today))}</desc>',
        _PATTERNS,
        legend,
        _weekly_y_axis(plot, step),
        _weekly_x_axis(plot, weeks, slot, height),
        _weekly_bars(plot, weeks, slot, min(slot * 0.4, 16)),
    ]
    if gate:
        gy = plot.y(gate_min)
        out.append(
            f'<g class="gate-line"><line x1="{left}" x2="{left + plot_w}" y1="{num(gy)}" y2="{num(gy)}" '
            f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="3 2"><title>gate: {gate_min} min a week '
            "of long pain-free walks</title></line></g>"
        )
    index = next((i for i, w in enumerate(weeks) if w.week_start == monday_of(today)), None)
    if index is not None:
        tx = left + (index + today.weekday() / 7) * slot
        out.append(
            f'<g class="today-line"><line x1="{num(tx)}" x2="{num(tx)}" y1="{top - 6}" y2="{top + plot_h}" '
            f'stroke="{INK}" stroke-dasharray="5 3"/>'
            f'<text x="{num(tx + 4)}" y="{top + 4}" class="note">today</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _weekly_description(weeks: Sequence[WeekTotals], today: dt.date) -> str:
    first, last = weeks[0].week_start, weeks[-1].week_start
    walk_peak = max(w.brisk_min for w in weeks)
    run_peak = max(w.run_min for w in weeks)
    return (
        f"Minutes per week from {long_date(first)} to the week of {long_date(last)}; solid bars are done, "
        f"hatched bars are planned. Brisk walking peaks at {round(walk_peak)} min a week, "
        f"running at {round(run_peak)} min a week. Today is {long_date(today)}."
    )


def _weekly_y_axis(plot: _Plot, step: float) -> str:
    out = ['<g class="axis y-axis">']
    tick = 0.0
    while tick <= plot.y_max + 1e-9:
        ty = plot.y(tick)
        out.append(
            f'<line x1="{plot.left}" x2="{plot.left + plot.width}" y1="{num(ty)}" y2="{num(ty)}" class="grid"/>'
            f'<text x="{plot.left - 6}" y="{num(ty + 4)}" text-anchor="end">{num(tick)}</text>'
        )
        tick += step
    out.append(
        f'<text transform="translate(14,{num(plot.top + plot.height / 2)}) rotate(-90)" text-anchor="middle" '
        f'class="axis-title">minutes per week</text></g>'
    )
    return "".join(out)


def _weekly_x_axis(plot: _Plot, weeks: Sequence[WeekTotals], slot: float, height: float) -> str:
    left, base = plot.left, plot.bottom
    label_every = max(1, math.ceil(44 / slot))
    out = ['<g class="axis x-axis">']
    out.append(f'<line x1="{left}" x2="{left + plot.width}" y1="{base}" y2="{base}" class="axis-line"/>')
    for i, w in enumerate(weeks):
        if i % label_every == 0:
            cx = left + (i + 0.5) * slot
            out.append(
                f'<line x1="{num(cx)}" x2="{num(cx)}" y1="{base}" y2="{base + 4}" '
                f'class="axis-line"/><text x="{num(cx)}" y="{base + 17}" text-anchor="middle">'
                f"{short_date(w.week_start)}</text>"
            )
    out.append(
        f'<text x="{num(left + plot.width / 2)}" y="{height - 8}" text-anchor="middle" class="axis-title">'
        "week starting Monday</text></g>"
    )
    return "".join(out)


def _weekly_bars(plot: _Plot, weeks: Sequence[WeekTotals], slot: float, bar_w: float) -> str:
    """Done at the bottom, planned stacked on top (the current week has both)."""
    out = []
    for series, colour, done_attr, planned_attr, offset in (
        ("brisk-walk", WALK_COLOUR, "brisk_done_s", "brisk_planned_s", -bar_w - 0.5),
        ("running", RUN_COLOUR, "run_done_s", "run_planned_s", 0.5),
    ):
        hatch = f"url(#hatch-{'walk' if series == 'brisk-walk' else 'run'})"
        out.append(f'<g class="series" data-series="{series}">')
        for i, w in enumerate(weeks):
            done_min = getattr(w, done_attr) / 60
            planned_min = getattr(w, planned_attr) / 60
            x = plot.left + (i + 0.5) * slot + offset
            what = series.replace("-", " ")
            for amount, base, fill, state in (
                (done_min, 0.0, colour, "done"),
                (planned_min, done_min, hatch, "planned"),
            ):
                if amount <= 0:
                    continue
                y_top, y_base = plot.y(base + amount), plot.y(base)
                out.append(
                    f'<rect x="{num(x)}" y="{num(y_top)}" width="{num(bar_w)}" '
                    f'height="{num(y_base - y_top)}" fill="{fill}" stroke="{colour}" stroke-width="1">'
                    f"<title>Week of {short_date(w.week_start)} {w.week_start.year}: {what} "
                    f"{round(amount)} min {state}</title></rect>"
                )
        out.append("</g>")
    return "".join(out)


def ratio_chart_svg(points: Sequence[RatioPoint], start: dt.date, end: dt.date) -> str:
    """Running share of each planned session's time, with the run:walk ratio on the axis."""
    width, plot_h = 760, 180
    left, right, bottom = 96, 16, 40
    plot_w = width - left - right
    legend, legend_rows = _legend(RATIO_LEGEND, left, 8, plot_w)
    top = 8 + legend_rows * LEGEND_ROW + 14
    height = top + plot_h + bottom
    plot = _Plot(left, top, plot_w, plot_h, 1)
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + (day - start).days / span * plot_w

    out = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="ratio-title ratio-desc" class="chart-svg">',
        '<title id="ratio-title">Run:walk ratio of the planned sessions</title>',
        f'<desc id="ratio-desc">{esc(_ratio_description(points))}</desc>',
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
        ty = plot.y(share)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{num(ty)}" y2="{num(ty)}" class="grid"/>'
            f'<text x="{left - 6}" y="{num(ty + 4)}" text-anchor="end">{label}</text>'
        )
    out.append("</g>")
    out.append(_ratio_x_axis(plot, start, end, x, height))
    out.append(_ratio_series(plot, points, x))
    out.append("</svg>")
    return "".join(out)


def _ratio_description(points: Sequence[RatioPoint]) -> str:
    if not points:
        return "No running is planned yet: the gate to running is not open."
    return (
        f"{len(points)} planned sessions with running, from {long_date(points[0].date)} to "
        f"{long_date(points[-1].date)}. Running rises from {round(points[0].run_share * 100)}% to "
        f"{round(points[-1].run_share * 100)}% of session time; filled dots are confirmed, hollow dots "
        "provisional."
    )


def _ratio_x_axis(plot: _Plot, start: dt.date, end: dt.date, x: Callable[[dt.date], float], height: float) -> str:
    """The start date, then each month's first day (with the year in January)."""
    left, base = plot.left, plot.bottom
    out = ['<g class="axis x-axis">']
    out.append(f'<line x1="{left}" x2="{left + plot.width}" y1="{base}" y2="{base}" class="axis-line"/>')
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
        text = short_date(day) if i == 0 else MONTHS[day.month - 1] + (f" {day.year}" if day.month == 1 else "")
        out.append(
            f'<line x1="{num(tx)}" x2="{num(tx)}" y1="{base}" y2="{base + 4}" class="axis-line"/>'
            f'<text x="{num(tx)}" y="{base + 17}" text-anchor="{"start" if i == 0 else "middle"}">'
            f"{text}</text>"
        )
    out.append(
        f'<text x="{num(left + plot.width / 2)}" y="{height - 6}" text-anchor="middle" class="axis-title">'
        "share of each session spent running (run:walk)</text></g>"
    )
    return "".join(out)


def _ratio_series(plot: _Plot, points: Sequence[RatioPoint], x: Callable[[dt.date], float]) -> str:
    out = ['<g class="series" data-series="run-walk-ratio">']
    if points:
        path = " ".join(f"{num(x(p.date))},{num(plot.y(p.run_share))}" for p in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{RUN_COLOUR}" stroke-width="1.5"/>')
        for p in points:
            fill = "#ffffff" if p.provisional else RUN_COLOUR
            out.append(
                f'<circle cx="{num(x(p.date))}" cy="{num(plot.y(p.run_share))}" r="3.5" fill="{fill}" '
                f'stroke="{RUN_COLOUR}" stroke-width="1.5"><title>{esc(day_label(p.date))}: {esc(p.title)} — run '
                f"{fmt_minutes(p.run_s)}, walk {fmt_minutes(p.walk_s)} ({round(p.run_share * 100)}% running"
                f"{', provisional' if p.provisional else ''})</title></circle>"
            )
    else:
        out.append(
            f'<text x="{num(plot.left + plot.width / 2)}" y="{num(plot.top + plot.height / 2)}" '
            'text-anchor="middle" class="note">'
            "No running planned yet: the gate to running is not open.</text>"
        )
    out.append("</g>")
    return "".join(out)
