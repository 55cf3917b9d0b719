"""`cmr-search serve`: the web app over the index under the data folder."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import console, settings_of
from cmr_search.settings import Settings


def serve_app(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from web.app import create_app

    app = create_app(settings)
    with console.status("loading the model"):
        app.state.warm_up()  # the first search should not pay for it
    console.print(f"serving on http://{host}:{port}  (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Serve the web app and JSON API over the index."""
    serve_app(settings_of(ctx), host, port)
