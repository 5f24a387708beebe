"""Small HTML pieces the plan page is made of: escaped text, dates, durations, tables and badges.

Dates use walkrun's own month and day names, never the process locale, so the
page's bytes do not depend on the machine that wrote it.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from walkrun.domain.plan import Session, SessionKind, Step, StepKind

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(x: float) -> str:
    """Short, stable SVG coordinates: one decimal, no trailing zeros."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def short_date(day: dt.date) -> str:
    # Own month names: strftime("%b") follows the process locale, which would
    # make the bytes depend on the machine.
    return f"{day.day} {MONTHS[day.month - 1]}"


def day_label(day: dt.date) -> str:
    return f"{DAYS[day.weekday()]} {short_date(day)}"


def long_date(day: dt.date) -> str:
    return f"{day_label(day)} {day.year}"


def time_tag(day: dt.date, text: str | None = None) -> str:
    return f'<time datetime="{day.isoformat()}">{esc(text or long_date(day))}</time>'


def duration(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"


def fmt_minutes(seconds: float) -> str:
    return f"{round(seconds / 60)} min"


ExerciseSeen = dict[tuple[str, tuple[str, ...]], dt.date]


def step_text(step: Step, day: dt.date, seen: ExerciseSeen) -> str:
    if step.kind is StepKind.REPEAT:
        inner = " + ".join(step_text(s, day, seen) for s in step.steps)
        return f"{step.repeat_count or 1} × ({inner})"
    text = esc(step.label or step.kind.value.replace("_", " "))
    if step.duration_s and duration(step.duration_s) not in (step.label or ""):
        text += f" {duration(step.duration_s)}"
    if step.exercises:
        # The same strength stage and drills repeat for weeks; spelling them out
        # every time would double the printed length, so later days point back.
        if len(step.exercises) >= 3:
            key = (step.label, tuple(step.exercises))
            first = seen.setdefault(key, day)
            if first != day:
                return f'<strong>{text}</strong>: as on <a href="#day-{first.isoformat()}">{day_label(first)}</a>'
        listed = ", ".join(esc(x) for x in step.exercises)
        # Protocols sometimes repeat the label inside the only exercise ("optional: Optional: ...").
        if len(step.exercises) == 1 and step.exercises[0].lower().startswith(step.label.lower()):
            return listed
        text = f"<strong>{text}</strong>: {listed}"
    return text


def steps_html(session: Session, seen: ExerciseSeen) -> str:
    if session.kind is SessionKind.REST:
        return "—"
    items = "".join(f"<li>{step_text(st, session.date, seen)}</li>" for st in session.steps)
    return f'<ol class="steps">{items}</ol>'


def badge(text: str, cls: str, title: str = "") -> str:
    attr = f' title="{esc(title)}"' if title else ""
    return f'<span class="badge {cls}"{attr}>{esc(text)}</span>'


def pain_text(value: int | None) -> str:
    return "?" if value is None else str(value)
