"""The plan as one printable, self-contained HTML page.

Everything is inline (CSS, SVG charts drawn here) and nothing is fetched, so
the file can be emailed, opened offline or printed in a clinic. Output is
deterministic: the only date on the page that is not data is ``plan.today``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from walkrun.builtin.writers.html_data import RatioPoint, WeekTotals, ratio_points, weekly_totals
from walkrun.builtin.writers.html_sections import (
    charts_section,
    decisions_section,
    done_section,
    gate_section,
    header,
    sessions_section,
    warnings_section,
)
from walkrun.builtin.writers.html_style import CSS
from walkrun.builtin.writers.html_text import esc, time_tag
from walkrun.domain.errors import UsageError
from walkrun.domain.plan import Plan
from walkrun.plugins.hookspecs import hookimpl
from walkrun.plugins.writers import ExportContext, Writer, atomic_write

__all__ = ["HtmlWriter", "RatioPoint", "WeekTotals", "ratio_points", "render_html", "weekly_totals"]

DEFAULT_HISTORY_DAYS = 42


def render_html(plan: Plan, context: ExportContext) -> str:
    """The whole page: header, gate checklist, charts, sessions, history, decisions, warnings."""
    days = _history_days(context.options)
    who = context.profile.name or context.profile.athlete_id
    title = f"Return-to-run plan: {who} ({plan.today.isoformat()})"
    body = "".join(
        [
            header(plan, context),
            "<main>",
            gate_section(plan),
            charts_section(plan, context),
            sessions_section(plan),
            done_section(plan, context.history, days),
            decisions_section(plan),
            warnings_section(plan),
            "</main>",
            f"<footer><p>Made by walkrun from the {esc(context.protocol.name)} protocol "
            f"({esc(context.protocol.id)}) on the data recorded up to {time_tag(plan.today)}. Pain is the guide: "
            "log every session, and talk to your clinician about any pain.</p></footer>",
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        '<meta name="generator" content="walkrun">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
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
