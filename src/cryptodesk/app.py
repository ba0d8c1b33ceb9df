"""`create_app()`: assembles the FastAPI app; the lifespan owns the shared services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from cryptodesk import __version__, serving
from cryptodesk.access.bodies import BodyLimit
from cryptodesk.access.guard import AccessGuard
from cryptodesk.access.headers import SecurityHeaders
from cryptodesk.access.login import login_router
from cryptodesk.access.ratelimit import AttemptLimiter
from cryptodesk.api import (
    alerts,
    backtests,
    calls,
    charts,
    conversations,
    fallback,
    feedback,
    health,
    notify,
    runs,
    schedules,
    stream,
    watchlist,
)
from cryptodesk.api import settings as settings_api
from cryptodesk.api.docs import install_docs
from cryptodesk.api.errors import install_error_handlers
from cryptodesk.api.responses import with_our_validation_errors
from cryptodesk.api.scrubbing import ScrubResponses
from cryptodesk.config import Settings, get_settings, is_loopback_host
from cryptodesk.desk import Desk, ExchangeBuilder
from cryptodesk.errors import ConfigError
from cryptodesk.market.exchange_service import ExchangeService
from cryptodesk.redaction import install_log_scrubbing
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
    exchange_builder: ExchangeBuilder | None = None,
    settle_heap: bool = False,
) -> FastAPI:
    """The app; `engine_for` and `exchange` replace the engine selection and the exchange
    gateway built from the settings, `exchange_builder` how a gateway is built (tests).
    `settle_heap` (for `cryptodesk serve`, a process that owns this one app) freezes what
    start-up built out of the garbage collector's view (`serving.settle_heap`)."""
    settings = settings or get_settings()
    if not is_loopback_host(settings.host) and settings.access_token is None:
        raise ConfigError(
            f"refusing to serve on {settings.host} without an access token: set "
            "CRYPTODESK_ACCESS_TOKEN (16+ random characters), or listen on 127.0.0.1"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        desk = await Desk.open(
            settings, engine_for, exchange=exchange, exchange_builder=exchange_builder
        )
        app.state.desk = desk
        desk.engines.warm()
        desk.start_schedulers()
        if settle_heap:
            serving.settle_heap()
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
        docs_url=None,  # served from this server by install_docs, not from a CDN
        redoc_url=None,
    )
    install_error_handlers(app)
    install_log_scrubbing()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_our_validation_errors(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    limiter = AttemptLimiter(settings.login_attempts_per_minute)
    # Starlette runs the last added middleware first: security headers on every answer, bodies
    # bounded before anyone reads them, the guard, then the scrubbing of answers.
    app.add_middleware(ScrubResponses)
    app.add_middleware(AccessGuard, settings=settings, limiter=limiter)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    install_docs(app)
    app.include_router(login_router(settings, limiter))
    for module in (
        health,
        conversations,
        runs,
        feedback,
        charts,
        calls,
        backtests,
        settings_api,
        watchlist,
        alerts,
        notify,
        schedules,
    ):
        app.include_router(module.router)
    app.include_router(stream.router)
    app.mount(fallback.PREFIX, fallback.ApiFallback(app.router.routes))
    if (WEB_DIR / "index.html").is_file():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        async def index() -> HTMLResponse:
            return HTMLResponse(NO_WEB_APP)

    return app
