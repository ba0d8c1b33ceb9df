"""`cryptodesk doctor`: what is configured, and what answers right now.

Every upstream gets one real, short request, all at the same time: CoinGecko's `/ping` (market
data auto or live), a ticker from the exchange, the LLM's readiness probe (a configured one, or
a local Ollama in engine auto) and, when it answers, whether its models call tools and answer in
JSON (two tiny completions), and the local server's health. A row says "ok" only when its
request got an answer; nothing is retried, so with the network down the whole check takes about
`PROBE_S`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from cryptodesk import __version__
from cryptodesk.config import Settings
from cryptodesk.engines.magentic.capabilities import probe_capabilities
from cryptodesk.engines.magentic.target import LlmTarget
from cryptodesk.engines.selection import EngineSelector
from cryptodesk.errors import (
    ConfigError,
    CryptoDeskError,
    ToolError,
    UpstreamUnavailableError,
    UpstreamUnreachableError,
)
from cryptodesk.market.exchange_service import build_exchange
from cryptodesk.market.service import (
    MarketDataService,
    build_coingecko_client,
    build_market_service,
)
from cryptodesk.store.store import Store

PROBE_S = 2.5
"""How long doctor waits for any one upstream."""
DATABASE_S = 10.0
"""The database is local, but a first run migrates it."""
SERVER_S = 1.0


@dataclass(frozen=True, slots=True)
class Row:
    check: str
    good: bool | None
    """True: answered as it should; False: broken; None: information (or not needed)."""
    detail: str


class _NoCharts:
    """Engine selection wants a chart store; doctor never runs an engine."""

    async def save_chart(self, **_: Any) -> str:
        raise ToolError("doctor does not draw charts")


def _quick(settings: Settings) -> Settings:
    """The settings with short timeouts and no retries: one request per upstream."""
    return settings.model_copy(
        update={
            "http_timeout_s": PROBE_S,
            "exchange_timeout_s": PROBE_S,
            "retry_max_attempts": 1,
            "llm_timeout_s": PROBE_S,
        }
    )


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


async def _database(settings: Settings) -> list[Row]:
    store: Store | None = None
    try:
        async with asyncio.timeout(DATABASE_S):
            store = await Store.open(settings.resolved_database_url)
            await store.check()
        url = store.engine.url.render_as_string(hide_password=True)
        return [Row("database", True, url)]
    except TimeoutError:
        return [Row("database", False, f"no answer in {DATABASE_S:g} s")]
    except Exception as exc:  # doctor reports every failure instead of raising it
        return [Row("database", False, f"{type(exc).__name__}: {exc}")]
    finally:
        if store is not None:
            await store.close()


async def _coingecko(settings: Settings) -> list[Row]:
    """One `/ping`; in auto mode an unreachable CoinGecko is not fatal (the demo market)."""
    client = build_coingecko_client(settings)
    auto = settings.market_data == "auto"
    down_is = None if auto else False
    stand_in = "; the demo market (simulated) stands in" if auto else ""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(PROBE_S):
            await client.ping()
        return [Row("coingecko", True, f"answered in {_elapsed_ms(started)} ms")]
    except TimeoutError:
        return [Row("coingecko", down_is, f"no answer in {PROBE_S:g} s{stand_in}")]
    except UpstreamUnavailableError as exc:
        if isinstance(exc, UpstreamUnreachableError) or exc.failure == "no_answer":
            return [Row("coingecko", down_is, exc.message + stand_in)]
        return [Row("coingecko", False, exc.message)]
    except CryptoDeskError as exc:  # it answered, with an error: keys, plan, rate limit
        return [Row("coingecko", False, exc.message)]
    finally:
        await client.aclose()


async def _exchange(settings: Settings) -> list[Row]:
    """The exchange id, whether keys are set (never the keys) and one public ticker."""
    exchange = build_exchange(settings)
    keys = "API keys set" if exchange.has_credentials else "no API keys (balances, orders off)"
    rows = [Row("exchange", None, f"{exchange.name}: {keys}")]
    try:
        await exchange.client()  # imports ccxt (in a thread, meanwhile the other checks run)
        started = time.perf_counter()
        async with asyncio.timeout(PROBE_S):
            ticker = await exchange.ticker("BTC")
        detail = f"{ticker.symbol} last {ticker.last:g} in {_elapsed_ms(started)} ms"
        rows.append(Row("exchange api", True, detail))
    except TimeoutError:
        rows.append(Row("exchange api", None, f"no answer in {PROBE_S:g} s"))
    except ConfigError as exc:
        rows.append(Row("exchange api", False, exc.message))
    except CryptoDeskError as exc:
        rows.append(Row("exchange api", None, exc.message))
    finally:
        await exchange.aclose()
    return rows


async def _engine(settings: Settings, market: MarketDataService) -> list[Row]:
    engines = EngineSelector(settings, market, _NoCharts())
    try:
        try:
            async with asyncio.timeout(PROBE_S):
                check = await engines.refresh()  # one cheap real request to the LLM
        except TimeoutError:
            check = None
            timed_out = True
        else:
            timed_out = False
        rows = [Row("engine", None, f"{settings.engine} → {engines.describe()}")]
        status = engines.llm_status()
        target = engines.llm_target
        if timed_out and target is not None:
            good = None if settings.engine == "auto" else False
            rows.append(Row("llm", good, f"{target.label}: no answer in {PROBE_S:g} s"))
        elif check is None:
            rows.append(Row("llm", None, status))
        else:
            latency = f", {check.latency_ms} ms" if check.latency_ms is not None else ""
            connected = status == "connected"
            good = connected or (None if settings.engine == "auto" else False)
            rows.append(Row("llm", good, f"{status}: {check.model}{latency}; {check.detail}"))
            if connected and target is not None:
                rows += await _abilities(target)
        return rows
    finally:
        await engines.aclose()


async def _abilities(target: LlmTarget) -> list[Row]:
    """Tool calling and JSON output, which the team needs (one tiny request each)."""
    try:
        async with asyncio.timeout(PROBE_S * 2):
            abilities = await probe_capabilities(target)
    except TimeoutError:
        return [Row("llm tools", None, f"no answer in {PROBE_S * 2:g} s")]
    return [
        Row("llm tools", abilities.tools.ok, abilities.tools.detail),
        Row("llm json", abilities.json.ok, abilities.json.detail),
    ]


async def _server(settings: Settings) -> list[Row]:
    url = f"http://{settings.host}:{settings.port}/api/v1/health"
    try:
        async with httpx.AsyncClient(timeout=SERVER_S) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return [Row("server", None, f"not running at {url} (start it with `cryptodesk serve`)")]
    return [Row("server", response.status_code == 200 or None, f"{url} → {response.status_code}")]


def _market_rows(settings: Settings) -> tuple[list[Row], MarketDataService | None]:
    try:
        market = build_market_service(settings)
    except CryptoDeskError as exc:
        return [Row("market data", False, exc.message)], None
    status = market.status()
    if settings.market_data in ("auto", "live"):
        return [Row("market data", None, market.detail)], market
    return [Row("market data", status.ready, f"{status.mode}: {status.detail}")], market


async def run_doctor(settings: Settings, console: Console) -> bool:
    quick = _quick(settings)
    market_rows, market = _market_rows(quick)
    live = market is not None and settings.market_data in ("auto", "live")
    try:
        async with asyncio.TaskGroup() as group:
            database = group.create_task(_database(settings))
            coingecko = group.create_task(_coingecko(quick)) if live else None
            engine = group.create_task(_engine(quick, market)) if market is not None else None
            exchange = group.create_task(_exchange(quick))
            server = group.create_task(_server(quick))
    finally:
        if market is not None:
            await market.aclose()
    rows = [
        Row("python", None, sys.version.split()[0]),
        Row("data directory", None, str(settings.data_dir)),
        *database.result(),
        *market_rows,
        *(coingecko.result() if coingecko is not None else []),
        *(engine.result() if engine is not None else []),
        *exchange.result(),
        *server.result(),
    ]
    console.print(_table(rows))
    return all(row.good is not False for row in rows)


def _table(rows: list[Row]) -> Table:
    table = Table(title=f"CryptoDesk {__version__} doctor", show_lines=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    marks = {True: "[green]ok[/green]", False: "[red]fail[/red]", None: "[yellow]info[/yellow]"}
    for row in rows:
        table.add_row(row.check, marks[row.good], row.detail)
    return table
