"""Example walkrun plugin: the plan as a Markdown checklist."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

import walkrun
from walkrun.plan import Plan, SessionKind, Step, StepKind


def _step_text(step: Step) -> str:
    if step.kind is StepKind.REPEAT:
        inner = " / ".join(_step_text(s) for s in step.steps)
        return f"{step.repeat_count} × ({inner})"
    if step.duration_s:
        minutes = step.duration_s / 60
        return f"{step.kind.value.replace('_', ' ')} {minutes:g} min"
    return step.label or step.kind.value


def render(plan: Plan, athlete_name: str = "") -> str:
    """The plan as Markdown: gate checklist, sessions week by week, recent decisions."""
    who = athlete_name or plan.athlete_id
    lines = [f"# Return-to-run plan: {who}", ""]
    lines.append(
        f"*As of {plan.today} — protocol `{plan.protocol_id}`, phase **{plan.phase.value}**"
        + (f", level **{plan.level}***" if plan.level else "*")
    )
    lines += ["", "## Gate to running", ""]
    for c in plan.gate.criteria:
        lines.append(f"- [{'x' if c.met else ' '}] {c.name} — {c.evidence}")
    week = None
    for s in plan.sessions:
        iso = s.date.isocalendar()
        if (iso.year, iso.week) != week:
            week = (iso.year, iso.week)
            lines += ["", f"## Week of {s.date.isoformat()}", ""]
        if s.kind is SessionKind.REST:
            lines.append(f"- {s.date:%a %d %b}: rest")
            continue
        detail = ", ".join(_step_text(st) for st in s.steps if st.duration_s or st.kind is StepKind.REPEAT)
        lines.append(f"- [ ] {s.date:%a %d %b}: **{s.title}**" + (f" — {detail}" if detail else ""))
        for st in s.steps:
            for ex in st.exercises:
                lines.append(f"    - {ex}")
    recent = [d for d in plan.decisions if not d.projected][-5:]
    if recent:
        lines += ["", "## Why the plan looks like this", ""]
        for d in recent:
            lines.append(f"- {d.date} **{d.action}** ({d.rule}): {d.evidence} _Source: {d.source}_")
    return "\n".join(lines) + "\n"


class MarkdownWriter(walkrun.Writer):
    name = "markdown"
    description = "Markdown checklist of the plan (example plugin)"
    extension = ".md"

    def write(self, plan: Plan, context: walkrun.ExportContext, out_dir: Path) -> list[Path]:
        text = render(plan, context.profile.name)
        return [walkrun.atomic_write(out_dir / f"{plan.athlete_id}-plan.md", text.encode("utf-8"))]


@walkrun.hookimpl
def register_writers(register: Callable[[type[walkrun.Writer]], None]) -> None:
    register(MarkdownWriter)


@walkrun.hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command(name="markdown")
    @click.option("--weeks", type=click.IntRange(1, 104), default=4, show_default=True)
    @click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
    @click.pass_obj
    def markdown_command(ctx: object, weeks: int, out_file: Path | None) -> None:
        """Print (or save) the plan as a Markdown checklist. [walkrun-markdown plugin]"""
        from walkrun.athlete import plan_for

        athlete_id = ctx.athlete_id()  # type: ignore[attr-defined]
        ap = plan_for(ctx.store, ctx.registry, athlete_id, ctx.today(athlete_id), weeks * 7)  # type: ignore[attr-defined]
        text = render(ap.plan, ap.profile.name)
        if out_file is None:
            click.echo(text, nl=False)
        else:
            walkrun.atomic_write(out_file, text.encode("utf-8"))
            click.echo(f"wrote {out_file}")
