"""The CryptoDesk exception tree.

    CryptoDeskError                      root; everything we raise on purpose
    ├── ConfigError                      a setting is missing or inconsistent
    ├── NotFoundError                    an id (conversation, run, chart) that does not exist
    ├── ConflictError                    the request clashes with current state
    │   ├── RunActiveError               a conversation already has an active run
    │   └── LeaseLostError               another replica took over a run this one owned (its
    │                                    lease ran out): this one must stop writing it
    ├── MarketDataError                  anything about market data (retryable or not)
    │   ├── RateLimitedError             the upstream said 429 (retry_after seconds)
    │   ├── CoinNotFoundError            a coin we cannot resolve (or an ambiguous one)
    │   ├── UnsupportedTimeframeError    a timeframe the source cannot serve
    │   ├── BadRangeError                an impossible date range
    │   ├── UpstreamUnavailableError     5xx, timeout, garbage (retryable)
    │   │   └── UpstreamUnreachableError no connection at all: refused, DNS failure, connect
    │   │                                timeout (the upstream's circuit re-probes it, the retry
    │   │                                policy does not)
    │   ├── BadCredentialsError          the provider rejected our key
    │   │   └── UnusableCredentialsError a key that cannot be sent at all (control characters)
    │   └── DataUnavailableError         the configured source cannot serve this at all
    ├── ToolError                        a tool failed (unknown tool, bad arguments, timeout)
    ├── UnprocessableError               a request that cannot be carried out as asked: a rule on an
    │   │                                unknown coin or on an exchange metric without a usable
    │   │                                exchange, a cron expression that never matches
    │   └── InvalidTargetError           a notification URL Apprise cannot use (the reason never
    │                                    quotes the URL's secret parts)
    ├── InvalidSettingsError             settings from the API break a rule (`reasons` per field)
    │   └── InvalidSecretError           a secret value that cannot be stored (control characters)
    ├── VaultError                       the secrets vault cannot be read or written (wrong
    │   │                                master key, modified ciphertext, backend down)
    │   └── VaultReadOnlyError           the chosen backend cannot store secrets (environment)
    ├── StorageError                     the database (or a data file) failed: unreachable, locked,
    │   │                                I/O error (retryable)
    │   ├── StorageFullError             the disk (or the database's quota) is full (retryable)
    │   ├── StorageCorruptError          the database file is damaged or not a database
    │   └── DatabaseInUseError           another server serves this SQLite file (one at a time)
    └── EngineError                      an engine could not run
        └── LlmError                     the LLM provider failed for good (down, refused, no tools)

Exceptions carry their data as attributes and build their own message; `code` is the protocol's
error code when the error reaches a client.

`message` is what a user reads (a tool's error, the report's missing data, an error frame's
`message`): a plain sentence, fixed per failure kind and upstream ("CoinGecko is not reachable
from this machine"), built here from `UPSTREAM_SENTENCES` and never from a vendor exception's
text. `details` holds the technical rest (exception text, HTTP status, errno, URL) for the log and
the `details` of an error frame only.
"""

from __future__ import annotations

from typing import Literal

UpstreamFailure = Literal["unreachable", "no_answer", "server_error", "bad_answer"]
UPSTREAM_SENTENCES: dict[UpstreamFailure, str] = {
    "unreachable": "{name} is not reachable from this machine",
    "no_answer": "{name} did not answer",
    "server_error": "{name} answered with an error (a problem on its side)",
    "bad_answer": "{name} sent an answer CryptoDesk could not read",
}
"""What a user reads when an upstream (market source, exchange) fails, by failure kind."""

_UPSTREAM_NAMES = {
    "coingecko": "CoinGecko",
    "bingx": "BingX",
    "bitmex": "BitMEX",
    "gateio": "Gate.io",
    "htx": "HTX",
    "kucoin": "KuCoin",
    "mexc": "MEXC",
    "okx": "OKX",
}


def upstream_name(provider: str) -> str:
    """How users know `provider` (a source id or ccxt exchange id): "bitget" -> "Bitget"."""
    known = _UPSTREAM_NAMES.get(provider.lower())
    return known or provider[:1].upper() + provider[1:]


