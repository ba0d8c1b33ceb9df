"""The CoinGecko API v3 client: typed payloads out, our errors at the boundary.

Every request waits for the rate budget, goes through the shared retry policy, and sends the API
key (if any) as a header only, never in the URL. Plan differences are data (`PLANS`). The
client's circuit (`circuit.py`) remembers an unreachable host: requests then fail at once, and
`/ping` probes it in the background until it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr, TypeAdapter, ValidationError

from cryptodesk.errors import (
    BadCredentialsError,
    BadRangeError,
    CoinNotFoundError,
    DataUnavailableError,
    MarketDataError,
    RateLimitedError,
    UnusableCredentialsError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.circuit import FIRST_PROBE_S, Circuit
from cryptodesk.market.coingecko_payloads import (
    CoinListEntry,
    ErrorBody,
    Global,
    GlobalData,
    MarketChart,
    MarketRow,
    OhlcRow,
    SearchResult,
    SimplePrice,
    Trending,
)
from cryptodesk.market.ratelimit import TokenBucket
from cryptodesk.market.retry import RetryPolicy, parse_retry_after
from cryptodesk.vault.values import problem

logger = logging.getLogger(__name__)

PROVIDER = "coingecko"
Plan = Literal["keyless", "demo", "pro"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PlanSpec:
    base_url: str
    key_header: str | None
    rate_per_minute: int
    """Our default budget: below the plan's published limit, which varies with traffic."""
    history_days: int | None = None
    """How far back historical data reaches (None: all of it)."""


PLANS: dict[Plan, PlanSpec] = {
    "keyless": PlanSpec("https://api.coingecko.com/api/v3", None, 25, history_days=365),
    "demo": PlanSpec("https://api.coingecko.com/api/v3", "x-cg-demo-api-key", 30, history_days=365),
    "pro": PlanSpec("https://pro-api.coingecko.com/api/v3", "x-cg-pro-api-key", 500),
}

_CREDENTIAL_HINTS: dict[int, str] = {
    10002: "the API key is missing; set CRYPTODESK_COINGECKO_API_KEY",
    10005: "this endpoint is not included in the key's plan",
    10010: "a pro key used on the public host; set CRYPTODESK_COINGECKO_PLAN=pro",
    10011: "a demo key used on the pro host; set CRYPTODESK_COINGECKO_PLAN=demo",
}


@dataclass(frozen=True, slots=True)
class UpstreamOutcome:
    """How the last request to the upstream ended (for readiness, without a network call)."""

    ok: bool
    detail: str
    at: datetime


_SIMPLE = TypeAdapter(dict[str, dict[str, float | None]])
_MARKETS = TypeAdapter(list[MarketRow])
_CHART = TypeAdapter(MarketChart)
_OHLC = TypeAdapter(list[OhlcRow])
_SEARCH = TypeAdapter(SearchResult)
_TRENDING = TypeAdapter(Trending)
_GLOBAL = TypeAdapter(Global)
_COINS = TypeAdapter(list[CoinListEntry])
_ERROR = TypeAdapter(ErrorBody)


