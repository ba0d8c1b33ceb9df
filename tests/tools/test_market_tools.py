from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from cryptodesk.errors import DataUnavailableError
from cryptodesk.market.schemas import PriceQuote
from cryptodesk.market.service import MarketDataService, build_market_service
from cryptodesk.tools.base import PREVIEW_LIMIT, ToolContext
from cryptodesk.tools.market import OverviewResult, PriceResult, SearchResult, TrendingResult
from cryptodesk.tools.registry import build_registry
from tests.fakes import MemoryChartStore
from tests.market.fake_coingecko import FakeCoinGecko, fixture_path, market_settings

REGISTRY = build_registry()


def quote(**labels: object) -> PriceQuote:
    return PriceQuote(
        coin_id="bitcoin",
        symbol="BTC",
        name="Bitcoin",
        price_usd=67187.34,
        change_24h_pct=3.64,
        high_24h=68000.0,
        low_24h=65000.0,
        volume_24h=31e9,
        source="coingecko",
        as_of=datetime(2026, 5, 1, 12, tzinfo=UTC),
        simulated=bool(labels.get("simulated", False)),
        market_cap_usd=1.32e12,
        stale=bool(labels.get("stale", False)),
        age_s=labels.get("age_s"),  # type: ignore[arg-type]
        fallback=bool(labels.get("fallback", False)),
    )


def test_price_preview_of_fresh_live_data_has_no_label_and_names_its_source() -> None:
    preview = PriceResult(simulated=False, quote=quote()).preview()
    assert preview.startswith("Bitcoin (BTC) $67,187.34, 24h +3.64%")
    assert "market cap $1.32T" in preview
    assert preview.endswith("source coingecko, as of 2026-05-01 12:00 UTC")


def test_price_preview_says_stale_with_the_age() -> None:
    preview = PriceResult(simulated=False, quote=quote(stale=True, age_s=95.2)).preview()
    assert preview.startswith("STALE (age 95 s): Bitcoin (BTC)")


def test_price_preview_says_fallback_and_simulated() -> None:
    result = PriceResult(simulated=True, quote=quote(simulated=True, fallback=True))
    assert result.preview().startswith(
        "⚠️ SIMULATED demo data: FALLBACK (live source unreachable): Bitcoin"
    )


@pytest.fixture
async def live_context(coingecko: FakeCoinGecko) -> AsyncIterator[ToolContext]:
    market = build_market_service(market_settings(coingecko.url))
    yield ToolContext(market, MemoryChartStore(), "run-1", "conv-1")
    await market.aclose()


async def test_get_market_overview_lists_top_coins_and_global_figures(
    live_context: ToolContext,
) -> None:
    result = await REGISTRY.get("get_market_overview").invoke(live_context, {"limit": 5})
    assert isinstance(result, OverviewResult)
    preview = result.preview()
    assert "Total market cap $3.75T (+2.33% 24h)" in preview
    assert "dominance BTC 54.0%, ETH 11.0%, XRP 5.0%" in preview
    assert "BTC $70,187.00 +3.13%" in preview
    assert preview.endswith(
        "source coingecko, coins as of 2024-04-07 16:49 UTC, totals as of 2025-01-17 09:13 UTC"
    )


async def test_get_market_overview_preview_fits_and_keeps_its_source_with_50_coins(
    live_context: ToolContext, coingecko: FakeCoinGecko
) -> None:
    row = json.loads(fixture_path("openapi_examples/coins_markets.json").read_text())[0]
    rows = [{**row, "id": f"coin-{n}", "symbol": f"c{n}", "name": f"Coin {n}"} for n in range(50)]
    coingecko.serve("/coins/markets", rows)
    result = await REGISTRY.get("get_market_overview").invoke(live_context, {"limit": 50})
    assert isinstance(result, OverviewResult) and len(result.overview.top.coins) == 50
    preview = result.preview()
    assert len(preview) <= PREVIEW_LIMIT
    assert "more)" in preview and "source coingecko, coins as of" in preview


async def test_get_trending_names_coins_with_rank_price_and_change(
    live_context: ToolContext,
) -> None:
    result = await REGISTRY.get("get_trending").invoke(live_context, {})
    assert isinstance(result, TrendingResult)
    preview = result.preview()
    assert "Moon Tropica (CAH, #530) $36.97 -4.05%" in preview
    assert "categories: Solana Meme Coins" in preview
    assert len(preview) <= PREVIEW_LIMIT and "source coingecko" in preview


async def test_search_coins_lists_ids_to_use(live_context: ToolContext) -> None:
    result = await REGISTRY.get("search_coins").invoke(live_context, {"query": "ethereum"})
    assert isinstance(result, SearchResult)
    assert result.preview().startswith(
        "3 coins match 'ethereum': Ethereum (ETH, id ethereum, #2), "
        "Ethereum Classic (ETC, id ethereum-classic, #27)"
    )


async def test_overview_tools_need_live_data(demo_market: MarketDataService) -> None:
    context = ToolContext(demo_market, MemoryChartStore(), "run-1", "conv-1")
    for name, args in (("get_market_overview", {}), ("get_trending", {})):
        with pytest.raises(DataUnavailableError, match="needs live market data"):
            await REGISTRY.get(name).invoke(context, args)


async def test_get_crypto_price_from_the_live_market(live_context: ToolContext) -> None:
    result = await REGISTRY.get("get_crypto_price").invoke(live_context, {"coin": "BTC"})
    assert isinstance(result, PriceResult)
    assert result.preview().startswith("Bitcoin (BTC) $70,187.00, 24h +3.13%")
    assert "source coingecko, as of 2024-04-07 16:49 UTC" in result.preview()
