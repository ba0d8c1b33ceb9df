"""Every number of a run's outlook, checked against the tools re-run on the same data.

The result frame only carries the outlook; the tool results behind it are re-computed here with
the run's own tools on the same candles (the replay files, or the demo market at the outlook's
`as_of`, which is a pure function of time), so the check needs nothing the server does not
publish.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from cryptodesk.analysis.outlook import TARGET_ATR
from cryptodesk.domain.outlook import Outlook
from cryptodesk.market.service import MarketDataService
from cryptodesk.tools.base import ToolContext
from cryptodesk.tools.registry import build_registry
from cryptodesk.tools.technical import IndicatorsResult, LevelsResult
from tests.fakes import MemoryChartStore

Frame = dict[str, Any]
REGISTRY = build_registry()
LIMIT = 300
"""The candles the offline analyst's technical calls ask for."""


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _member(value: float | None, allowed: set[float]) -> bool:
    return value is None or any(_close(value, a) for a in allowed)


async def _run(context: ToolContext, tool: str, **arguments: object) -> Any:
    return await REGISTRY.get(tool).invoke(context, arguments)


def check_signal_calls(outlook: Outlook, frames: list[Frame]) -> None:
    """Each signal names a tool call of this run, by its id and tool."""
    calls = {f["call_id"]: f["tool_name"] for f in frames if f["type"] == "tool_call"}
    for signal in outlook.signals:
        assert signal.call_id is not None and calls.get(signal.call_id) == signal.tool_name, (
            signal,
            calls,
        )


async def check_outlook_numbers(outlook: Outlook, market: MarketDataService) -> None:
    """Every number of `outlook` equals a value the tools return on the same candles (or is
    one of the stated derivations: ± `TARGET_ATR`/1 × ATR14 past a level)."""
    context = ToolContext(market, MemoryChartStore(), "check", "check")
    coin, tf = outlook.coin_id or outlook.symbol, outlook.timeframe
    names = ["sma50", "sma200", "rsi14", "macd", "atr14", "adx"]
    ta: IndicatorsResult = await _run(
        context, "compute_indicators", coin=coin, timeframe=tf, indicators=names, limit=LIMIT
    )
    assert (outlook.price, outlook.as_of) == (ta.close, ta.as_of)
    levels: LevelsResult = await _run(context, "find_key_levels", coin=coin, timeframe=tf)
    ohlc = await _run(context, "get_ohlc", coin=coin, timeframe=tf, limit=LIMIT)
    prices = {lv.price for lv in levels.levels}
    prices |= {max(c.high for c in ohlc.candles), min(c.low for c in ohlc.candles)}
    if outlook.levels_note and "longer look back" in outlook.levels_note:
        wider: LevelsResult = await _run(
            context, "find_key_levels", coin=coin, timeframe=tf, limit=1000
        )
        prices |= {lv.price for lv in wider.levels}
    assert _member(outlook.support, prices) and _member(outlook.resistance, prices)
    assert all(_member(lv.price, prices) for lv in outlook.levels)
    assert outlook.invalidation in (None, outlook.support, outlook.resistance)
    values = {
        "trend": ta.return_pct,
        "rsi": ta.momentum.rsi,
        "macd": ta.momentum.macd_hist,
        "adx": ta.latest["adx"],
    }
    for signal in outlook.signals:
        if signal.name in values:
            assert signal.value == values[signal.name], signal
        elif signal.name == "divergence":
            line = ta.lines.values[
                "rsi14" if signal.reading.startswith(("bullish RSI14", "bearish RSI14")) else "macd"
            ]
            assert signal.value in line, signal
    atr = ta.volatility.atr
    assert atr is not None
    for scenario in outlook.scenarios:
        assert scenario.trigger_price in (None, outlook.support, outlook.resistance)
        if scenario.target is not None and scenario.trigger_price is not None:
            move = TARGET_ATR * atr * (1 if scenario.kind == "bull" else -1)
            derived = {scenario.trigger_price + move}
            assert _member(scenario.target, prices | derived), scenario
        if scenario.stop is not None:
            zone = scenario.entry_zone or (math.nan, math.nan)
            derived = {zone[0] - atr, zone[1] + atr}
            assert _member(scenario.stop, prices | derived), scenario


async def check_confluence(outlook: Outlook, market: MarketDataService, higher: str) -> None:
    """The confluence signal's value is the timeframe above's window return."""
    signal = next((s for s in outlook.signals if s.name == "confluence"), None)
    if signal is None:
        return
    context = ToolContext(market, MemoryChartStore(), "check", "check")
    above: IndicatorsResult = await _run(
        context, "compute_indicators", coin=outlook.coin_id, timeframe=higher, limit=LIMIT
    )
    assert signal.value == above.return_pct
    assert signal.reading.startswith(f"{higher} {above.trend.direction}")


def as_of(frame_value: str) -> datetime:
    return datetime.fromisoformat(frame_value.replace("Z", "+00:00"))
