"""The CryptoDesk exception tree.

    CryptoDeskError                      root; everything we raise on purpose
    ├── ConfigError                      a setting is missing or inconsistent
    ├── NotFoundError                    an id (conversation, run, chart) that does not exist
    ├── ConflictError                    the request clashes with current state
    │   └── RunActiveError               a conversation already has an active run
    ├── MarketDataError                  anything about market data (retryable or not)
    │   ├── RateLimitedError             the upstream said 429 (retry_after seconds)
    │   ├── CoinNotFoundError            a coin we cannot resolve (or an ambiguous one)
    │   ├── UnsupportedTimeframeError    a timeframe the source cannot serve
    │   ├── BadRangeError                an impossible date range
    │   ├── UpstreamUnavailableError     5xx, timeout, garbage (retryable)
    │   │   └── UpstreamUnreachableError no connection at all: refused, DNS failure
    │   ├── BadCredentialsError          the provider rejected our key
    │   └── DataUnavailableError         the configured source cannot serve this at all
    ├── ToolError                        a tool failed (unknown tool, bad arguments, timeout)
    ├── InvalidSettingsError             settings from the API break a rule (`reasons` per field)
    ├── VaultError                       the secrets vault cannot be read or written (wrong
    │   │                                master key, modified ciphertext, backend down)
    │   └── VaultReadOnlyError           the chosen backend cannot store secrets (environment)
    ├── StorageError                     the database (or a data file) failed: unreachable, locked,
    │   │                                I/O error (retryable)
    │   ├── StorageFullError             the disk (or the database's quota) is full (retryable)
    │   └── StorageCorruptError          the database file is damaged or not a database
    └── EngineError                      an engine could not run
        └── LlmError                     the LLM provider failed for good (down, refused, no tools)

Exceptions carry their data as attributes and build their own message; `code` is the protocol's
error code when the error reaches a client.
"""

from __future__ import annotations


class CryptoDeskError(Exception):
    code: str = "internal_error"
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(CryptoDeskError):
    code = "config_error"


class NotFoundError(CryptoDeskError):
    code = "not_found"

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"{kind} {ident!r} not found")
        self.kind = kind
        self.ident = ident


class ConflictError(CryptoDeskError):
    code = "conflict"


class RunActiveError(ConflictError):
    code = "run_active"

    def __init__(self, conversation_id: str, run_id: str) -> None:
        super().__init__(
            f"conversation {conversation_id} already has an active run ({run_id}); "
            "cancel it or wait for it to finish"
        )
        self.conversation_id = conversation_id
        self.run_id = run_id


class MarketDataError(CryptoDeskError):
    code = "market_data_error"


class RateLimitedError(MarketDataError):
    code = "rate_limited"
    retryable = True

    def __init__(self, provider: str, retry_after: float | None = None) -> None:
        wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
        super().__init__(f"{provider} rate limit reached{wait}")
        self.provider = provider
        self.retry_after = retry_after


class CoinNotFoundError(MarketDataError):
    code = "coin_not_found"

    def __init__(self, query: str, candidates: tuple[str, ...] = ()) -> None:
        if candidates:
            msg = f"{query!r} is ambiguous: it could be {', '.join(candidates)}"
        else:
            msg = f"unknown coin {query!r}"
        super().__init__(msg)
        self.query = query
        self.candidates = candidates


class UnsupportedTimeframeError(MarketDataError):
    code = "unsupported_timeframe"

    def __init__(self, timeframe: str, supported: tuple[str, ...]) -> None:
        super().__init__(
            f"timeframe {timeframe!r} is not supported (supported: {', '.join(supported)})"
        )
        self.timeframe = timeframe
        self.supported = supported


class BadRangeError(MarketDataError):
    code = "bad_range"


class UpstreamUnavailableError(MarketDataError):
    code = "upstream_unavailable"
    retryable = True

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider} is unavailable: {reason}")
        self.provider = provider
        self.reason = reason


class UpstreamUnreachableError(UpstreamUnavailableError):
    """The network path to the provider is down (the `auto` market falls back to demo data)."""


class BadCredentialsError(MarketDataError):
    code = "bad_credentials"

    def __init__(self, provider: str, hint: str | None = None) -> None:
        fix = f": {hint}" if hint else ""
        super().__init__(f"{provider} rejected the configured credentials{fix}")
        self.provider = provider
        self.hint = hint


class DataUnavailableError(MarketDataError):
    code = "data_unavailable"


class ToolError(CryptoDeskError):
    code = "tool_error"


class InvalidSettingsError(CryptoDeskError):
    code = "invalid_settings"

    def __init__(self, reasons: dict[str, str]) -> None:
        listed = "; ".join(f"{field}: {why}" for field, why in reasons.items())
        super().__init__(f"invalid settings: {listed}")
        self.reasons = reasons


class VaultError(CryptoDeskError):
    """Never carries a secret value: messages name secrets, backends and files only."""

    code = "vault_error"


class VaultReadOnlyError(VaultError):
    code = "vault_read_only"


class StorageError(CryptoDeskError):
    """Raised at the store boundary (and by file writers) instead of driver errors.

    `where` names the database or file (never a password), `reason` says what failed in words
    a user can act on. Nothing was changed by the operation that raised it.
    """

    code = "storage_failed"
    retryable = True

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where} could not be used: {reason}")
        self.where = where
        self.reason = reason


class StorageFullError(StorageError):
    code = "storage_full"

    def __init__(self, where: str, reason: str = "the disk is full") -> None:
        super().__init__(where, f"{reason}; free some space and try again")


class StorageCorruptError(StorageError):
    code = "storage_corrupt"
    retryable = False

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            where, f"{reason}; restore it from a backup, or move it away to start empty"
        )


class EngineError(CryptoDeskError):
    code = "engine_error"


class LlmError(EngineError):
    """The LLM could not answer; `code` says why (`llm_unavailable`, `llm_no_tools`, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
