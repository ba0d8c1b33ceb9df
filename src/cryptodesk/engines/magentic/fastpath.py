"""The fast path: a simple lookup ("price of BTC", "ETH 24h change") is one tool call and one
short LLM turn, not the whole team."""

from __future__ import annotations

from cryptodesk.engines.offline.intent import Intent

FAST_TOOL = "get_crypto_price"
FAST_AGENT = "CryptoMarketAnalyst"

FAST_INSTRUCTIONS = (
    "You are the ReportWriter of a crypto research desk. Answer the user's question in two or "
    "three sentences of markdown, opening with the bottom line you are given, word for word, "
    "and using only the tool result you are given, copying its numbers exactly and citing the "
    "tool, e.g. '$65,000 [get_crypto_price]'. Mention the source and time the result names. "
    "No investment advice."
)


def is_simple_lookup(intent: Intent) -> bool:
    """One coin's price or 24h change, and nothing else."""
    return (
        intent.price
        and len(intent.coin_queries) == 1
        and not (
            intent.technical
            or intent.chart
            or intent.comparison
            or intent.overview
            or intent.exchange
            or intent.trending
            or intent.account
            or intent.indicators
        )
    )


FAST_HEADING = "Answer the question from the price lookup."


def fast_prompt(question: str, result: str, bottom_line: str | None = None) -> str:
    opening = f"Bottom line (open with it, word for word): {bottom_line}\n\n" if bottom_line else ""
    return (
        f"{FAST_HEADING}\n\nQuestion: {question}\n\n{opening}"
        f"Tool result [get_crypto_price]: {result}"
    )
