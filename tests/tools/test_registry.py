from __future__ import annotations

import pytest

from cryptodesk.errors import ToolError
from cryptodesk.tools.market import PRICE_TOOL
from cryptodesk.tools.registry import ToolRegistry, build_registry

TOOLS = (
    "get_crypto_price",
    "get_ohlc",
    "get_price_history",
    "compare_assets",
    "get_market_overview",
    "get_trending",
    "search_coins",
    "compute_indicators",
    "find_key_levels",
    "detect_patterns",
    "assess_outlook",
    "create_chart",
    "create_comparison_chart",
    "get_order_book",
    "get_funding_rate",
    "get_balances",
    "get_open_orders",
    "propose_alert",
    "confirm_alerts",
    "watch_coin",
    "unwatch_coin",
)


def test_registry_holds_every_tool_of_this_version() -> None:
    assert build_registry().names() == TOOLS


def test_registry_schemas_describe_arguments_and_results() -> None:
    schemas = {schema["name"]: schema for schema in build_registry().schemas()}
    assert set(schemas) == set(TOOLS)
    ohlc = schemas["get_ohlc"]
    assert ohlc["description"]
    assert ohlc["parameters"]["required"] == ["coin"]
    assert ohlc["parameters"]["properties"]["limit"]["maximum"] == 1000
    assert "5m" in str(ohlc["parameters"]["properties"]["timeframe"])
    assert "candles" in ohlc["result"]["properties"]
    coins = schemas["compare_assets"]["parameters"]["properties"]["coins"]
    assert (coins["minItems"], coins["maxItems"]) == (2, 6)


def test_registry_rejects_unknown_tool_naming_the_available_ones() -> None:
    with pytest.raises(ToolError, match=r"unknown tool 'nope'.*get_crypto_price"):
        build_registry().get("nope")


def test_registry_rejects_duplicate_names() -> None:
    with pytest.raises(ValueError, match="already registered"):
        ToolRegistry((PRICE_TOOL, PRICE_TOOL))
