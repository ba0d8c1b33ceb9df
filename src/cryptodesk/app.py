"""`create_app()`: assembles the FastAPI app; the lifespan owns the shared services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from cryptodesk import __version__
from cryptodesk.api import charts, conversations, health, runs
from cryptodesk.api.errors import install_error_handlers
from cryptodesk.config import Settings, get_settings
from cryptodesk.desk import Desk
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.realtime import ws
from cryptodesk.runs.manager import EngineFactory

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).with_name("web")

NO_WEB_APP = """<!doctype html><html><head><meta charset="utf-8"><title>CryptoDesk</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>CryptoDesk</h1><p>The server is running, but the web app has not been built into this
installation. Use <code>make run</code> to build it, the CLI (<code>cryptodesk ask "..."</code>),
the WebSocket at <code>/ws/stream</code>, or the API documented at <a href="/docs">/docs</a>.</p>
</body></html>"""


def create_app(
    settings: Settings | None = None,
    engine_for: EngineFactory | None = None,
    *,
    exchange: ExchangeService | None = None,
) -> FastAPI:
    """The app; `engine_for` and `exchange` replace the engine selection and the exchange
    gateway built from the settings (tests use both)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        desk = await Desk.open(settings, engine_for, exchange=exchange)
        app.state.desk = desk
        log.info(
            "CryptoDesk %s ready: engine=%s market=%s exchange=%r",
            __version__,
            desk.engines.describe(),
            desk.market.status().detail,
            desk.exchange,
        )
        try:
            yield
        finally:
            await desk.close()

    app = FastAPI(
        title="CryptoDesk",
        version=__version__,
        summary="A live multi-agent crypto analysis desk.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (health, conversations, runs, charts):
        app.include_router(module.router)
    app.include_router(ws.router)
    if (WEB_DIR / "index.html").is_file():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        async def index() -> HTMLResponse:
            return HTMLResponse(NO_WEB_APP)

    return app