class CoinGeckoClient:
    def __init__(
        self,
        http: httpx.AsyncClient | None = None,
        *,
        plan: Plan = "keyless",
        api_key: SecretStr | None = None,
        base_url: str | None = None,
        limiter: TokenBucket | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 10.0,
        probe_after_s: float = FIRST_PROBE_S,
    ) -> None:
        spec = PLANS[plan]
        if spec.key_header is not None and api_key is None:
            raise ValueError(f"the CoinGecko {plan} plan needs an API key")
        self.plan = plan
        self.base_url = (base_url or spec.base_url).rstrip("/")
        self.limiter = limiter or TokenBucket(spec.rate_per_minute)
        self.last_outcome: UpstreamOutcome | None = None
        self._timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=self._timeout)
        self._key = api_key
        self._key_header = spec.key_header
        self._retry = retry or RetryPolicy()
        self.circuit = Circuit("CoinGecko", self.ping, first_probe_s=probe_after_s)

    async def aclose(self) -> None:
        """Closes the HTTP client if this client created it; an injected one is its owner's."""
        await self.circuit.aclose()
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        key = "set" if self._key is not None else "none"
        return f"CoinGeckoClient(plan={self.plan!r}, base_url={self.base_url!r}, key={key})"

    async def simple_price(self, ids: Sequence[str], vs: str = "usd") -> dict[str, SimplePrice]:
        """Price, market cap, 24 h volume and change; unknown ids are simply absent."""
        raw = await self._get(
            "/simple/price",
            {
                "ids": ",".join(ids),
                "vs_currencies": vs,
                "include_market_cap": "true",
                "include_24hr_vol": "true",
                "include_24hr_change": "true",
                "include_last_updated_at": "true",
            },
            _SIMPLE,
        )
        prices: dict[str, SimplePrice] = {}
        for coin_id, fields in raw.items():
            price = fields.get(vs)
            if price is None:
                continue
            updated = fields.get("last_updated_at")
            prices[coin_id] = SimplePrice(
                price=price,
                market_cap=fields.get(f"{vs}_market_cap"),
                volume_24h=fields.get(f"{vs}_24h_vol"),
                change_24h_pct=fields.get(f"{vs}_24h_change"),
                last_updated_at=int(updated) if updated is not None else None,
            )
        return prices

    async def coins_markets(
        self,
        *,
        ids: Sequence[str] = (),
        per_page: int = 100,
        page: int = 1,
        vs: str = "usd",
        sparkline: bool = False,
    ) -> list[MarketRow]:
        """Coins by market cap (descending), or exactly `ids`; `sparkline` adds 7 days of
        hourly prices to each row."""
        params: dict[str, str | int] = {
            "vs_currency": vs,
            "order": "market_cap_desc",
            "per_page": per_page,
            "page": page,
            "price_change_percentage": "24h",
        }
        if sparkline:
            params["sparkline"] = "true"
        if ids:
            params["ids"] = ",".join(ids)
        return await self._get("/coins/markets", params, _MARKETS)

    async def market_chart(self, coin_id: str, days: int, vs: str = "usd") -> MarketChart:
        """Price, market cap and rolling 24 h volume samples (5-minutely for 1 day, hourly up to
        90 days, daily beyond)."""
        path = f"/coins/{quote(coin_id, safe='')}/market_chart"
        return await self._get(path, {"vs_currency": vs, "days": days}, _CHART, coin=coin_id)

    async def market_chart_range(
        self, coin_id: str, start_s: int, end_s: int, vs: str = "usd"
    ) -> MarketChart:
        """Samples between two unix times (5-minutely within a day, hourly up to 90 days, daily
        beyond); keyless and demo plans reach back 365 days only (10012)."""
        path = f"/coins/{quote(coin_id, safe='')}/market_chart/range"
        params: dict[str, str | int] = {"vs_currency": vs, "from": start_s, "to": end_s}
        return await self._get(path, params, _CHART, coin=coin_id)

    async def ohlc(self, coin_id: str, days: int, vs: str = "usd") -> list[OhlcRow]:
        """Candles `[close time ms, open, high, low, close]`; `days` is 1, 7, 14, 30, 90, 180 or
        365 (30-minute bodies for 1-2 days, 4 h up to 30, 4 days beyond)."""
        path = f"/coins/{quote(coin_id, safe='')}/ohlc"
        return await self._get(path, {"vs_currency": vs, "days": days}, _OHLC, coin=coin_id)

    async def search(self, query: str) -> SearchResult:
        return await self._get("/search", {"query": query}, _SEARCH)

    async def trending(self) -> Trending:
        return await self._get("/search/trending", {}, _TRENDING)

    async def global_market(self) -> GlobalData:
        return (await self._get("/global", {}, _GLOBAL)).data

    async def coins_list(self) -> list[CoinListEntry]:
        return await self._get("/coins/list", {}, _COINS)

    async def ping(self) -> None:
        """`GET /ping` once: no retry and no circuit check (it is the circuit's probe and
        doctor's check), but it spends the rate budget like any request. Raises our error for
        no answer or an error answer."""
        await self.limiter.acquire()
        response = await self._send("/ping", {})
        if response.status_code >= 400:
            raise translate_error(response)

    async def _get(
        self,
        path: str,
        params: Mapping[str, str | int],
        adapter: TypeAdapter[T],
        *,
        coin: str | None = None,
    ) -> T:
        async def attempt() -> T:
            try:
                value = await self._attempt(path, params, adapter, coin)
            except MarketDataError as e:
                self.last_outcome = UpstreamOutcome(False, e.logged(), datetime.now(UTC))
                raise
            self.last_outcome = UpstreamOutcome(True, f"GET {path} ok", datetime.now(UTC))
            return value

        return await self._retry.run(attempt, what=f"{PROVIDER} GET {path}")

    async def _attempt(
        self,
        path: str,
        params: Mapping[str, str | int],
        adapter: TypeAdapter[T],
        coin: str | None,
    ) -> T:
        self.circuit.check()  # a host known to be unreachable: fail now, not after a timeout
        paused = self.limiter.paused_for()
        if paused > 0:
            # CoinGecko asked for a pause: a newcomer gets the rate-limit error (and whatever
            # the cache still has) at once instead of queueing behind it.
            raise RateLimitedError(PROVIDER, paused)
        await self.circuit.unless_opened(self.limiter.acquire())
        response = await self._send(path, params)
        if response.status_code >= 400:
            error = translate_error(response, coin)
            if isinstance(error, RateLimitedError):
                self.limiter.pause(min(error.retry_after or DEFAULT_PAUSE_S, MAX_PAUSE_S))
            raise error
        try:
            return adapter.validate_json(response.content)
        except ValidationError as e:
            reason = f"unexpected response to GET {path} ({e.error_count()} problems)"
            raise UpstreamUnavailableError(PROVIDER, reason, failure="bad_answer") from e

    async def _send(self, path: str, params: Mapping[str, str | int]) -> httpx.Response:
        """One GET; a transport failure becomes our error, and the circuit learns from it."""
        headers = {"accept": "application/json"}
        if self._key_header is not None and self._key is not None:
            headers[self._key_header] = self._sendable_key(self._key)
        try:
            response = await self._http.get(
                self.base_url + path, params=params, headers=headers, timeout=self._timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            down = UpstreamUnreachableError(
                PROVIDER, f"GET {path}: cannot connect ({_describe(e)})"
            )
            self.circuit.observe(down)
            raise down from e
        except httpx.TimeoutException as e:
            reason = f"GET {path}: timed out ({type(e).__name__})"
            raise UpstreamUnavailableError(PROVIDER, reason) from e
        except (httpx.LocalProtocolError, UnicodeEncodeError) as e:
            # The request could not even be written: the only header we vary is the key. Its
            # text quotes the value, so neither it nor the cause is kept.
            hint = "the API key holds characters an HTTP header cannot carry; set it again"
            raise BadCredentialsError(PROVIDER, hint, details=type(e).__name__) from None
        except httpx.TransportError as e:
            raise UpstreamUnavailableError(PROVIDER, f"GET {path}: {_describe(e)}") from e
        self.circuit.observe(None)  # any answer, an error status included, proves the host is up
        return response

    @staticmethod
    def _sendable_key(key: SecretStr) -> str:
        """The key as a header value, or our error (it never goes into an httpx exception)."""
        value = key.get_secret_value()
        why = problem(value, header=True)
        if why is not None:
            raise UnusableCredentialsError(PROVIDER, "CRYPTODESK_COINGECKO_API_KEY", why)
        return value


DEFAULT_PAUSE_S = 10.0
"""How long the whole budget pauses after a 429 without `Retry-After`."""
MAX_PAUSE_S = 300.0
"""The longest pause a `Retry-After` can impose on the budget."""


def translate_error(response: httpx.Response, coin: str | None = None) -> MarketDataError:
    """Our error for a CoinGecko error response (HTTP status and `error_code` of the body)."""
    status = response.status_code
    try:
        body = _ERROR.validate_json(response.content)
    except ValidationError:
        body = ErrorBody()
    code, message = body.code, body.message
    if status == 429 or code == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return RateLimitedError(PROVIDER, retry_after)
    if code == 10012:
        return BadRangeError(
            "CoinGecko limits public and demo plans to the last 365 days of history (10012)"
        )
    if code == 10006:
        return DataUnavailableError("the CoinGecko key's monthly call credits are used up (10006)")
    if code in _CREDENTIAL_HINTS:
        return BadCredentialsError(PROVIDER, _CREDENTIAL_HINTS[code])
    if status in (401, 403):
        return BadCredentialsError(
            PROVIDER,
            "check CRYPTODESK_COINGECKO_API_KEY and CRYPTODESK_COINGECKO_PLAN",
            details=f"HTTP {status}",
        )
    if status == 404 and coin is not None:
        return CoinNotFoundError(coin)
    if status == 408:
        return UpstreamUnavailableError(PROVIDER, "HTTP 408")
    if status >= 500:
        return UpstreamUnavailableError(PROVIDER, f"HTTP {status}", failure="server_error")
    detail = f": {message[:200]}" if message else ""
    return DataUnavailableError("CoinGecko refused the request", details=f"HTTP {status}{detail}")


def _describe(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.LocalProtocolError):
        return type(error).__name__  # its text quotes the header it could not send: the key
    # Other httpx messages name the failure ("[Errno 111] Connection refused"), not the request.
    return str(error) or type(error).__name__
