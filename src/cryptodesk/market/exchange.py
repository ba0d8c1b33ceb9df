"""A read-only exchange client over ccxt's async API (Bitget by default, any ccxt id by setting).

ccxt is imported lazily (about 0.7 s): never when cryptodesk is imported. Every call goes through
one boundary: a per-call timeout, ccxt errors translated into ours (`exchange_errors`), retryable
ones retried by the project's `RetryPolicy`, and the exchange's circuit (`circuit.py`): once the
exchange is found unreachable, calls fail at once until a background probe (its server time, a
cheap public request) gets an answer. The client places no orders: it has no method that could.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import SecretStr

from cryptodesk.errors import (
    BadRangeError,
    CryptoDeskError,
    DataUnavailableError,
    UnsupportedTimeframeError,
    UnusableCredentialsError,
    upstream_name,
)
from cryptodesk.market import exchange_payloads as payloads
from cryptodesk.market.catalog import coin_by_symbol
from cryptodesk.market.circuit import FIRST_PROBE_S, Circuit
from cryptodesk.market.exchange_errors import (
    MissingCredentialsError,
    SymbolNotListedError,
    is_boundary_error,
    retry_after_s,
    translate,
)
from cryptodesk.market.exchange_schemas import (
    Balances,
    ExchangeTicker,
    FundingRate,
    OpenInterest,
    OpenOrders,
    OrderBook,
)
from cryptodesk.market.exchange_symbols import ExchangeProfile, pair_candidates, profile_for
from cryptodesk.market.retry import RetryPolicy
from cryptodesk.market.schemas import TIMEFRAMES, Candle, Candles, Timeframe, timeframe_delta
from cryptodesk.redaction import Redactor
from cryptodesk.vault.values import problem

logger = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]
# Tools wait for the answer: a few short retries, not the patient policy of background refreshes.
DEFAULT_RETRY = RetryPolicy(max_attempts=3, max_wait_s=5.0)
MAX_CANDLES = 1000

# ccxt credential field -> the setting that provides it.
CREDENTIAL_SETTINGS: Mapping[str, str] = {
    "apiKey": "CRYPTODESK_EXCHANGE_API_KEY",
    "secret": "CRYPTODESK_EXCHANGE_API_SECRET",
    "password": "CRYPTODESK_EXCHANGE_API_PASSPHRASE",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ExchangeCredentials:
    api_key: SecretStr | None = None
    secret: SecretStr | None = None
    passphrase: SecretStr | None = None

    def by_ccxt_field(self) -> dict[str, str]:
        fields = {"apiKey": self.api_key, "secret": self.secret, "password": self.passphrase}
        values = {name: v.get_secret_value() for name, v in fields.items() if v is not None}
        return {name: value for name, value in values.items() if value}


class ExchangeClient:
    """Typed, read-only market and account data of one exchange."""

    def __init__(
        self,
        exchange: Any,
        *,
        credentials: ExchangeCredentials,
        quote: str = "USDT",
        timeout_s: float = 10.0,
        profile: ExchangeProfile | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock = utc_now,
        probe_after_s: float = FIRST_PROBE_S,
    ) -> None:
        self._ex = exchange
        self._credentials = credentials
        # Any length: these are the very values this client sends, not a scan of arbitrary text.
        self._redact = Redactor(credentials.by_ccxt_field().values(), min_length=1)
        self._quote = quote.upper()
        self._timeout_s = timeout_s
        self._profile = profile or profile_for(str(exchange.id))
        self._retry = retry or DEFAULT_RETRY
        self._clock = clock
        self.circuit = Circuit(upstream_name(self.id), self._probe, first_probe_s=probe_after_s)

    @property
    def id(self) -> str:
        return str(self._ex.id)

    @property
    def has_credentials(self) -> bool:
        return bool(self._credentials.by_ccxt_field())

    def __repr__(self) -> str:
        keys = "set" if self.has_credentials else "unset"
        return f"ExchangeClient({self.id!r}, keys {keys})"

    async def ticker(self, symbol: str) -> ExchangeTicker:
        market = await self._spot(symbol)

        async def fetch() -> ExchangeTicker:
            raw = await self._ex.fetch_ticker(market.symbol)
            return payloads.to_ticker(raw, market, *self._stamp())

        return await self._call(market.symbol, fetch)

    async def order_book(self, symbol: str, depth: int = 50) -> OrderBook:
        if depth < 1:
            raise BadRangeError(f"order book depth must be at least 1, got {depth}")
        market = await self._spot(symbol)

        async def fetch() -> OrderBook:
            raw = await self._ex.fetch_order_book(market.symbol, depth)
            return payloads.to_order_book(raw, market, *self._stamp())

        return await self._call(market.symbol, fetch)

    async def ohlcv(self, symbol: str, timeframe: str, limit: int = 200) -> Candles:
        if not 1 <= limit <= MAX_CANDLES:
            raise BadRangeError(f"limit must be 1 to {MAX_CANDLES} candles, got {limit}")
        tf = self._timeframe(timeframe)
        market = await self._spot(symbol)

        async def fetch() -> tuple[Candle, ...]:
            return payloads.to_candles(await self._ex.fetch_ohlcv(market.symbol, tf, limit=limit))

        candles = await self._call(market.symbol, fetch)
        if not candles:
            raise DataUnavailableError(f"{self.id} returned no {tf} candles for {market.symbol}")
        coin = coin_by_symbol(market.base)
        close_time = candles[-1].time + timeframe_delta(tf)
        return Candles(
            coin_id=coin.id if coin else market.base.lower(),
            symbol=market.base,
            timeframe=tf,
            candles=candles,
            source=self.id,
            as_of=min(close_time, self._clock()),
            simulated=False,
        )

    async def funding_rate(self, symbol: str) -> FundingRate:
        market = await self._perpetual(symbol)

        async def fetch() -> FundingRate:
            raw = await self._ex.fetch_funding_rate(market.symbol)
            return payloads.to_funding_rate(raw, *self._stamp())

        return await self._call(market.symbol, fetch)

    async def open_interest(self, symbol: str) -> OpenInterest:
        market = await self._perpetual(symbol)

        async def fetch() -> OpenInterest:
            raw = await self._ex.fetch_open_interest(market.symbol)
            return payloads.to_open_interest(raw, *self._stamp())

        return await self._call(market.symbol, fetch)

    async def balances(self) -> Balances:
        self._require_credentials()

        async def fetch() -> Balances:
            return payloads.to_balances(await self._ex.fetch_balance(), *self._stamp())

        return await self._call("balances", fetch)

    async def open_orders(self, symbol: str | None = None) -> OpenOrders:
        self._require_credentials()
        unified = None if symbol is None else (await self._spot(symbol)).symbol

        async def fetch() -> OpenOrders:
            raw = await self._ex.fetch_open_orders(unified)
            return payloads.to_open_orders(raw, unified, *self._stamp())

        return await self._call(unified or "open orders", fetch)

    def supported_timeframes(self) -> tuple[Timeframe, ...]:
        offered = self._ex.timeframes or {}
        return tuple(tf for tf in TIMEFRAMES if tf in offered)

    async def close(self) -> None:
        await self.circuit.aclose()
        await self._ex.close()

    # -- the boundary ------------------------------------------------------------------------

    def _stamp(self) -> tuple[str, datetime]:
        return self.id, self._clock()

    async def _call(self, subject: str, operation: Callable[[], Awaitable[T]]) -> T:
        """One ccxt call and the typing of its result: timed out, translated, retried."""
        self.circuit.check()  # an exchange known to be unreachable: fail now
        return await self._retry.run(
            lambda: self._guarded(subject, operation), what=f"{self.id} {subject}"
        )

    async def _guarded(self, subject: str, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await operation()
        except Exception as e:
            if isinstance(e, CryptoDeskError) or not is_boundary_error(e):
                raise
            headers = getattr(self._ex, "last_response_headers", None)
            error = translate(
                e,
                provider=self.id,
                subject=subject,
                redact=self._redact,
                retry_after=retry_after_s(headers if isinstance(headers, Mapping) else None),
            )
            self.circuit.observe(error)
            logger.info("%s call about %s failed: %s", self.id, subject, error.logged())
            raise error from e
        self.circuit.observe(None)
        return result

    async def _probe(self) -> None:
        """The circuit's probe: the exchange's server time where ccxt has it (one cheap public
        request, no markets needed), else its markets."""

        async def ask() -> object:
            if (self._ex.has or {}).get("fetchTime"):
                return await self._ex.fetch_time()
            return await self._ex.load_markets(reload=True)

        await self._guarded("its server time", ask)

    async def _markets(self) -> Mapping[str, object]:
        async def load() -> Mapping[str, object]:
            markets = await self._ex.load_markets()
            if not isinstance(markets, Mapping):
                raise TypeError(f"markets are a {type(markets).__name__}, not a mapping")
            return markets

        return await self._call("markets", load)

    async def _spot(self, query: str) -> payloads.CcxtMarket:
        markets = await self._markets()
        for base, quote in pair_candidates(query, self._quote):
            market = _market(markets, f"{base}/{quote}")
            if market is not None and not market.swap:
                return market
        raise SymbolNotListedError(self.id, _pair(query, self._quote))

    async def _perpetual(self, query: str) -> payloads.CcxtMarket:
        markets = await self._markets()
        pairs = pair_candidates(query, self._quote)
        for base, quote in pairs:
            market = _market(markets, self._profile.perpetual.format(base=base, quote=quote))
            if market is not None and market.swap:
                return market
        spot = next((f"{b}/{q}" for b, q in pairs if f"{b}/{q}" in markets), None)
        if spot is None:
            raise SymbolNotListedError(self.id, _pair(query, self._quote))
        raise DataUnavailableError(
            f"{upstream_name(self.id)} lists {spot} but no perpetual contract on it"
        )

    def _timeframe(self, timeframe: str) -> Timeframe:
        supported = self.supported_timeframes()
        for tf in supported:
            if tf == timeframe:
                return tf
        raise UnsupportedTimeframeError(timeframe, supported)

    def _require_credentials(self) -> None:
        required = getattr(self._ex, "requiredCredentials", None) or {}
        present = self._credentials.by_ccxt_field()
        missing = tuple(
            setting
            for field, setting in CREDENTIAL_SETTINGS.items()
            if required.get(field, field == "apiKey") and field not in present
        )
        if missing:
            raise MissingCredentialsError(self.id, missing)
        for field, value in present.items():
            # The key and passphrase go out as headers, the secret signs: a value from the
            # environment with control characters is refused here, never sent or quoted.
            why = problem(value, header=field != "secret")
            if why is not None:
                raise UnusableCredentialsError(self.id, CREDENTIAL_SETTINGS[field], why)


def _pair(query: str, quote: str) -> str:
    """The pair a user's symbol most likely means, for saying it is not listed."""
    pairs = pair_candidates(query, quote)
    return f"{pairs[0][0]}/{pairs[0][1]}" if pairs else query.strip()


def _market(markets: Mapping[str, object], symbol: str) -> payloads.CcxtMarket | None:
    raw = markets.get(symbol)
    return None if raw is None else payloads.CcxtMarket.model_validate(raw)
