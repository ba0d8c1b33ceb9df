"""`cryptodesk doctor`: what is configured and what is reachable."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import httpx
from rich.console import Console
from rich.table import Table

from cryptodesk import __version__
from cryptodesk.config import Settings
from cryptodesk.engines.selection import EngineSelector
from cryptodesk.errors import ConfigError, CryptoDeskError
from cryptodesk.market.exchange_service import build_exchange
from cryptodesk.market.service import build_market_service
from cryptodesk.store.store import Store

EXCHANGE_PROBE_S = 3.0
"""How long doctor waits for one ticker from the exchange."""


async def _check_exchange(settings: Settings, row: Callable[[str, bool | None, str], None]) -> None:
    """The exchange id, whether keys are set (never the keys) and a quick public ticker."""
    exchange = build_exchange(settings)
    keys = "API keys set" if exchange.has_credentials else "no API keys (balances, orders off)"
    row("exchange", None, f"{exchange.name}: {keys}")
    try:
        async with asyncio.timeout(EXCHANGE_PROBE_S):
            ticker = await exchange.ticker("BTC")
        row("exchange api", True, f"reachable: {ticker.symbol} last {ticker.last:g}")
    except TimeoutError:
        row("exchange api", None, f"unreachable: no answer in {EXCHANGE_PROBE_S:g} s")
    except ConfigError as exc:
        row("exchange api", False, exc.message)
    except CryptoDeskError as exc:
        row("exchange api", None, f"unreachable: {exc.message}")
    finally:
        await exchange.aclose()


async def run_doctor(settings: Settings, console: Console) -> bool:
    table = Table(title=f"CryptoDesk {__version__} doctor", show_lines=False)
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    ok = True

    def row(check: str, good: bool | None, detail: str) -> None:
        nonlocal ok
        mark = {True: "[green]ok[/green]", False: "[red]fail[/red]", None: "[yellow]info[/yellow]"}
        table.add_row(check, mark[good], detail)
        ok = ok and good is not False

    row("python", None, sys.version.split()[0])
    row("data directory", None, str(settings.data_dir))
    store: Store | None = None
    try:
        store = await Store.open(settings.resolved_database_url)
        await store.check()
        row("database", True, f"{store.engine.url.render_as_string(hide_password=True)}")
    except Exception as exc:  # doctor reports every failure instead of raising it
        row("database", False, f"{type(exc).__name__}: {exc}")
    try:
        market = build_market_service(settings)
        status = market.status()
        row("market data", status.ready, f"{status.mode}: {status.detail}")
        if store is not None:
            engines = EngineSelector(settings, market, store.charts)
            check = await engines.refresh()  # one cheap real request to the LLM
            row("engine", None, f"{settings.engine} → {engines.describe()}")
            llm_status = engines.llm_status()
            if check is None:
                row("llm", None, llm_status)
            else:
                latency = f", {check.latency_ms} ms" if check.latency_ms is not None else ""
                row(
                    "llm",
                    llm_status == "connected" or (None if settings.engine == "auto" else False),
                    f"{llm_status}: {check.model}{latency}; {check.detail}",
                )
            await engines.aclose()
        await market.aclose()
    except CryptoDeskError as exc:
        row("market data", False, exc.message)
    if store is not None:
        await store.close()
    await _check_exchange(settings, row)
    url = f"http://{settings.host}:{settings.port}/api/v1/health"
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(url)
        row("server", response.status_code == 200 or None, f"{url} → {response.status_code}")
    except httpx.HTTPError:
        row("server", None, f"not running at {url} (start it with `cryptodesk serve`)")
    console.print(table)
    return ok
