"""``walkrun feed-url`` and ``walkrun serve``: live calendar feeds for runners and coaches."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.markup import escape

from walkrun.cli.core import Ctx, emit_json, err, fail, out
from walkrun.serve.http import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    coach_path,
    feed_path,
    format_host,
    is_loopback,
    lan_address_hint,
)
from walkrun.store import Store


def check_base_url(value: str) -> str:
    """A --base-url fit to prefix feed paths (http or https, a host, no query): without its trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        fail(f"bad --base-url {value!r}: use e.g. http://192.168.1.20:{DEFAULT_PORT}")
    return value.rstrip("/")


def _webcal(url: str) -> str:
    # Apple and most phones subscribe (rather than import once) when handed webcal://.
    return "webcal://" + url.split("://", 1)[1]


@click.command("feed-url")
@click.option("--coach", is_flag=True, help="The coach's index page (every athlete's feed) instead.")
@click.option("--regenerate", is_flag=True, help="Make a new secret URL; the old one stops working.")
@click.option("--base-url", metavar="URL", help="Where `walkrun serve` is reachable, e.g. http://192.168.1.20:8765.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def feed_url(c: Ctx, /, coach: bool, regenerate: bool, base_url: str | None, as_json: bool) -> None:
    """Print the secret path of an athlete's live calendar feed (or the coach's page).

    Anyone with the URL can read the plan: share it only with the runner or
    coach, and use --regenerate if it leaked.
    """
    base = check_base_url(base_url) if base_url else None
    if coach:
        if c.athlete:
            # Printing the coach URL when an athlete's was meant would hand every plan to that athlete.
            fail("--coach prints the coach's URL: leave out --athlete")
        athlete_id = None
        path = coach_path(c.store.feed_token(Store.COACH_SCOPE, regenerate=regenerate))
    else:
        athlete_id = c.athlete_id()
        c.store.profile(athlete_id)  # a clear "unknown athlete" error before a token is made
        path = feed_path(c.store.feed_token(athlete_id, regenerate=regenerate))
    url = base + path if base else None
    if as_json:
        emit_json(
            {
                "scope": "coach" if coach else "athlete",
                "athlete": athlete_id,
                "path": path,
                "url": url,
                "webcal": _webcal(url) if url and not coach else None,
                "regenerated": regenerate,
            }
        )
        return
    click.echo(path)
    if url:
        click.echo(url)
    if regenerate:
        err.print("New secret URL made: the old one no longer works, so subscribers need the new one.")


def run_server(*args: Any, **kwargs: Any) -> None:
    """uvicorn is imported only when serving, so `walkrun feed-url` stays quick."""
    from walkrun.serve.runner import run_server as run

    run(*args, **kwargs)


def _tls_files(certfile: Path | None, keyfile: Path | None) -> None:
    if (certfile is None) != (keyfile is None):
        fail("HTTPS needs both --certfile and --keyfile")
    for option, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if path is not None and not path.is_file():
            fail(f"{option} {path}: no such file")
    if certfile is not None and keyfile is not None:
        # Load them now: uvicorn would only find out later, with a traceback.
        import ssl

        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
        except (ssl.SSLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc.strerror or exc
            fail(f"--certfile {certfile} / --keyfile {keyfile}: not a usable certificate and key ({reason})")


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="0 = any free.")
@click.option("--public", is_flag=True, help="Allow a non-loopback --host (e.g. 0.0.0.0 for the local network).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Server processes.")
@click.option("--certfile", type=click.Path(path_type=Path), help="TLS certificate (PEM) to serve HTTPS.")
@click.option("--keyfile", type=click.Path(path_type=Path), help="TLS private key (PEM) for --certfile.")
@click.pass_obj
def serve(
    c: Ctx, host: str, port: int, public: bool, workers: int, certfile: Path | None, keyfile: Path | None
) -> None:
    """Serve live calendar feeds and the coach's page until Ctrl-C.

    Calendar apps subscribed to a feed pick up plan changes on their next refresh.
    """
    _tls_files(certfile, keyfile)
    scheme = "https" if certfile else "http"
    if not is_loopback(host):
        if not public:
            fail(
                f"--host {host} is reachable from other machines; add --public to confirm "
                "(anyone on the network who has a feed URL can then read that plan)"
            )
        plain = "" if certfile else " There is no HTTPS; don't expose this port to the internet."
        err.print(
            f"[yellow]warning:[/] serving on {escape(host)}: anyone on the network who has a token URL can read "
            f"that plan.{plain}",
        )
    from walkrun.serve.app import ServeOptions, create_app
    from walkrun.serve.runner import bind_socket

    try:
        sock = bind_socket(host, port, allow_public=public)
    except OSError as exc:
        fail(f"cannot listen on {format_host(host)}:{port}: {exc.strerror or exc}")
    shown = host
    hint = ""
    if host in ("0.0.0.0", "::", ""):
        lan = lan_address_hint()
        shown = lan or "127.0.0.1"
        hint = (
            f"(listening on all interfaces; {lan} is a guess at this machine's LAN address: "
            "use whichever address other devices reach it by)"
            if lan
            else "(listening on all interfaces: replace 127.0.0.1 with this machine's LAN address)"
        )
    base = f"{scheme}://{format_host(shown)}:{sock.getsockname()[1]}"
    store = c.store
    click.echo(f"walkrun serving {c.home} on {base}  (Ctrl-C to stop)")
    if hint:
        click.echo(hint)
    click.echo(f"coach page: {base}{coach_path(store.feed_token(Store.COACH_SCOPE))}")
    for athlete_id in store.athlete_ids():
        click.echo(f"{athlete_id}: {base}{feed_path(store.feed_token(athlete_id))}")
    sys.stdout.flush()
    options = ServeOptions(c.home, c.plugins_dir, c.today_opt, database_url=c.database_url)
    app = create_app(options, c.registry) if workers == 1 else None
    run_server(options, sock, app=app, workers=workers, certfile=certfile, keyfile=keyfile)
    out.print("Stopped serving.")
