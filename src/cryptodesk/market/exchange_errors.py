"""The ccxt boundary: ccxt errors become ours (the retry policy of `market.retry` then retries
the retryable ones).

    ccxt error                                       ours
    RateLimitExceeded, DDoSProtection            ->  RateLimitedError           (retryable)
    AuthenticationError, PermissionDenied        ->  BadCredentialsError
    BadSymbol                                    ->  CoinNotFoundError
    NotSupported, ArgumentsRequired, BadRequest  ->  DataUnavailableError
    NetworkError, RequestTimeout, ...            ->  UpstreamUnavailableError   (retryable)
    any other ccxt error, a malformed payload    ->  UpstreamUnavailableError   (retryable)

Added under the tree of `cryptodesk.errors`:

    BadCredentialsError
    └── MissingCredentialsError      a private call without the keys it needs
    DataUnavailableError
    └── ExchangeNotConfiguredError   a tool asked for an exchange the context does not have
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from cryptodesk.errors import (
    BadCredentialsError,
    CoinNotFoundError,
    CryptoDeskError,
    DataUnavailableError,
    MarketDataError,
    RateLimitedError,
    UpstreamUnavailableError,
)
from cryptodesk.market.retry import parse_retry_after
from cryptodesk.redaction import Redactor

logger = logging.getLogger(__name__)

CHECK_KEYS = (
    "check CRYPTODESK_EXCHANGE_API_KEY, CRYPTODESK_EXCHANGE_API_SECRET and "
    "CRYPTODESK_EXCHANGE_API_PASSPHRASE and that the key may read the account"
)
_REASON_LIMIT = 300
# Exceptions ccxt's parsers raise on a payload of the wrong shape (e.g. `data[0]` of an empty list).
MALFORMED_PAYLOAD_ERRORS: tuple[type[Exception], ...] = (
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
)


class MissingCredentialsError(BadCredentialsError):
    code = "missing_credentials"

    def __init__(self, provider: str, missing: tuple[str, ...]) -> None:
        hint = f"set {', '.join(missing)} (a read-only key is enough)"
        MarketDataError.__init__(self, f"{provider} needs API keys for this: {hint}")
        self.provider = provider
        self.hint = hint
        self.missing = missing


class ExchangeNotConfiguredError(DataUnavailableError):
    code = "exchange_not_configured"

    def __init__(self) -> None:
        super().__init__(
            "no exchange configured: this desk runs without an exchange gateway, so order "
            "books, funding rates and account data are unavailable"
        )


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """The logger handed to ccxt, which logs request headers (key, passphrase) at debug level."""

    def __init__(self, target: logging.Logger, redact: Redactor) -> None:
        super().__init__(target, {})
        self._redact = redact

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            self.logger.log(level, "%s", self._redact(text), **kwargs)


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from the `Retry-After` header of the last response, if it had one."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            return parse_retry_after(value)
    return None


def translate(
    error: Exception,
    *,
    provider: str,
    subject: str,
    redact: Redactor,
    retry_after: float | None = None,
) -> CryptoDeskError:
    """Our error for an exception raised inside a ccxt call about `subject` (a symbol or call).

    Only for errors `is_boundary_error` accepts; anything else is a defect and propagates.
    """
    from ccxt.base import errors as ccxt_errors  # already imported: the error came from ccxt

    reason = redact(f"{type(error).__name__}: {error}")[:_REASON_LIMIT]
    if isinstance(error, ccxt_errors.RateLimitExceeded | ccxt_errors.DDoSProtection):
        return RateLimitedError(provider, retry_after)
    if isinstance(error, ccxt_errors.AuthenticationError):
        return BadCredentialsError(provider, CHECK_KEYS)
    if isinstance(error, ccxt_errors.BadSymbol):
        return CoinNotFoundError(subject)
    if isinstance(
        error, ccxt_errors.NotSupported | ccxt_errors.ArgumentsRequired | ccxt_errors.BadRequest
    ):
        return DataUnavailableError(f"{provider} cannot serve {subject}: {reason}")
    if isinstance(error, ccxt_errors.BaseError):
        return UpstreamUnavailableError(provider, reason)
    if isinstance(error, TimeoutError):
        return UpstreamUnavailableError(provider, f"no answer about {subject} in time")
    return UpstreamUnavailableError(provider, f"malformed response ({reason})")


def is_boundary_error(error: Exception) -> bool:
    """Whether `translate` classifies `error`: ccxt's errors, timeouts and malformed payloads."""
    from ccxt.base import errors as ccxt_errors

    return isinstance(error, (ccxt_errors.BaseError, TimeoutError, *MALFORMED_PAYLOAD_ERRORS))
