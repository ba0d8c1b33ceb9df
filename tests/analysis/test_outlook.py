from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from cryptodesk.analysis import indicators
from cryptodesk.analysis.bias import Readings, TimeframeTrend, weigh
from cryptodesk.analysis.levels import Level, find_levels
from cryptodesk.analysis.momentum import momentum
from cryptodesk.analysis.outlook import HORIZON_BARS, Window, assess, horizon, sides
from cryptodesk.analysis.signals import trend_strength
from cryptodesk.analysis.trend import trend
from cryptodesk.domain.outlook import Outlook
from cryptodesk.market.ohlcv import Ohlcv, resample

AS_OF = datetime(2026, 7, 2, 8, tzinfo=UTC)
SIGNALS = ("trend", "rsi", "macd", "adx", "divergence", "confluence")
CITE = dict.fromkeys(SIGNALS, ("compute_indicators", "call-1"))


def _outlook(
    series: Ohlcv,
    timeframe: str = "4h",
    higher: TimeframeTrend | None = None,
    **kwargs: object,
) -> Outlook:
    """What `assess_outlook` computes, from the candles (and the trend above) alone."""
    c, h, lo = series.close, series.high, series.low
    lines = indicators.compute(series, ("sma50", "sma200", "rsi14", "macd", "atr14", "adx"))
    readings = Readings(
        trend=trend(c, lines["sma50"], lines["sma200"]),
        momentum=momentum(
            lines["rsi14"],
            indicators.MacdSeries(lines["macd"], lines["macd_signal"], lines["macd_hist"]),
        ),
        strength=trend_strength(
            indicators.AdxSeries(lines["adx"], lines["plus_di"], lines["minus_di"])
        ),
        higher=higher,
    )
    window = Window(
        symbol="X",
        coin_id="x",
        timeframe=timeframe,
        as_of=AS_OF,
        price=float(c[-1]),
        high=float(h.max()),
        low=float(lo.min()),
        candles=len(series),
        atr=indicators.last_value(lines["atr14"]),
        source="test",
    )
    return assess(window, readings, find_levels(h, lo, c), CITE, **kwargs)  # type: ignore[arg-type]


def _trend_above(series: Ohlcv, timeframe: str) -> TimeframeTrend:
    c = series.close
    t = trend(c, indicators.sma(c, 50), indicators.sma(c, 200))
    return TimeframeTrend(timeframe, t.direction, t.return_pct)


def test_outlook_of_real_eth_4h_in_its_30_percent_fall_is_bearish(eth_1h: Ohlcv) -> None:
    daily = _trend_above(resample(eth_1h, "1h", "1d").tail(300), "1d")
    assert daily.direction == "downtrend"
    outlook = _outlook(resample(eth_1h, "1h", "4h").tail(300), higher=daily)
    assert outlook.bias == "bearish" and 0 < outlook.strength <= 1
    assert outlook.signals[0].name == "trend" and outlook.signals[0].lean == "bearish"
    assert 3 <= len(outlook.signals) <= 5
    assert all(
        s.tool_name == "compute_indicators" and s.call_id == "call-1" for s in outlook.signals
    )
    assert outlook.invalidation == outlook.resistance  # a close above it negates the lean


def test_outlook_of_a_steady_rise_is_bullish_with_a_window_high_standing_in(btc_1h: Ohlcv) -> None:
    rise = np.linspace(100.0, 160.0, 300) + np.sin(np.arange(300)) * 0.8
    series = Ohlcv(btc_1h.time[:300], rise, rise + 1.0, rise - 1.0, rise, np.ones(300))
    outlook = _outlook(series)
    assert outlook.bias == "bullish"
    assert outlook.support is not None and outlook.support < outlook.price
    # At the top of the window no two-touch resistance exists; the window's high stands in.
    assert outlook.resistance == pytest.approx(float(series.high.max()))
    assert outlook.levels_note is not None and "window's high" in outlook.levels_note


def test_outlook_levels_are_the_nearest_on_each_side(sol_4h: Ohlcv) -> None:
    outlook = _outlook(sol_4h)
    found = find_levels(sol_4h.high, sol_4h.low, sol_4h.close)
    price = outlook.price
    assert outlook.support == max(lv.price for lv in found if lv.price < price)
    assert outlook.resistance == min(lv.price for lv in found if lv.price > price)
    assert {(lv.kind, lv.price) for lv in outlook.levels} == {(lv.kind, lv.price) for lv in found}


