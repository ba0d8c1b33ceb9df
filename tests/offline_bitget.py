"""ccxt's real Bitget class, fed recorded Bitget v2 payloads instead of the network.

`fetch` (ccxt's lowest transport hook) is overridden, as verified in
shared/reference/market-data.md §2.5: ccxt still builds, signs and parses every request. Each URL
path is answered from shared/data/market/fixtures/bitget/raw_v2 (read in place, never copied),
from the CONSTRUCTED payloads below, or from a per-test script of responses and exceptions.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ccxt.async_support as ccxt
from pydantic import SecretStr

from cryptodesk.config import Settings
from cryptodesk.market.circuit import FIRST_PROBE_S
from cryptodesk.market.exchange_service import ExchangeService, build_exchange
from cryptodesk.market.retry import RetryPolicy
from tests.shared import shared_market_path

API_KEY = "test-key-7f3a9c"
API_SECRET = "test-secret-51d0e8b2"
PASSPHRASE = "test-pass-c4e6"
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)

RECORDED = {
    "/api/v2/spot/public/coins": "spot_public_coins.json",
    "/api/v2/spot/public/symbols": "spot_public_symbols.json",
    "/api/v2/margin/currencies": "margin_currencies.json",
    "/api/v2/spot/market/tickers": "spot_market_tickers_BTCUSDT.json",
    "/api/v2/spot/market/orderbook": "spot_market_orderbook_BTCUSDT_limit3.json",
    "/api/v2/spot/market/candles": "spot_market_candles_BTCUSDT_1min.json",
    "/api/v2/spot/account/assets": "spot_account_assets.json",
    "/api/v2/spot/trade/unfilled-orders": "spot_trade_unfilled_orders_BTCUSDT.json",
}

# CONSTRUCTED (no recording exists): Bitget v2 mix-market responses in the shapes ccxt 4.5.90's
# bitget.py documents and parses (fetch_markets, fetch_funding_rate, fetch_open_interest).
BTC_PERPETUAL = {
    "symbol": "BTCUSDT",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "makerFeeRate": "0.0002",
    "takerFeeRate": "0.0006",
    "supportMarginCoins": ["USDT"],
    "minTradeNum": "0.001",
    "priceEndStep": "1",
    "volumePlace": "3",
    "pricePlace": "1",
    "sizeMultiplier": "0.001",
    "symbolType": "perpetual",
    "minTradeUSDT": "5",
    "symbolStatus": "normal",
    "fundInterval": "8",
    "minLever": "1",
    "maxLever": "125",
}
FUNDING = {
    "symbol": "BTCUSDT",
    "fundingRate": "-0.000013",
    "fundingRateInterval": "8",
    "nextUpdate": "1745510400000",
    "minFundingRate": "-0.003",
    "maxFundingRate": "0.003",
}
OPEN_INTEREST = {
    "openInterestList": [{"symbol": "BTCUSDT", "size": "52234.134"}],
    "ts": "1700866041023",
}


def ok(data: object) -> dict[str, Any]:
    return {"code": "00000", "msg": "success", "requestTime": 1700000000000, "data": data}


def bitget_error(code: str, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg, "requestTime": 1700000000000, "data": None}


def unreachable(path: str) -> ccxt.ExchangeNotAvailable:
    """What ccxt's transport raises when the host's name does not resolve (see its `fetch`)."""
    error = ccxt.ExchangeNotAvailable(f"bitget GET https://api.bitget.com{path}")
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    return error


def constructed(path: str, query: dict[str, list[str]]) -> dict[str, Any] | None:
    if path == "/api/v2/mix/market/contracts":
        usdt = query.get("productType") == ["USDT-FUTURES"]
        return ok([BTC_PERPETUAL] if usdt else [])
    if path == "/api/v2/mix/market/current-fund-rate":
        return ok([FUNDING])
    if path == "/api/v2/mix/market/open-interest":
        return ok(OPEN_INTEREST)
    if path == "/api/v2/public/time":
        return ok({"serverTime": "1700000000000"})
    if path == "/api/v3/account/settings":
        # A classic (non-unified) account: ccxt swallows this error and keeps the v2 endpoints.
        return bitget_error("40099", "not a unified trading account")
    return None


@cache
def recorded(name: str) -> dict[str, Any]:
    path = shared_market_path() / "fixtures" / "bitget" / "raw_v2" / name
    response: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["response"]
    return response


@cache
def unified() -> dict[str, Any]:
    path = (
        shared_market_path()
        / "fixtures/bitget/ccxt_unified/ccxt_4.5.90_bitget_unified_outputs.json"
    )
    outputs: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return outputs


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Script:
    """Responses (dicts) or exceptions to serve, in order, per URL path before the defaults."""

    by_path: dict[str, list[object]] = field(default_factory=dict)
    delay_s: dict[str, float] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def to(self, path: str, *answers: object) -> None:
        self.by_path.setdefault(path, []).extend(answers)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


class OfflineBitget(ccxt.bitget):  # type: ignore[misc]
    def __init__(self, config: dict[str, Any], script: Script) -> None:
        super().__init__({**config, "enableRateLimit": False, "timeout_on_exit": 0})
        self.script = script

    async def fetch(
        self, url: str, method: str = "GET", headers: Any = None, body: Any = None
    ) -> Any:
        # The line the real transport logs (with the signed headers) before every request.
        self.logger.debug("%s %s, Request: %s %s", method, url, headers, body)
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.script.requests.append(Request(method, parts.path, query, dict(headers or {})))
        if parts.path in self.script.delay_s:
            await asyncio.sleep(self.script.delay_s[parts.path])
        queued = self.script.by_path.get(parts.path)
        answer: object = queued.pop(0) if queued else None
        if answer is None:
            answer = constructed(parts.path, query)
        if answer is None and parts.path in RECORDED:
            answer = recorded(RECORDED[parts.path])
        if answer is None:
            raise AssertionError(f"no offline answer for {method} {url}")
        if isinstance(answer, BaseException):
            raise answer
        text = json.dumps(answer)
        self.handle_errors(200, "OK", url, method, {}, text, answer, headers, body)
        return answer


def settings(*, keys: bool = True, timeout_s: float = 10.0) -> Settings:
    secrets: dict[str, Any] = {}
    if keys:
        secrets = {
            "exchange_api_key": SecretStr(API_KEY),
            "exchange_api_secret": SecretStr(API_SECRET),
            "exchange_api_passphrase": SecretStr(PASSPHRASE),
        }
    return Settings(
        exchange="bitget",
        exchange_quote="USDT",
        exchange_timeout_s=timeout_s,
        _env_file=None,  # type: ignore[call-arg]
        **secrets,
    )


@dataclass
class Sleeps:
    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def offline_exchange(
    script: Script,
    *,
    keys: bool = True,
    timeout_s: float = 10.0,
    sleeps: Sleeps | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    probe_after_s: float = FIRST_PROBE_S,
) -> ExchangeService:
    """The real gateway over `OfflineBitget`; retries wait on `sleeps`, not the clock."""
    retry = RetryPolicy(max_attempts=3, max_wait_s=5.0, sleep=sleeps or Sleeps())
    service = build_exchange(
        settings(keys=keys, timeout_s=timeout_s),
        exchange_factory=lambda _id, config: OfflineBitget(config, script),
        retry=retry,
        clock=lambda: NOW,
        monotonic=monotonic,
        probe_after_s=probe_after_s,
    )
    return service
