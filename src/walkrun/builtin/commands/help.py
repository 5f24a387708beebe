"""Help that is not about one athlete: ``home``, ``explain-term``, ``glossary``, ``tests`` and ``demo``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from walkrun.cli.core import Ctx, complete_protocol_ids, emit_json, fail, out
from walkrun.cli.glossary import GLOSSARY, lookup
from walkrun.domain.errors import WalkrunError

if TYPE_CHECKING:
    from walkrun.domain.protocol import Protocol


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def home(c: Ctx, as_json: bool) -> None:
    """Print the data folder (store) walkrun reads and writes."""
    if as_json:
        emit_json({"home": str(c.home), "exists": c.has_store})
        return
    click.echo(str(c.home))


@click.command("explain-term")
@click.argument("term", nargs=-1, required=True)
def explain_term(term: tuple[str, ...]) -> None:
    """Explain a word walkrun prints (gate, W30, L3, C20, referral, ...)."""
    key = lookup(" ".join(term))
    if key is None:
        fail(f"no explanation for {' '.join(term)!r}; known: {', '.join(GLOSSARY)} (or walkrun glossary)")
    out.print(f"[bold]{key}[/]: {GLOSSARY[key]}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def glossary(as_json: bool) -> None:
    """Every word walkrun prints, explained."""
    if as_json:
        emit_json({"glossary": GLOSSARY})
        return
    for key, text in GLOSSARY.items():
        out.print(f"[bold]{key}[/]: {text}")
        out.print()


def _chosen_protocol(c: Ctx, protocol_id: str | None) -> Protocol:
    if protocol_id:
        return c.registry.protocol(protocol_id)
    try:
        athlete_id = c.athlete_id()
        profile = c.store.profile(athlete_id)
    except WalkrunError:
        known = ", ".join(sorted(c.registry.protocols))
        fail(f"say which protocol with --protocol ID (available: {known})")
    return c.registry.protocol_for(profile.condition, profile.protocol_id)


def show_protocol(c: Ctx, protocol_id: str | None, *, as_json: bool = False) -> None:
    """A protocol's clinical tests, each with how to perform it."""
    protocol = _chosen_protocol(c, protocol_id)
    required = set(protocol.gate.required_tests)
    if as_json:
        from walkrun.app.views import protocol_view

        emit_json(protocol_view(protocol))
        return
    out.print(f"[bold]{protocol.id}[/] — {protocol.name}")
    out.print(" ".join(protocol.summary.split()))
    out.print()
    out.print(f"Clinical tests ({len(protocol.clinical_tests)}); record a result with walkrun clinical --test ID:")
    for test in protocol.clinical_tests:
        tags = [t for t, on in (("required for the gate", test.id in required), ("hop test", test.hop)) if on]
        out.print(f"[bold]{test.id}[/] — {test.name}" + (f" ({', '.join(tags)})" if tags else ""))
        out.print(f"  how: {' '.join(test.how.split())}")
    if any(t.hop for t in protocol.clinical_tests) and protocol.is_bone:
        out.print(
            "Hop tests are offered for bone injuries only after a clinician enables them (--clearance hop-tests)."
        )


@click.command()
@click.option("--protocol", "protocol_id", metavar="ID", shell_complete=complete_protocol_ids, help="Protocol id.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (the whole protocol).")
@click.pass_obj
def tests(c: Ctx, protocol_id: str | None, as_json: bool) -> None:
    """How to perform each clinical test of a protocol (default: the athlete's)."""
    show_protocol(c, protocol_id, as_json=as_json)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the demo's final status as JSON.")
@click.pass_obj
def demo(c: Ctx, as_json: bool) -> None:
    """Run walkrun end to end on built-in sample data (its own fresh folder unless --home is given)."""
    from walkrun.builtin.commands.demo import run_demo

    run_demo(c, as_json=as_json)
