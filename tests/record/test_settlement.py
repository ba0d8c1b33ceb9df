"""Settlement rules on the real BTC 4h candles (Binance, 2025-06 to 2026-06).

Each test picks a moment of the real series where the rule under test applies (searched, so the
data decides) and states what the settlement must be from the candles themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from cryptodesk.domain.calls import Settlement
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.replay import load_csv
from cryptodesk.market.schemas import utc_from_epoch
from cryptodesk.record.settlement import CONTEXT_BARS, NEUTRAL_BAND_PCT, Waiting, settle
from tests.record.calls import REPLAY_DIR, btc_4h, call_at, with_open, without

SOURCE = "replay:BTC_USDT_4h.csv"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
BARS = 12


@pytest.fixture(scope="module")
def series() -> Ohlcv:
    return btc_4h()


def _settled(call: object, series: Ohlcv) -> Settlement:
    result = settle(call, series, source=SOURCE, settled_at=NOW)  # type: ignore[arg-type]
    assert isinstance(result, Settlement), result
    return result


def _return(series: Ohlcv, i: int) -> float:
    return float(series.close[i + BARS] / series.close[i] - 1.0) * 100.0


def _first(series: Ohlcv, condition: object) -> int:
    found = [i for i in range(300, len(series) - BARS - 1) if condition(i)]  # type: ignore[operator]
    assert found, "the real data has no such moment"
    return found[0]


def test_settle_waits_until_the_horizon_has_fully_traded(series: Ohlcv) -> None:
    i = 1000
    call = call_at(series, i)
    early = series.slice(0, i + BARS)  # the horizon's last candle has not closed yet
    result = settle(call, early, source=SOURCE, settled_at=NOW)
    assert isinstance(result, Waiting)
    assert "the horizon ends" in result.reason and "the data reaches" in result.reason
    assert isinstance(
        settle(call, series.slice(0, i + BARS + 1), source=SOURCE, settled_at=NOW), Settlement
    )


def test_settle_returns_the_close_at_the_horizon_end_against_the_call_price(
    series: Ohlcv,
) -> None:
    i = 1000
    settled = _settled(call_at(series, i), series)
    assert settled.return_pct == pytest.approx(_return(series, i), rel=1e-12)
    assert settled.exit_price == series.close[i + BARS]
    assert (settled.candles, settled.missing) == (BARS, 0)
    assert settled.source == SOURCE


def test_settle_reads_nothing_before_the_as_of_or_after_the_horizon(series: Ohlcv) -> None:
    i = 1000
    call = call_at(
        series, i, target=float(series.close[i]) * 1.01, invalidation=float(series.close[i]) * 0.99
    )
    before = _settled(call, series)
    noise = np.random.default_rng(7).uniform(0.5, 1.5, len(series))
    outside = np.ones(len(series), dtype=bool)
    outside[i + 1 : i + BARS + 1] = False  # the horizon's candles stay as they were
    factor = np.where(outside, noise, 1.0)
    changed = Ohlcv(
        series.time,
        series.open * factor,
        series.high * factor,
        series.low * factor,
        series.close * factor,
        series.volume,
    )
    after = _settled(call, changed)
    assert (after.outcome, after.return_pct, after.mfe_pct, after.mae_pct) == (
        before.outcome,
        before.return_pct,
        before.mfe_pct,
        before.mae_pct,
    )
    assert (after.first_touch, after.touched_at) == (before.first_touch, before.touched_at)


def test_settle_excursions_come_from_the_highs_and_lows_of_the_horizon(series: Ohlcv) -> None:
    i = 1200
    price = float(series.close[i])
    high = float(series.high[i + 1 : i + BARS + 1].max())
    low = float(series.low[i + 1 : i + BARS + 1].min())
    bullish = _settled(call_at(series, i, "bullish"), series)
    assert bullish.mfe_pct == pytest.approx(max(0.0, (high / price - 1) * 100))
    assert bullish.mae_pct == pytest.approx(max(0.0, (1 - low / price) * 100))
    bearish = _settled(call_at(series, i, "bearish"), series)
    assert bearish.mfe_pct == pytest.approx(max(0.0, (1 - low / price) * 100))
    assert bearish.mae_pct == pytest.approx(max(0.0, (high / price - 1) * 100))
    neutral = _settled(call_at(series, i, "neutral"), series)
    assert neutral.mfe_pct is None
    assert neutral.mae_pct == pytest.approx(max(bullish.mfe_pct or 0, bullish.mae_pct))


def test_settle_target_touched_first_is_a_hit(series: Ohlcv) -> None:
    i = 1000
    horizon = slice(i + 1, i + BARS + 1)
    target = float(series.high[horizon].max())
    assert target > series.close[i]
    k = int(np.argmax(series.high[horizon] >= target))
    stop = float(series.low[horizon].min()) * 0.99  # never reached
    settled = _settled(call_at(series, i, target=target, invalidation=stop), series)
    assert (settled.outcome, settled.first_touch) == ("hit", "target")
    assert settled.touched_at == utc_from_epoch(int(series.time[i + 1 + k]))


def test_settle_invalidation_touched_first_is_invalidated(series: Ohlcv) -> None:
    i = 1000
    horizon = slice(i + 1, i + BARS + 1)
    stop = float(series.low[horizon].min())
    assert stop < series.close[i]
    k = int(np.argmax(series.low[horizon] <= stop))
    target = float(series.high[horizon].max()) * 1.01  # never reached
    settled = _settled(call_at(series, i, target=target, invalidation=stop), series)
    assert (settled.outcome, settled.first_touch) == ("invalidated", "invalidation")
    assert settled.touched_at == utc_from_epoch(int(series.time[i + 1 + k]))


def test_settle_bearish_target_is_below_and_invalidation_above(series: Ohlcv) -> None:
    i = _first(series, lambda i: _return(series, i) < -2.0)
    horizon = slice(i + 1, i + BARS + 1)
    target = float(series.low[horizon].min())
    stop = float(series.high[horizon].max()) * 1.01
    settled = _settled(call_at(series, i, "bearish", target=target, invalidation=stop), series)
    assert settled.outcome == "hit"
    assert settled.agreed


def test_settle_candle_touching_both_counts_the_invalidation_first(series: Ohlcv) -> None:
    """The order inside one candle is unknown: the conservative rule takes the invalidation."""
    i = _first(
        series,
        lambda i: (
            series.low[i + 1] < series.close[i] < series.high[i + 1]
            and series.low[i + 1] < series.open[i + 1] < series.high[i + 1]
        ),
    )
    j = i + 1
    bull = call_at(series, i, target=float(series.high[j]), invalidation=float(series.low[j]))
    settled = _settled(bull, series)
    assert (settled.outcome, settled.first_touch) == ("invalidated", "invalidation")
    assert settled.touched_at == utc_from_epoch(int(series.time[j]))
    bear = call_at(
        series, i, "bearish", target=float(series.low[j]), invalidation=float(series.high[j])
    )
    assert _settled(bear, series).outcome == "invalidated"


def test_settle_candle_opening_beyond_the_target_counts_the_target_first(
    series: Ohlcv,
) -> None:
    """A gap through the target at the open: the target was reached before anything else."""
    i = _first(series, lambda i: series.high[i + 1] > series.close[i] * 1.004)
    j = i + 1
    gapped = with_open(series, j, float(series.high[j]))  # opens at its high
    target = float(series.high[j]) * 0.999
    assert target > series.close[i]
    call = call_at(gapped, i, target=target, invalidation=float(gapped.low[j]))
    settled = _settled(call, gapped)
    assert (settled.outcome, settled.first_touch) == ("hit", "target")


def test_settle_without_a_touch_expires_in_favour_or_misses_by_the_return(
    series: Ohlcv,
) -> None:
    i = _first(series, lambda i: _return(series, i) > 1.0)
    assert _settled(call_at(series, i, "bullish"), series).outcome == "expired_in_favour"
    missed = _settled(call_at(series, i, "bearish"), series)
    assert (missed.outcome, missed.agreed, missed.first_touch) == ("miss", False, None)


def test_settle_ignores_a_target_on_the_wrong_side_of_the_price(series: Ohlcv) -> None:
    i = _first(series, lambda i: _return(series, i) > 1.0)
    price = float(series.close[i])
    settled = _settled(call_at(series, i, target=price * 0.5, invalidation=price * 2), series)
    assert settled.first_touch is None
    assert settled.outcome == "expired_in_favour"


def test_settle_neutral_call_is_judged_by_its_band(series: Ohlcv) -> None:
    band = NEUTRAL_BAND_PCT["4h"]
    quiet = _first(series, lambda i: abs(_return(series, i)) < band / 2)
    moved = _first(series, lambda i: abs(_return(series, i)) > band * 2)
    correct = _settled(call_at(series, quiet, "neutral"), series)
    assert (correct.outcome, correct.agreed, correct.band_pct) == ("neutral_correct", True, band)
    wrong = _settled(call_at(series, moved, "neutral"), series)
    assert (wrong.outcome, wrong.agreed) == ("neutral_wrong", False)


def test_settle_small_gap_settles_from_what_exists(series: Ohlcv) -> None:
    i = 1000
    gap = without(series, i + 5)
    settled = _settled(call_at(series, i), gap)
    assert (settled.candles, settled.missing) == (BARS - 1, 1)
    assert settled.return_pct == pytest.approx(_return(series, i))


def test_settle_larger_gap_stays_pending_with_the_reason(series: Ohlcv) -> None:
    i = 1000
    result = settle(
        call_at(series, i), without(series, i + 3, i + 5), source=SOURCE, settled_at=NOW
    )
    assert isinstance(result, Waiting)
    assert result.reason == (
        f"2 of the horizon's 12 candles are missing from {SOURCE} (at most 1 may be)"
    )


def test_settle_missing_last_candle_stays_pending(series: Ohlcv) -> None:
    i = 1000
    result = settle(call_at(series, i), without(series, i + BARS), source=SOURCE, settled_at=NOW)
    assert isinstance(result, Waiting)
    assert "the candle that closes the horizon" in result.reason


def test_settle_source_without_the_candles_after_the_as_of_stays_pending(
    series: Ohlcv,
) -> None:
    i = 1000
    late = series.slice(i + 2, len(series))
    result = settle(call_at(series, i), late, source=SOURCE, settled_at=NOW)
    assert isinstance(result, Waiting)
    assert "only, after this call's as-of" in result.reason


def test_settle_keeps_the_candles_of_the_chart(series: Ohlcv) -> None:
    i = 1000
    settled = _settled(call_at(series, i), series)
    times = [c.time for c in settled.path]
    assert times == series.time[i + 1 - CONTEXT_BARS : i + BARS + 1].tolist()


def test_settle_hourly_call_allows_two_missing_of_twenty_four() -> None:
    hourly = load_csv(REPLAY_DIR / "ETH_USDT_1h.csv")
    i = 500
    call = call_at(hourly, i, timeframe="1h")
    assert call.horizon_bars == 24
    settled = settle(call, without(hourly, i + 3, i + 9), source="replay", settled_at=NOW)
    assert isinstance(settled, Settlement) and settled.missing == 2
    three = settle(call, without(hourly, i + 3, i + 9, i + 10), source="replay", settled_at=NOW)
    assert isinstance(three, Waiting)