class CryptoDeskError(Exception):
    code: str = "internal_error"
    retryable: bool = False

    def __init__(self, message: str, *, details: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def logged(self) -> str:
        """The message with its technical details, for a log line."""
        return f"{self.message} ({self.details})" if self.details else self.message


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


class LeaseLostError(ConflictError):
    """The run's lease epoch moved on: a reaper on another replica ended the run (`owner_lost`)
    while this one was paused or cut off. Nothing was written."""

    code = "owner_lost"

    def __init__(self, run_id: str, epoch: int) -> None:
        super().__init__(
            f"run {run_id} is no longer owned by this server (lease epoch {epoch} was taken "
            "over); it stops here without writing"
        )
        self.run_id = run_id
        self.epoch = epoch


class MarketDataError(CryptoDeskError):
    code = "market_data_error"


class RateLimitedError(MarketDataError):
    code = "rate_limited"
    retryable = True

    def __init__(self, provider: str, retry_after: float | None = None) -> None:
        wait = f"; retry after {retry_after:.0f} s" if retry_after is not None else ""
        super().__init__(f"{upstream_name(provider)} rate limit reached{wait}")
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
    """`reason` (also the `details`) says what happened technically; the message only which
    kind of failure it was."""

    code = "upstream_unavailable"
    retryable = True
    failure: UpstreamFailure = "no_answer"

    def __init__(
        self, provider: str, reason: str, *, failure: UpstreamFailure | None = None
    ) -> None:
        kind = failure or self.failure
        super().__init__(
            UPSTREAM_SENTENCES[kind].format(name=upstream_name(provider)), details=reason
        )
        self.failure = kind
        self.provider = provider
        self.reason = reason


class UpstreamUnreachableError(UpstreamUnavailableError):
    """The network path to the provider is down. Transient (`retryable`, so caches may serve
    what they hold), but the upstream's circuit (`market.circuit`) remembers it and re-probes in
    the background: the retry policy leaves it alone, and the `auto` market falls back to demo
    data at once."""

    failure: UpstreamFailure = "unreachable"


class BadCredentialsError(MarketDataError):
    code = "bad_credentials"

    def __init__(
        self, provider: str, hint: str | None = None, *, details: str | None = None
    ) -> None:
        fix = f": {hint}" if hint else ""
        super().__init__(
            f"{upstream_name(provider)} rejected the configured credentials{fix}", details=details
        )
        self.provider = provider
        self.hint = hint


class UnusableCredentialsError(BadCredentialsError):
    """A configured key that cannot even be sent (one from the environment with control or
    non-ASCII characters): refused before any request, and never quoted."""

    def __init__(self, provider: str, setting: str, why: str) -> None:
        hint = f"set it again (in Settings, or {setting})"
        MarketDataError.__init__(self, f"the {provider} API key cannot be sent: it {why}; {hint}")
        self.provider = provider
        self.hint = hint


class DataUnavailableError(MarketDataError):
    code = "data_unavailable"


class ToolError(CryptoDeskError):
    code = "tool_error"


class UnprocessableError(CryptoDeskError):
    code = "unprocessable"


class InvalidTargetError(UnprocessableError):
    code = "invalid_target"

    def __init__(self, why: str) -> None:
        super().__init__(f"the notification URL {why}")
        self.why = why


class InvalidSettingsError(CryptoDeskError):
    code = "invalid_settings"

    def __init__(self, reasons: dict[str, str]) -> None:
        listed = "; ".join(f"{field}: {why}" for field, why in reasons.items())
        super().__init__(f"invalid settings: {listed}")
        self.reasons = reasons


class InvalidSecretError(InvalidSettingsError):
    """Names the secret and the rule it breaks, never the value."""

    code = "invalid_secret"

    def __init__(self, name: str, why: str) -> None:
        CryptoDeskError.__init__(self, f"secret {name} not stored: the value {why}")
        self.reasons = {"value": f"the value {why}"}
        self.name = name


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


class DatabaseInUseError(StorageError):
    """A SQLite database is served by one process: several replicas need PostgreSQL."""

    code = "storage_in_use"
    retryable = False

    def __init__(self, where: str) -> None:
        super().__init__(
            where,
            "another CryptoDesk server is using it (SQLite serves one process; stop the other "
            "one, give this one its own CRYPTODESK_DATA_DIR, or run several replicas on "
            "PostgreSQL with CRYPTODESK_DATABASE_URL)",
        )


class EngineError(CryptoDeskError):
    code = "engine_error"


class LlmError(EngineError):
    """The LLM could not answer; `code` says why (`llm_unavailable`, `llm_no_tools`, ...)."""

    def __init__(self, code: str, message: str, *, details: str | None = None) -> None:
        super().__init__(message, details=details)
        self.code = code
