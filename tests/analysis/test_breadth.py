from __future__ import annotations

from cryptodesk.analysis.breadth import Move, breadth


def test_breadth_counts_rises_falls_and_names_leaders_and_laggards() -> None:
    moves = breadth(
        [("BTC", 2.0), ("ETH", 5.0), ("SOL", -3.0), ("XRP", 0.05), ("ADA", -1.0), ("DOGE", None)]
    )
    assert moves is not None
    assert (moves.coins, moves.up, moves.down, moves.unchanged) == (5, 2, 2, 1)
    assert moves.average_pct == (2.0 + 5.0 - 3.0 + 0.05 - 1.0) / 5
    assert moves.leaders == (Move("ETH", 5.0), Move("BTC", 2.0))
    assert moves.laggards == (Move("SOL", -3.0), Move("ADA", -1.0))
    assert moves.tone == "mixed"


def test_breadth_is_broad_when_three_quarters_move_together() -> None:
    moves = breadth([("A", 1.0), ("B", 2.0), ("C", 3.0), ("D", -0.5)])
    assert moves is not None and moves.tone == "broadly up"
    assert moves.laggards == (Move("D", -0.5),)


def test_breadth_without_known_changes_is_none() -> None:
    assert breadth([("A", None)]) is None