def test_outlook_scenarios_state_trigger_target_and_stop(sol_4h: Ohlcv) -> None:
    outlook = _outlook(sol_4h)
    bull, bear = outlook.scenarios
    assert (bull.kind, bull.trigger_price, bull.stop) == (
        "bull",
        outlook.resistance,
        outlook.support,
    )
    assert (bear.kind, bear.trigger_price, bear.stop) == (
        "bear",
        outlook.support,
        outlook.resistance,
    )
    assert bull.target is not None and bull.target > (bull.trigger_price or 0)
    assert bear.target is not None and bear.target < (bear.trigger_price or 0)
    assert bull.trigger.startswith("a 4h close above ")
    assert bull.risk_reward is None and bull.entry_zone is None


def test_outlook_risk_reward_from_an_entry_zone(sol_4h: Ohlcv) -> None:
    price = float(sol_4h.close[-1])
    zone = (price * 0.99, price * 1.0)
    bull = _outlook(sol_4h, entry_zone=zone).scenarios[0]
    assert bull.entry_zone == zone and bull.stop is not None and bull.target is not None
    entry = sum(zone) / 2
    assert bull.stop < zone[0]
    expected = round((bull.target - entry) / (entry - bull.stop), 2)
    assert bull.risk_reward == expected


def test_outlook_depends_only_on_candles_up_to_its_end(sol_4h: Ohlcv) -> None:
    head = sol_4h.tail(len(sol_4h))
    cut = 250
    before = _outlook(Ohlcv(*(a[:cut] for a in _columns(head))))
    changed = [a.copy() for a in _columns(head)]
    for column in changed[1:5]:
        column[cut:] *= 3.0  # the future, rewritten
    after = _outlook(Ohlcv(*(a[:cut] for a in changed)))
    assert before == after


def _columns(series: Ohlcv) -> list[np.ndarray]:
    return [series.time, series.open, series.high, series.low, series.close, series.volume]


@pytest.mark.parametrize(
    ("timeframe", "bars", "hours"), [("1h", 24, 24), ("4h", 12, 48), ("1d", 7, 168), ("1w", 4, 672)]
)
def test_horizon_follows_the_timeframe_table(timeframe: str, bars: int, hours: float) -> None:
    found = horizon(timeframe, AS_OF)
    assert (found.bars, found.hours, HORIZON_BARS[timeframe]) == (bars, hours, bars)
    assert found.ends_at == AS_OF + timedelta(hours=hours)
    assert f"{bars} × {timeframe} candles" in found.label


def test_sides_says_why_when_the_price_is_at_the_window_low() -> None:
    window = Window("X", None, "1h", AS_OF, 90.0, 120.0, 90.0, 100, 1.0, "test")
    found = sides(window, [Level(110.0, "resistance", 3, 22.2, 50)])
    assert (found.support, found.resistance) == (None, 110.0)
    assert found.note == "no support: the price is at the 100-candle low, nothing lies below it"


def test_weigh_keeps_at_most_five_signals_heaviest_first(eth_1h: Ohlcv) -> None:
    series = resample(eth_1h, "1h", "4h").tail(300)
    lines = indicators.compute(series, ("sma50", "sma200", "rsi14", "macd", "adx"))
    readings = Readings(
        trend=trend(series.close, lines["sma50"], lines["sma200"]),
        momentum=momentum(
            lines["rsi14"],
            indicators.MacdSeries(lines["macd"], lines["macd_signal"], lines["macd_hist"]),
        ),
        strength=trend_strength(
            indicators.AdxSeries(lines["adx"], lines["plus_di"], lines["minus_di"])
        ),
        higher=TimeframeTrend("1d", "downtrend", -22.1),
        lower=TimeframeTrend("1h", "uptrend", -4.0),
    )
    bias, strength, signals = weigh(readings, CITE)
    assert [s.name for s in signals] == ["trend", "macd", "rsi", "confluence", "adx"]
    assert signals[3].reading == "1d downtrend; 1h uptrend" and signals[3].lean == "bearish"
    leans = {"bullish": 1, "bearish": -1, "neutral": 0}
    score = sum(s.weight * leans[s.lean] for s in signals) / sum(s.weight for s in signals)
    assert strength == round(abs(score), 2)
    assert bias == ("bearish" if score <= -0.2 else "bullish" if score >= 0.2 else "neutral")


def test_trend_reading_names_what_goes_against_the_direction() -> None:
    """An uptrend over a window that fell says so ("though"), instead of "uptrend: -17%"."""
    from cryptodesk.analysis.bias import _trend
    from cryptodesk.analysis.trend import Trend

    def trend(direction: str, window: float, vs_sma200: float) -> Trend:
        return Trend(direction, 100.0, None, None, None, vs_sma200, None, return_pct=window)  # type: ignore[arg-type]

    lean, _, reading = _trend(trend("uptrend", -17.32, 9.6))
    assert lean == "bullish"
    assert reading == "uptrend: price +9.60% vs SMA200, though -17.32% over the window"
    assert _trend(trend("downtrend", -29.8, -5.49))[2] == (
        "downtrend: -29.80% over the window, price -5.49% vs SMA200"
    )
