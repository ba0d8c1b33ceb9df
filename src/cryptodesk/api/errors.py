"""The one place that maps our exceptions to HTTP statuses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cryptodesk.errors import (
    ConfigError,
    ConflictError,
    CryptoDeskError,
    MarketDataError,
    NotFoundError,
    RateLimitedError,
)

STATUS_BY_ERROR: tuple[tuple[type[CryptoDeskError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (MarketDataError, 502),
    (ConfigError, 500),
)


def status_for(exc: CryptoDeskError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 400


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CryptoDeskError)  # noqa: S101 - registered for this type only
    return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=status_for(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CryptoDeskError, _handle)
