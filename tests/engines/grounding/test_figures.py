"""Which figures a report holds: what is read, with what value and tolerance, what is skipped."""

from __future__ import annotations

import pytest

from cryptodesk.engines.grounding.figures import figures


def read(text: str) -> list[tuple[str, float]]:
    return [(f.text, f.value) for f in figures(text)]


def test_figures_reads_prices_percentages_and_magnitudes() -> None:
    text = "BTC at $64,468.01, -2.35% over 24h, volume $515.58M, cap $1.27 trillion, 2.5x."
    assert read(text) == [
        ("$64,468.01", 64468.01),
        ("-2.35%", -2.35),
        ("$515.58M", pytest.approx(515.58e6)),
        ("$1.27 trillion", pytest.approx(1.27e12)),
        ("2.5x", 2.5),
    ]


def test_figures_tolerance_is_half_a_unit_of_the_last_digit_shown() -> None:
    tolerances = {f.text: f.tolerance for f in figures("64,468.01 and 1.2B and 54 and 0.5120")}
    assert tolerances == {
        "64,468.01": pytest.approx(0.005),
        "1.2B": pytest.approx(0.05e9),
        "54": pytest.approx(0.5),
        "0.5120": pytest.approx(0.00005),
    }


def test_figures_integer_ending_in_zeros_reads_as_rounded_to_two_significant_digits() -> None:
    tolerances = {f.text: f.tolerance for f in figures("about $65,000 over 300 candles, 20 days")}
    assert tolerances == {
        "$65,000": pytest.approx(500),
        "300": pytest.approx(5),
        "20": pytest.approx(0.5),
    }


@pytest.mark.parametrize(
    "text",
    [
        "as of 2026-07-02 08:00 UTC",
        "on July 2, 2026",
        "in April 2026",
        "since 2024",
        "at 14:00",
        "on the 4h chart, the 2nd test",
        "RSI14 and SMA200 and +DI14",
        "the 20-day low, a 14-period RSI",
        "RSI(14) and MACD(12, 26, 9)",
        "[1: get_crypto_price] [2, 3] [^4]",
        "see `replay:ETH_USDT_1h.csv` or https://example.org/v2/a1",
        "[the chart](/api/v1/charts/c-3)",
        "chart-3",
    ],
)
def test_figures_skips_dates_years_periods_citations_and_identifiers(text: str) -> None:
    assert read(text) == []


def test_figures_skips_list_and_heading_numbers() -> None:
    text = "## 1. Prices\n1. BTC 64,468.01\n2) ETH 1,615.97\n- 3. SOL 140.2"
    assert read(text) == [("64,468.01", 64468.01), ("1,615.97", 1615.97), ("140.2", 140.2)]


def test_figures_dash_between_numbers_is_a_range_not_a_sign() -> None:
    figs = figures("support 1,605-1,635, move -3.1%")
    assert [(f.text, f.value, f.signed) for f in figs] == [
        ("1,605", 1605.0, False),
        ("1,635", 1635.0, False),
        ("-3.1%", -3.1, True),
    ]


def test_figures_unicode_minus_is_a_sign() -> None:
    (figure,) = figures("histogram \u22120.512")
    assert (figure.value, figure.signed) == (-0.512, True)


def test_figures_offsets_point_at_the_text() -> None:
    text = "Price **$64,468.01** now"
    (figure,) = figures(text)
    assert text[figure.start : figure.end] == "$64,468.01"
