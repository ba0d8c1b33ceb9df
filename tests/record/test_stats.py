"""Statistics next to the baselines, on calls whose settlements are written out here."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cryptodesk.domain.calls import Call, Outcome, Settlement
from cryptodesk.domain.outlook import Bias
from cryptodesk.record.stats import SMALL_SAMPLE, coin_flip, group_stats, summarize
from tests.record.calls import btc_4h, call_at

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SERIES = btc_4h()


def _call(
    bias: Bias, ret: float, *, strength: float = 0.5, engine: str = "offline", tf: str = "4h"
) -> Call:
    draft = replace(call_at(SERIES, 500, bias, strength=strength), engine=engine, timeframe=tf)
    agreed = ret > 0 if bias == "bullish" else ret < 0 if bias == "bearish" else abs(ret) < 2.5
    outcome: Outcome = (
        ("neutral_correct" if agreed else "neutral_wrong")
        if bias == "neutral"
        else ("expired_in_favour" if agreed else "miss")
    )
    settled = Settlement(
        settled_at=NOW,
        outcome=outcome,
        return_pct=ret,
        agreed=agreed,
        mfe_pct=None if bias == "neutral" else abs(ret) + 1,
        mae_pct=1.0,
        first_touch=None,
        touched_at=None,
        exit_price=1.0,
        candles=12,
        missing=0,
        source="replay",
        band_pct=2.5 if bias == "neutral" else None,
        path=(),
    )
    return Call(draft, "settled", None, NOW, settled)


def test_group_stats_hit_rate_is_the_share_whose_return_agreed_with_the_bias() -> None:
    calls = [
        _call("bullish", 2.0),
        _call("bullish", -1.0),
        _call("bearish", -3.0),
        _call("neutral", 1.0),
    ]
    stats = group_stats("offline", "4h", calls)
    assert stats.hit_rate.value == pytest.approx(3 / 4)
    assert stats.hit_rate.n == 4
    assert stats.outcomes["expired_in_favour"] == 2 and stats.outcomes["miss"] == 1


def test_group_stats_follow_return_goes_long_short_or_flat_with_the_bias() -> None:
    calls = [_call("bullish", 2.0), _call("bearish", -3.0), _call("neutral", 1.0)]
    stats = group_stats("offline", "4h", calls)
    assert stats.follow_return.value == pytest.approx((2.0 + 3.0 + 0.0) / 3)
    assert stats.return_by_bias.bullish.value == 2.0
    assert stats.return_by_bias.bearish.value == -3.0
    assert stats.return_by_bias.neutral.value == 1.0


def test_group_stats_baselines_are_judged_on_the_same_calls() -> None:
    calls = [
        _call("bearish", 2.0),
        _call("bearish", 4.0),
        _call("bearish", -1.0),
        _call("bullish", 0.0),
    ]
    base = group_stats("offline", "4h", calls).baselines
    assert base.always_bullish.value == pytest.approx(2 / 4)
    assert base.buy_and_hold.value == pytest.approx((2.0 + 4.0 - 1.0 + 0.0) / 4)
    # Three of four prices moved: a coin flip is right on half of those, in expectation.
    assert base.coin_flip.expected == pytest.approx(0.5 * 3 / 4)


def test_coin_flip_spread_is_the_95_percent_range_of_a_fair_coin() -> None:
    flip = coin_flip([1.0] * 100)
    half = 1.96 * 0.5 / math.sqrt(100)
    assert flip.expected == 0.5
    assert (flip.low, flip.high) == (pytest.approx(0.5 - half), pytest.approx(0.5 + half))
    assert coin_flip([]).expected is None


def test_group_stats_calibration_buckets_by_strength() -> None:
    calls = [
        _call("bullish", 1.0, strength=0.1),
        _call("bullish", -1.0, strength=0.2),
        _call("bullish", 1.0, strength=0.9),
        _call("bullish", 1.0, strength=1.0),
    ]
    buckets = group_stats("offline", "4h", calls).calibration
    assert [(b.low, b.hit_rate.n, b.hit_rate.value) for b in buckets] == [
        (0.0, 2, 0.5),
        (0.25, 0, None),
        (0.5, 0, None),
        (0.75, 2, 1.0),
    ]


def test_group_stats_flags_a_small_sample() -> None:
    few = group_stats("offline", "4h", [_call("bullish", 1.0)] * (SMALL_SAMPLE - 1))
    enough = group_stats("offline", "4h", [_call("bullish", 1.0)] * SMALL_SAMPLE)
    assert few.small_sample and not enough.small_sample


def test_group_stats_counts_pending_and_void_but_judges_only_settled_calls() -> None:
    settled = _call("bullish", 1.0)
    pending = Call(settled.draft, "pending", "waiting", None, None)
    void = Call(settled.draft, "void", "simulated", None, None)
    stats = group_stats("offline", "4h", [settled, pending, void])
    assert (stats.calls, stats.settled, stats.pending, stats.void) == (3, 1, 1, 1)
    assert stats.hit_rate.n == 1


def test_summarize_groups_by_engine_and_timeframe() -> None:
    calls = [
        _call("bullish", 1.0),
        _call("bullish", 1.0, tf="1h"),
        _call("bearish", 1.0, engine="magentic"),
    ]
    overall, groups = summarize(calls)
    assert overall.settled == 3
    assert [(g.engine, g.timeframe, g.settled) for g in groups] == [
        ("magentic", "4h", 1),
        ("offline", "1h", 1),
        ("offline", "4h", 1),
    ]
