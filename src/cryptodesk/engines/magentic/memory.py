"""Conversation memory: earlier questions and answers given to the team, within a token budget.

Magentic takes one task message, so the history is written into it, newest kept first when the
budget is tight, long answers shortened. Tokens are estimated at four characters each.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptodesk.domain.format import clip
from cryptodesk.engines.base import HistoryMessage

CHARS_PER_TOKEN = 4
_MESSAGE_CHARS = 1500


def with_history(question: str, history: Sequence[HistoryMessage], budget_tokens: int) -> str:
    """The task for the team: the question, preceded by as much recent history as fits."""
    budget = budget_tokens * CHARS_PER_TOKEN
    lines: list[str] = []
    for message in reversed(history):
        if message.role == "user" and message.content.strip() == question.strip() and not lines:
            continue  # the current question, already stored in the conversation
        who = "User" if message.role == "user" else "Assistant"
        said = clip(" ".join(message.content.split()), _MESSAGE_CHARS)
        line = f"{who}: {said}"
        if len(line) > budget:
            break
        budget -= len(line)
        lines.append(line)
    if not lines:
        return question
    lines.reverse()
    return (
        "Earlier in this conversation (oldest first):\n"
        + "\n".join(lines)
        + "\n\nCurrent request (resolve references such as 'it' or 'what about ETH' from the "
        "conversation above):\n" + question
    )
