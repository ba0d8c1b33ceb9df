"""The one place that maps our exceptions to HTTP statuses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from cryptodesk.errors import (
    BadRangeError,
    CoinNotFoundError,
    ConfigError,
    ConflictError,
    CryptoDeskError,
    InvalidSettingsError,
    MarketDataError,
    NotFoundError,
    RateLimitedError,
    UnsupportedTimeframeError,
    VaultError,
    VaultReadOnlyError,
)

STATUS_BY_ERROR: tuple[tuple[type[CryptoDeskError], int], ...] = (
    (InvalidSettingsError, 422),
    (VaultReadOnlyError, 409),
    (VaultError, 503),
    (NotFoundError, 404),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (CoinNotFoundError, 404),
    (UnsupportedTimeframeError, 422),
    (BadRangeError, 422),
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
    body: dict[str, object] = {"detail": exc.message, "code": exc.code}
    if isinstance(exc, InvalidSettingsError):
        body["reasons"] = exc.reasons
    return JSONResponse(body, status_code=status_for(exc))


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, without the `input` it would echo back (it may be a secret)."""
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this type only
    errors = [
        {key: value for key, value in error.items() if key in ("loc", "msg", "type")}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": errors, "code": "bad_request"}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CryptoDeskError, _handle)
    app.add_exception_handler(RequestValidationError, _invalid_request)
