"""The ccxt boundary: ccxt errors become ours (the retry policy of `market.retry` then retries
the retryable ones).

    ccxt error                                       ours
    NetworkError caused by a DNS failure, a      ->  UpstreamUnreachableError   (the circuit's)
      refused connection or a connect timeout
    RateLimitExceeded, DDoSProtection            ->  RateLimitedError           (retryable)
    AuthenticationError, PermissionDenied        ->  BadCredentialsError
    BadSymbol                                    ->  SymbolNotListedError
    NotSupported, ArgumentsRequired, BadRequest  ->  DataUnavailableError
    NetworkError, RequestTimeout, ...            ->  UpstreamUnavailableError   (retryable)
    any other ccxt error, a malformed payload    ->  UpstreamUnavailableError   (retryable)

Messages are plain sentences ("Bitget is not reachable from this machine"); the ccxt error's own
text (its class, the URL, the exchange's reply), with known secrets redacted, is the `details`.

Added under the tree of `cryptodesk.errors`:

    CoinNotFoundError
    └── SymbolNotListedError         the exchange lists no market for the symbol
    BadCredentialsError
    └── MissingCredentialsError      a private call without the keys it needs
    DataUnavailableError
    └── ExchangeNotConfiguredError   a tool asked for an exchange the context does not have
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator, Mapping
from typing import Any

from cryptodesk.errors import (
    BadCredentialsError,
    CoinNotFoundError,
    CryptoDeskError,
    DataUnavailableError,
    MarketDataError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
    upstream_name,
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


class SymbolNotListedError(CoinNotFoundError):
    def __init__(self, provider: str, symbol: str) -> None:
        MarketDataError.__init__(self, f"{upstream_name(provider)} does not list {symbol}")
        self.provider = provider
        self.query = symbol
        self.candidates: tuple[str, ...] = ()


class MissingCredentialsError(BadCredentialsError):
    code = "missing_credentials"

    def __init__(self, provider: str, missing: tuple[str, ...]) -> None:
        hint = f"set {', '.join(missing)} (a read-only key is enough)"
        MarketDataError.__init__(self, f"{upstream_name(provider)} needs API keys for this: {hint}")
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
    if isinstance(error, ccxt_errors.NetworkError) and is_unreachable(error):
        return UpstreamUnreachableError(provider, reason)
    if isinstance(error, ccxt_errors.RateLimitExceeded | ccxt_errors.DDoSProtection):
        return RateLimitedError(provider, retry_after)
    if isinstance(error, ccxt_errors.AuthenticationError):
        return BadCredentialsError(provider, CHECK_KEYS, details=reason)
    if isinstance(error, ccxt_errors.BadSymbol):
        return SymbolNotListedError(provider, subject)
    if isinstance(
        error, ccxt_errors.NotSupported | ccxt_errors.ArgumentsRequired | ccxt_errors.BadRequest
    ):
        return DataUnavailableError(
            f"{upstream_name(provider)} cannot serve {subject}", details=reason
        )
    if isinstance(error, ccxt_errors.NetworkError):
        return UpstreamUnavailableError(provider, reason)
    if isinstance(error, ccxt_errors.BaseError):
        return UpstreamUnavailableError(provider, reason, failure="server_error")
    if isinstance(error, TimeoutError):
        return UpstreamUnavailableError(provider, f"no answer about {subject} in time")
    return UpstreamUnavailableError(
        provider, f"malformed response ({reason})", failure="bad_answer"
    )


def is_unreachable(error: BaseException) -> bool:
    """Whether no connection could be made at all (DNS failure, refused, connect timeout), as
    told by the transport error ccxt chained (`raise ... from`) under its own."""
    import aiohttp

    for cause in _causes(error):
        if isinstance(cause, aiohttp.ClientSSLError):
            return False  # a host that answered the handshake is reachable
        if isinstance(
            cause,
            socket.gaierror
            | aiohttp.ClientConnectorError
            | aiohttp.ConnectionTimeoutError
            | ConnectionRefusedError,
        ):
            return True
    return False


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_boundary_error(error: Exception) -> bool:
    """Whether `translate` classifies `error`: ccxt's errors, timeouts and malformed payloads."""
    from ccxt.base import errors as ccxt_errors

    return isinstance(error, (ccxt_errors.BaseError, TimeoutError, *MALFORMED_PAYLOAD_ERRORS))
