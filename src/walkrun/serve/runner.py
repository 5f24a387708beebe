"""Running the app under uvicorn: binding, HTTPS, worker processes, and a generic 400 for garbage."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from walkrun.serve.app import HOME_ENV, PLUGINS_ENV, TODAY_ENV, ServeOptions
from walkrun.serve.http import format_host, is_loopback
from walkrun.store.db import DATABASE_URL_ENV

__all__ = ["GenericErrorsProtocol", "bind_socket", "run_server", "running"]


class GenericErrorsProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, but a request it cannot parse gets a bare ``bad request``.

    The stock reply names the parser's complaint; this one says nothing about
    the request (which may carry a token) and keeps the old server's wording.
    """

    def send_400_response(self, msg: str) -> None:
        body = b"bad request\n"
        head = (
            "HTTP/1.1 400 Bad Request\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            "cache-control: no-store\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()


def bind_socket(host: str, port: int, *, allow_public: bool = False) -> socket.socket:
    """Listen on ``host:port`` (0 picks a free port). A non-loopback host needs ``allow_public``.

    Binding here rather than in uvicorn lets the caller learn the port before
    serving and report a busy port as a one-line error.
    """
    if not is_loopback(host) and not allow_public:
        raise ValueError(f"{host!r} is not a loopback address; pass allow_public=True to serve it")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be named: asyncio only turns Nagle off (TCP_NODELAY) for sockets that say IPPROTO_TCP,
    # and with Nagle on every small response waits out the client's 40 ms delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)  # worker processes serve the same socket
    return sock


def _config(
    app: Starlette | str,
    *,
    workers: int = 1,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        factory=isinstance(app, str),
        workers=workers,
        http=GenericErrorsProtocol,
        lifespan="off",
        access_log=False,  # the app writes its own line per request, tokens redacted
        server_header=False,
        log_level="warning",
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        timeout_keep_alive=30,
    )


def run_server(
    options: ServeOptions,
    sock: socket.socket,
    *,
    app: Starlette | None = None,
    workers: int = 1,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> None:
    """Serve until Ctrl-C (or SIGTERM), then release the socket.

    One worker serves ``app`` (or a fresh app for ``options``) in this process;
    more are separate processes built from the environment, each with its own
    caches, all sharing the store and the socket.
    """
    from walkrun.serve.app import create_app

    try:
        if workers > 1:
            # Worker processes are spawned afresh and build their app from these.
            os.environ[HOME_ENV] = str(options.home)
            if options.database_url:
                os.environ[DATABASE_URL_ENV] = options.database_url  # read by each worker's Store
            for name, value in ((TODAY_ENV, options.today), (PLUGINS_ENV, options.plugins_dir)):
                os.environ.pop(name, None)
                if value is not None:
                    os.environ[name] = str(value)
            config = _config("walkrun.serve.app:app_from_env", workers=workers, certfile=certfile, keyfile=keyfile)
            Multiprocess(config, sockets=[sock]).run()
        else:
            config = _config(app or create_app(options), certfile=certfile, keyfile=keyfile)
            uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


@contextmanager
def running(
    app: Starlette,
    host: str = "127.0.0.1",
    *,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a background thread; yields its base URL (tests, benchmarks)."""
    sock = bind_socket(host, 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, certfile=certfile, keyfile=keyfile))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            threading.Event().wait(0.01)
        if not server.started:
            raise RuntimeError("the server did not start")
        yield f"{'https' if certfile else 'http'}://{format_host(host)}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
