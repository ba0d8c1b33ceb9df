from __future__ import annotations

import numpy as np
import pytest
import talib

from cryptodesk.analysis import patterns
from cryptodesk.market.ohlcv import Ohlcv

NEUTRAL = {"doji", "dragonfly_doji", "gravestone_doji"}


def _series(open_: list[float], close: list[float]) -> Ohlcv:
    o, c = np.array(open_), np.array(close)
    n = o.shape[0]
    time = 1_700_000_000 + np.arange(n, dtype=np.int64) * 3600
    return Ohlcv(time, o, np.maximum(o, c) + 0.05, np.minimum(o, c) - 0.05, c, np.ones(n))


@pytest.mark.parametrize("name", patterns.PATTERNS)
def test_detect_reports_exactly_talibs_scores_in_the_window(btc_1h: Ohlcv, name: str) -> None:
    lookback = 400
    function = getattr(talib, patterns.talib_function(name))
    scores = function(btc_1h.open, btc_1h.high, btc_1h.low, btc_1h.close)
    start = len(btc_1h) - lookback
    expected = {(int(i), int(scores[i])) for i in np.flatnonzero(scores) if i >= start}
    hits = patterns.detect(btc_1h, lookback, [name])
    assert {(hit.index, hit.strength) for hit in hits} == expected


def test_detect_finds_every_common_pattern_kind_in_real_candles(btc_1h: Ohlcv) -> None:
    found = {hit.pattern for hit in patterns.detect(btc_1h, len(btc_1h))}
    assert {"engulfing", "hammer", "doji", "harami", "shooting_star", "evening_star"} <= found


def test_detect_returns_hits_oldest_first_within_the_lookback(btc_1h: Ohlcv) -> None:
    hits = patterns.detect(btc_1h, 50)
    assert hits
    assert [hit.index for hit in hits] == sorted(hit.index for hit in hits)
    assert all(len(btc_1h) - 50 <= hit.index < len(btc_1h) for hit in hits)
    assert all(hit.time == int(btc_1h.time[hit.index]) for hit in hits)


def test_detect_bias_follows_the_score_sign_except_for_indecision_patterns(
    btc_1h: Ohlcv,
) -> None:
    hits = patterns.detect(btc_1h, len(btc_1h))
    for hit in hits:
        if hit.pattern in NEUTRAL:
            assert hit.bias == "neutral", hit
        else:
            assert hit.bias == ("bullish" if hit.strength > 0 else "bearish"), hit
    assert {hit.bias for hit in hits if hit.pattern == "hammer"} == {"bullish"}
    assert {hit.bias for hit in hits if hit.pattern == "shooting_star"} == {"bearish"}


def test_detect_recognises_a_bullish_engulfing_candle() -> None:
    # A gentle zigzag, then a red candle swallowed whole by the next green one.
    opens = [10.0, 10.2, 10.1, 10.3, 10.2, 10.4, 10.3, 10.5, 10.4, 10.6, 10.5, 10.7, 10.6, 9.5]
    closes = [10.2, 10.1, 10.3, 10.2, 10.4, 10.3, 10.5, 10.4, 10.6, 10.5, 10.7, 10.6, 9.6, 10.8]
    (hit,) = patterns.detect(_series(opens, closes), 1, ["engulfing"])
    assert (hit.index, hit.label, hit.bias, hit.strength) == (13, "Engulfing", "bullish", 100)


def test_detect_with_a_lookback_longer_than_the_series_searches_it_all(btc_1h: Ohlcv) -> None:
    short = btc_1h.tail(60)
    assert patterns.detect(short, 1000) == patterns.detect(short, 60)


def test_detect_lists_a_candle_once_per_meaning(btc_1h: Ohlcv) -> None:
    """A dragonfly doji is a doji too, and a harami cross a harami: the less specific name is
    dropped when the more specific one is on the same candle."""
    every = patterns.detect(btc_1h, len(btc_1h))
    by_candle: dict[int, set[str]] = {}
    for hit in every:
        by_candle.setdefault(hit.index, set()).add(hit.pattern)
    for names in by_candle.values():
        for general, specific in patterns.SUBSUMED.items():
            assert not (general in names and names & set(specific)), names
    raw = {
        (i, name)
        for name in ("doji", "dragonfly_doji", "harami", "harami_cross")
        for i in np.flatnonzero(patterns.scores(btc_1h, name))
    }
    both = {i for i, name in raw if name == "doji"} & {
        i for i, name in raw if name == "dragonfly_doji"
    }
    assert both, "real candles hold dojis TA-Lib also calls dragonfly"
    assert all((i, "doji") not in {(h.index, h.pattern) for h in every} for i in both)
