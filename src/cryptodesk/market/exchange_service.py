"""The exchange gateway tools call: one lazily created client and a short cache of quotes.

`build_exchange` is cheap and imports nothing heavy; the ccxt exchange is created on first use
(its import runs in a thread), so a wrong `CRYPTODESK_EXCHANGE` fails that first call with a
`ConfigError`. Tests pass `exchange_factory` to get an offline ccxt instance.
"""

from __future__ import annotations

import asyncio
import difflib
import importlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cryptodesk.config import Settings
from cryptodesk.errors import ConfigError
from cryptodesk.market.cache import TtlCache
from cryptodesk.market.circuit import FIRST_PROBE_S
from cryptodesk.market.exchange import Clock, ExchangeClient, ExchangeCredentials, utc_now
from cryptodesk.market.exchange_errors import RedactingLogger
from cryptodesk.market.exchange_schemas import (
    Balances,
    ExchangeTicker,
    FundingRate,
    OpenInterest,
    OpenOrders,
    OrderBook,
)
from cryptodesk.market.exchange_symbols import profile_for
from cryptodesk.market.retry import RetryPolicy
from cryptodesk.market.schemas import Candles
from cryptodesk.redaction import Redactor

ExchangeFactory = Callable[[str, dict[str, Any]], Any]
"""Builds a ccxt async exchange from its id and ccxt config (tests build an offline one)."""

QUOTE_TTL_S = 3.0
"""Tickers and books are cached this long; never served stale (an old book misleads)."""


def ccxt_exchange(exchange_id: str, config: dict[str, Any]) -> Any:
    """The real ccxt async exchange; raises `ConfigError` for an id ccxt does not know."""
    import ccxt.async_support as ccxt_async  # lazy: about 0.7 s

    if exchange_id not in ccxt_async.exchanges:
        close = difflib.get_close_matches(exchange_id, ccxt_async.exchanges, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ConfigError(
            f"CRYPTODESK_EXCHANGE={exchange_id!r} is not a ccxt exchange id{hint}; list the ids "
            "with: uv run python -c 'import ccxt.async_support as c; print(c.exchanges)'"
        )
    return getattr(ccxt_async, exchange_id)(config)


def _retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.retry_max_attempts, max_wait_s=settings.retry_max_wait_s
    )


def create_client(
    settings: Settings,
    *,
    exchange_factory: ExchangeFactory | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock = utc_now,
    probe_after_s: float = FIRST_PROBE_S,
) -> ExchangeClient:
    """The client of `settings.exchange`; raises `ConfigError` for an unknown exchange id."""
    exchange_id = settings.exchange.strip().lower()
    credentials = ExchangeCredentials(
        settings.exchange_api_key, settings.exchange_api_secret, settings.exchange_api_passphrase
    )
    secrets = credentials.by_ccxt_field()
    profile = profile_for(exchange_id)
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": round(settings.exchange_timeout_s * 1000),
        "options": dict(profile.options),
        "logger": RedactingLogger(
            logging.getLogger("cryptodesk.market.ccxt"), Redactor(secrets.values(), min_length=1)
        ),
        **secrets,
    }
    exchange = (exchange_factory or ccxt_exchange)(exchange_id, config)
    return ExchangeClient(
        exchange,
        credentials=credentials,
        quote=settings.exchange_quote,
        timeout_s=settings.exchange_timeout_s,
        profile=profile,
        retry=retry or _retry_policy(settings),
        clock=clock,
        probe_after_s=probe_after_s,
    )


class ExchangeService:
    """Read-only exchange data for tools; see `ExchangeClient` for what each call returns."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[ExchangeClient]],
        *,
        name: str,
        has_credentials: bool,
        ttl_s: float = QUOTE_TTL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self._client: ExchangeClient | None = None
        self._lock = asyncio.Lock()
        self._name = name
        self._has_credentials = has_credentials
        self._tickers: TtlCache[ExchangeTicker] = TtlCache(
            f"{name} tickers", ttl_s, ttl_s, clock=monotonic
        )
        self._books: TtlCache[OrderBook] = TtlCache(f"{name} books", ttl_s, ttl_s, clock=monotonic)

    @property
    def name(self) -> str:
        """The configured ccxt exchange id."""
        return self._name

    @property
    def has_credentials(self) -> bool:
        return self._has_credentials

    def __repr__(self) -> str:
        return (
            f"ExchangeService({self._name!r}, keys {'set' if self._has_credentials else 'unset'})"
        )

    async def client(self) -> ExchangeClient:
        async with self._lock:
            if self._client is None:
                self._client = await self._connect()
            return self._client

    async def ticker(self, symbol: str) -> ExchangeTicker:
        client = await self.client()
        cached = await self._tickers.get(symbol.strip().upper(), lambda: client.ticker(symbol))
        return cached.value

    async def order_book(self, symbol: str, depth: int = 50) -> OrderBook:
        client = await self.client()
        key = (symbol.strip().upper(), depth)
        return (await self._books.get(key, lambda: client.order_book(symbol, depth))).value

    async def ohlcv(self, symbol: str, timeframe: str, limit: int = 200) -> Candles:
        return await (await self.client()).ohlcv(symbol, timeframe, limit)

    async def funding_rate(self, symbol: str) -> FundingRate:
        return await (await self.client()).funding_rate(symbol)

    async def open_interest(self, symbol: str) -> OpenInterest:
        return await (await self.client()).open_interest(symbol)

    async def balances(self) -> Balances:
        return await (await self.client()).balances()

    async def open_orders(self, symbol: str | None = None) -> OpenOrders:
        return await (await self.client()).open_orders(symbol)

    async def aclose(self) -> None:
        await self._tickers.aclose()
        await self._books.aclose()
        async with self._lock:
            client, self._client = self._client, None
        if client is not None:
            await client.close()


def build_exchange(
    settings: Settings,
    *,
    exchange_factory: ExchangeFactory | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock = utc_now,
    ttl_s: float = QUOTE_TTL_S,
    monotonic: Callable[[], float] = time.monotonic,
    probe_after_s: float = FIRST_PROBE_S,
) -> ExchangeService:
    """The gateway of `settings.exchange`; nothing is imported or connected until first use.
    `probe_after_s`: the first wait of the circuit's re-probe (tests use a short one)."""

    async def connect() -> ExchangeClient:
        if exchange_factory is None:
            # ccxt's import takes most of a second: keep it off the event loop.
            await asyncio.to_thread(importlib.import_module, "ccxt.async_support")
        return create_client(
            settings,
            exchange_factory=exchange_factory,
            retry=retry,
            clock=clock,
            probe_after_s=probe_after_s,
        )

    keys = (settings.exchange_api_key, settings.exchange_api_secret)
    return ExchangeService(
        connect,
        name=settings.exchange.strip().lower(),
        has_credentials=any(key is not None and key.get_secret_value() for key in keys),
        ttl_s=ttl_s,
        monotonic=monotonic,
    )
