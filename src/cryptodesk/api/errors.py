"""The one place that maps our exceptions to HTTP statuses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

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
    StorageError,
    StorageFullError,
    UnprocessableError,
    UnsupportedTimeframeError,
    VaultError,
    VaultReadOnlyError,
)

STATUS_BY_ERROR: tuple[tuple[type[CryptoDeskError], int], ...] = (
    (InvalidSettingsError, 422),
    (UnprocessableError, 422),
    (StorageFullError, 507),
    (StorageError, 503),
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


HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    """The framework's own errors (an unreadable body, ...) in our `{detail, code}` shape."""
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for this type only
    body = {"detail": str(exc.detail), "code": HTTP_CODES.get(exc.status_code, "http_error")}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CryptoDeskError, _handle)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
