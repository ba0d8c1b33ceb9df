"""Matching a report's figures against tool results: equal, rounded, derived, or unmatched."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from cryptodesk.domain.grounding import UnmatchedFigure
from cryptodesk.engines.grounding import Sources, check_report


class Quote(BaseModel):
    symbol: str
    price: float
    change_pct: float
    as_of: datetime
    reading: str


class Line(BaseModel):
    values: list[float | None]


def sources() -> Sources:
    found = Sources()
    found.add_result(
        Quote(
            symbol="BTC",
            price=64468.0123,
            change_pct=-2.3456,
            as_of=datetime(2026, 7, 2, tzinfo=UTC),
            reading="RSI14 71.35: overbought",
        )
    )
    found.add_result(
        Quote(symbol="X", price=60000.0, change_pct=1.5, as_of=datetime.now(UTC), reading="")
    )
    return found


def test_check_report_matches_equal_and_rounded_figures() -> None:
    grounding = check_report("BTC $64,468.01 (-2.35%), or about $64,468; RSI 71.35.", sources())
    assert (grounding.checked, grounding.matched, grounding.unmatched) == (4, 4, [])


def test_check_report_flags_an_invented_figure_once() -> None:
    grounding = check_report("BTC $64,468.01, target $71,250.50 then $71,250.50 again.", sources())
    assert grounding.checked == 3 and grounding.matched == 1
    assert grounding.unmatched == [UnmatchedFigure(text="$71,250.50", value=71250.5)]


def test_check_report_accepts_a_difference_and_a_percentage_of_two_values() -> None:
    # 64,468.0123 - 60,000 = 4,468.01; (64,468.0123 - 60,000) / 60,000 = 7.45%
    grounding = check_report("BTC is $4,468.01 above 60,000, +7.45%.", sources())
    assert grounding.unmatched == []
    assert grounding.checked == 3


def test_check_report_sign_of_a_signed_figure_must_match() -> None:
    grounding = check_report("24h change +2.35%", sources())
    assert [u.text for u in grounding.unmatched] == ["+2.35%"]
    assert check_report("a 2.35% drop", sources()).unmatched == []


def test_check_report_series_values_match_exactly_but_do_not_pair() -> None:
    found = Sources()
    found.add_result(Line(values=[None, *[100.0 + i for i in range(40)]]))
    # 117 is inside the series: shown as is, it matches; 117 - 105 = 12 pairs two inner items.
    assert check_report("SMA 117", found).unmatched == []
    assert [u.text for u in check_report("a gap of 12.00", found).unmatched] == ["12.00"]
    # The ends pair: 139 - 100 = 39 over the window.
    assert check_report("up 39.00 over the window", found).unmatched == []


def test_check_report_arguments_and_question_count_as_sources() -> None:
    found = Sources()
    found.add_arguments({"coin": "bitcoin", "entry_low": 60000, "limit": 300})
    found.add_text("Is 58k a good entry?")
    grounding = check_report("An entry at $60,000 or 58k over 300 candles.", found)
    assert grounding.unmatched == []


def test_check_report_without_figures_checks_nothing() -> None:
    grounding = check_report("No figures here, only words and RSI14.", Sources())
    assert (grounding.checked, grounding.matched, grounding.unmatched) == (0, 0, [])
