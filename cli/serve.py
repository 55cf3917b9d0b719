"""`cmr-search serve`: the web app over the index under the data folder.

Sign-in is required whenever the server listens on anything but loopback; on 127.0.0.1 (as
`make demo` serves) it may run without, and every page says so.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from cli.common import console, fail, settings_of
from cmr_search.settings import Settings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_app(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from db import DatabaseError
    from web.app import create_app

    open_access = is_loopback(host) and not settings.require_sign_in
    try:
        app = create_app(settings, open_access=open_access)
    except DatabaseError as error:
        fail(str(error))
    if not open_access and app.state.oidc is None and \
            not any(u.local and not u.disabled for u in app.state.users.all()):
        console.print("[yellow]nobody can sign in yet:[/yellow] add an account with "
                      "`cmr-search users add NAME --role admin`, or set CMR_SEARCH_OIDC_ISSUER")
    with console.status("loading the model"):
        app.state.warm_up()  # the first search should not pay for it
    console.print(f"serving on http://{host}:{port}  (Ctrl-C stops); "
                  + ("no sign-in: loopback only" if open_access else "sign-in required"))
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True,
                forwarded_allow_ips=settings.forwarded_allow_ips)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="interface to listen on (anything but loopback "
                                      "requires sign-in)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Serve the web app and JSON API over the index."""
    serve_app(settings_of(ctx), host, port)
