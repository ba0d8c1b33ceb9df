"""Calls made on the real replay data, as the settlement tests need them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptodesk.analysis.outlook import HORIZON_BARS
from cryptodesk.domain.calls import CallDraft
from cryptodesk.domain.outlook import Bias
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import load_csv
from cryptodesk.market.schemas import parse_timeframe, timeframe_seconds, utc_from_epoch
from tests.shared import shared_market_path

REPLAY_DIR = shared_market_path() / "binance_spot_1h"


def btc_4h() -> Ohlcv:
    return load_csv(REPLAY_DIR / "BTC_USDT_4h.csv")


def call_at(
    series: Ohlcv,
    index: int,
    bias: Bias = "bullish",
    *,
    timeframe: str = "4h",
    target: float | None = None,
    invalidation: float | None = None,
    strength: float = 0.5,
    engine: str = "offline",
    call_id: str = "call-1",
) -> CallDraft:
    """A call whose data ended with candle `index` (as-of: its close, price: its close)."""
    step = timeframe_seconds(parse_timeframe(timeframe))
    as_of = utc_from_epoch(int(series.time[index]) + step)
    bars = HORIZON_BARS[timeframe]
    return CallDraft(
        id=call_id,
        symbol="BTC",
        coin_id="bitcoin",
        timeframe=timeframe,
        as_of=as_of,
        price=float(series.close[index]),
        bias=bias,
        strength=strength,
        support=None,
        resistance=None,
        invalidation=invalidation,
        bull_target=target if bias == "bullish" else None,
        bear_target=target if bias == "bearish" else None,
        horizon_bars=bars,
        horizon_ends_at=as_of + timedelta(seconds=bars * step),
        engine=engine,
        model=None,
        source="replay:BTC_USDT_4h.csv",
        data_labels=("replay",),
        run_id="run-1",
        conversation_id="conversation-1",
        backtest_id=None,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        outlook_json="{}",
    )


def without(series: Ohlcv, *indexes: int) -> Ohlcv:
    """`series` with the candles at `indexes` removed (a gap in the data)."""
    keep = [i for i in range(len(series)) if i not in set(indexes)]
    return Ohlcv(
        series.time[keep],
        series.open[keep],
        series.high[keep],
        series.low[keep],
        series.close[keep],
        series.volume[keep],
    )


def with_open(series: Ohlcv, index: int, value: float) -> Ohlcv:
    """`series` with candle `index` opening at `value` (a gap up or down at its open)."""
    opens = series.open.copy()
    opens[index] = value
    high = series.high.copy()
    low = series.low.copy()
    high[index] = max(high[index], value)
    low[index] = min(low[index], value)
    return Ohlcv(series.time, opens, high, low, series.close, series.volume)


def shifted(call: CallDraft, **changes: object) -> CallDraft:
    return replace(call, **changes)  # type: ignore[arg-type]


def replay_dir() -> Path:
    return REPLAY_DIR
