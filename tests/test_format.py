from __future__ import annotations

import pytest

from cryptodesk.domain import format as fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.074123, "0.07412"),  # DOGE's SMA50: never 0.07
        (-0.000512, "-0.000512"),  # DOGE's MACD: never -0.00
        (0.0014923, "0.001492"),  # DOGE's ATR: never 0.00
        (65_530.41, "65,530"),  # BTC's SMA50
        (71.3456, "71.35"),  # an RSI
        (123_456_789.4, "123,456,789"),  # an OBV
        (0.0, "0"),
        (25.0, "25"),
        (-0.000000012344, "-0.00000001234"),
    ],
)
def test_number_keeps_four_significant_digits_at_every_magnitude(value: float, text: str) -> None:
    assert fmt.number(value) == text


def test_number_with_fixed_decimals_stays_fixed() -> None:
    assert fmt.number(1.5, 4) == "1.5000"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (65_530.414, "65,530.41"),
        (2.12345, "2.1235"),
        (0.0725412, "0.07254"),
        (0.0000234567, "0.00002346"),
    ],
)
def test_price_keeps_cents_and_four_significant_digits_below_one(value: float, text: str) -> None:
    assert fmt.price(value) == text


def test_clip_never_cuts_inside_a_number() -> None:
    text = "BTC 4h close 65,530.41; RSI14 71.35; MACD -0.000512; source replay"
    for limit in range(12, len(text)):
        clipped = fmt.clip(text, limit)
        assert len(clipped) <= limit and clipped.endswith("…")
        shown = clipped[:-1].split()
        assert shown and all(word in text.split() or word.rstrip(";,") in text for word in shown)
        assert text.startswith(clipped[:-1])
        last = shown[-1].rstrip(";,")
        assert last in text.replace(";", "").split(), (limit, clipped)


def test_clip_leaves_short_text_alone() -> None:
    assert fmt.clip("BTC 65,530.41", 20) == "BTC 65,530.41"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(90, "2min"), (5 * 3600, "5h"), (9 * 86_400 + 17 * 3600, "9d 17h"), (30 * 86_400, "4w")],
)
def test_duration_reads_like_a_timeframe(seconds: float, text: str) -> None:
    assert fmt.duration(seconds) == text


def test_candles_ago_words_the_last_candle() -> None:
    assert [fmt.candles_ago(n) for n in (0, 1, 5)] == [
        "on the last candle",
        "1 candle ago",
        "5 candles ago",
    ]
