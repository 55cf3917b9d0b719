"""`cmr-search serve`: the web app over the index under the data folder.

Sign-in is required whenever the server listens on anything but loopback; on 127.0.0.1 (as
`make demo` serves) it may run without, and every page says so.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import checkpoint_line, console, fail, settings_of
from cmr_search.loopback import loopback_host
from cmr_search.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


def is_loopback(host: str) -> bool:
    """Whether `host` (`--host`) is this machine only: the issuer's rule, one for both."""
    return loopback_host(host)


def _listening_socket(host: str, port: int) -> socket.socket:
    """The socket the worker processes share. Made with its protocol named: asyncio turns
    Nagle's algorithm off only on connections whose socket says TCP, and uvicorn's own
    (protocol 0) left every kept-alive response waiting ~40 ms for a delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    sock.set_inheritable(True)
    return sock


def _worker_app(settings: Settings, open_access: bool) -> FastAPI:
    """One server process's app, model loaded (the factory each `--workers` process calls)."""
    from web.app import create_app

    app = create_app(settings, open_access=open_access)
    app.state.warm_up()
    return app


def _prepare(settings: Settings) -> list[Any]:
    """What the worker processes share, done once before they start: the database migrated,
    the teaching files of earlier releases imported, the session secret written. Without the
    app: the parent built a whole one it never served, with the model libraries (0.7 GB).
    The accounts, to say when nobody can sign in."""
    from accounts import Users
    from db import database_of
    from db.teaching import TeachingFiles, import_legacy

    database = database_of(settings)
    try:
        import_legacy(TeachingFiles(database), settings.layout.legacy_teaching_db)
        settings.secret("secret_key")
        return list(Users(database).all())
    finally:
        database.close()


def model_problem(checkpoint: str | None) -> str | None:
    """What is wrong with the checkpoint folder (None: the demo one), in one line, or None:
    its card, and that its weights file is there (a card alone passed, and with --workers
    each worker's warm-up died on ".../weights.safetensors: missing", again as it respawned)."""
    from cmrclip.checkpoint import WEIGHTS, CheckpointError, checkpoint_folder, read_identity
    from cmrclip.release import is_release

    configured = Path(checkpoint) if checkpoint else None
    try:
        folder = checkpoint_folder(configured)
        read_identity(folder)
    except CheckpointError as error:
        return checkpoint_line(error, configured)
    if not is_release(folder) and not (folder / WEIGHTS).is_file():
        return f"{folder / WEIGHTS}: missing"  # as `load_checkpoint` says it
    return None


def _check_model(settings: Settings, workers: int) -> None:
    """The configured checkpoint is one (its card read: fast), or one line and exit 1, as
    `query` says it: a wrong CMR_SEARCH_CHECKPOINT was a 106-line traceback from the warm-up,
    or one per worker. Several workers: asked of a child process, since the parent serves
    nothing and must not load the model libraries (0.7 GB)."""
    checkpoint = str(settings.checkpoint) if settings.checkpoint else None
    if workers <= 1:
        problem = model_problem(checkpoint)
    else:
        asked = subprocess.run(
            [sys.executable, "-c", "import sys; from cli.serve import model_problem; "
             "said = model_problem(sys.argv[1] or None); print(said or ''); "
             "sys.exit(1 if said else 0)", checkpoint or ""],
            capture_output=True, text=True, check=False)
        # its line, or the last of a child that failed otherwise (an import)
        said = [*asked.stdout.strip().splitlines()[-1:], *asked.stderr.strip().splitlines()[-1:]]
        problem = (said or ["the model checkpoint cannot be read"])[0] \
            if asked.returncode else None
    if problem:
        fail(problem)


def serve_app(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve until stopped. With several workers, each process loads the model and answers
    requests on the one listening socket: Python holds one core per process, so a 2-core
    server answers about twice the searches per second with 2 (docs/scaling.md)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from accounts.oidc import OidcError
    from db import DatabaseError

    open_access = is_loopback(host) and not settings.require_sign_in
    # bound first: a busy port or a bad host was found after the model had loaded, in
    # uvicorn's own words (exit 3). One process lets uvicorn bind it again itself, as it
    # always did ("localhost" then answers on IPv6 too)
    sock = _listening_socket(host, port)
    if workers <= 1:
        sock.close()
    _check_model(settings, workers)
    app = None
    try:
        if workers > 1:
            accounts = _prepare(settings)
        else:
            from web.app import create_app

            app = create_app(settings, open_access=open_access)
            accounts = app.state.users.all()
    except (DatabaseError, OidcError) as error:  # an OidcError was a 67-line traceback
        fail(str(error))
    provider = settings.oidc_issuer and settings.oidc_client_id
    if not open_access and not provider and not any(u.local and not u.disabled
                                                    for u in accounts):
        console.print("[yellow]nobody can sign in yet:[/yellow] add an account with "
                      "`cmr-search users add NAME --role admin`, or set CMR_SEARCH_OIDC_ISSUER")
    access = "no sign-in: loopback only" if open_access else "sign-in required"
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning",
                               "proxy_headers": True,
                               "forwarded_allow_ips": settings.forwarded_allow_ips}
    if workers > 1:
        config = uvicorn.Config(partial(_worker_app, settings, open_access), factory=True,
                                workers=workers, **options)
        console.print(f"serving on http://{host}:{port} with {workers} processes (Ctrl-C "
                      f"stops; each loads the model first); {access}")
        # the supervisor says at INFO that a worker died and was replaced (killed for
        # memory, a crash): at the workers' WARNING it left no line at all
        logging.getLogger("uvicorn.error").setLevel(logging.INFO)
        Multiprocess(config, sockets=[sock]).run()
        return
    assert app is not None
    from cmrclip.checkpoint import CheckpointError  # torch: in the one serving process only

    try:
        with console.status("loading the model"):
            app.state.warm_up()  # the first search should not pay for it
    except CheckpointError as error:  # its card read, its weights missing or not its own
        fail(checkpoint_line(error, settings.checkpoint))
    console.print(f"serving on http://{host}:{port}  (Ctrl-C stops); {access}")
    uvicorn.run(app, **options)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="interface to listen on (anything but loopback "
                                      "requires sign-in)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="server processes (default CMR_SEARCH_SERVE_WORKERS, 1); one "
        "per core serves the most searches per second, each holds a copy of the model")] = None,
) -> None:
    """Serve the web app and JSON API over the index."""
    settings = settings_of(ctx)
    serve_app(settings, host, port, workers or settings.serve_workers)
