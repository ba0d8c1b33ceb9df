"""The offline analyst's answers to watcher requests: "alert me if BTC drops below 60k" (a
proposal the person confirms), "yes" (the confirmation), "watch ETH", "stop watching ETH".

The calls go through the tool invoker like any other (tool_call and tool_result frames); the
answer repeats what was understood, in plain words, and says how to confirm it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from cryptodesk.domain import format as fmt
from cryptodesk.domain.outlook import AnswerKind
from cryptodesk.domain.watching import WatchAction
from cryptodesk.engines.base import RunRequest
from cryptodesk.engines.offline.intent import parse_intent
from cryptodesk.engines.offline.report import Written
from cryptodesk.engines.roster import AgentName
from cryptodesk.rules.phrases import WatchRequest
from cryptodesk.tools.invoker import ToolInvoker, ToolOutcome
from cryptodesk.tools.watch import CONFIRM, PROPOSE, UNWATCH, WATCH, WatchResult

AGENT: AgentName = "CryptoMarketAnalyst"
Step = Callable[[str, Callable[[], Awaitable[list[ToolOutcome]]]], Awaitable[list[ToolOutcome]]]


async def answer(
    request: RunRequest, wanted: WatchRequest, invoker: ToolInvoker, step: Step
) -> tuple[Written, tuple[WatchAction, ...]]:
    """Runs the watcher request's tool calls (inside one agent step) and writes the answer."""
    coins = parse_intent(request.question, request.history).coin_queries
    if wanted.kind == "confirm":
        outcomes = await step(
            "Activate the alerts proposed in this conversation.",
            lambda: _calls(invoker, [(CONFIRM, {})]),
        )
        return _confirmed(outcomes)
    if not coins:
        what = "the alert" if wanted.kind == "alert" else "the watchlist change"
        example = "alert me if BTC drops below 60k" if wanted.kind == "alert" else "watch ETH"
        return _clarify(f"Which coin is {what} about? For example: '{example}'."), ()
    if wanted.kind == "alert":
        if wanted.condition is None:
            return _clarify(
                f"I could not tell {wanted.problem}, so no alert was proposed. Say for "
                "example: 'alert me if BTC drops below 60k'."
            ), ()
        arguments = {"coin": coins[0], **wanted.condition}
        outcomes = await step(
            f"Propose an alert on {coins[0]}: {wanted.condition}.",
            lambda: _calls(invoker, [(PROPOSE, arguments)]),
        )
        return _proposed(outcomes)
    tool = WATCH if wanted.kind == "watch" else UNWATCH
    verb = "Add" if wanted.kind == "watch" else "Remove"
    outcomes = await step(
        f"{verb} {', '.join(coins)} {'to' if verb == 'Add' else 'from'} the watchlist.",
        lambda: _calls(invoker, [(tool, {"coin": coin}) for coin in coins]),
    )
    return _watched(outcomes)


async def _calls(
    invoker: ToolInvoker, calls: Sequence[tuple[str, dict[str, object]]]
) -> list[ToolOutcome]:
    return [await invoker.call(AGENT, tool, arguments) for tool, arguments in calls]


def _actions(outcomes: Sequence[ToolOutcome]) -> list[WatchAction]:
    found: list[WatchAction] = []
    for outcome in outcomes:
        if isinstance(outcome.result, WatchResult):
            found += outcome.result.actions
    return found


def _errors(outcomes: Sequence[ToolOutcome]) -> list[str]:
    return [outcome.error or "failed" for outcome in outcomes if not outcome.success]


def _proposed(outcomes: Sequence[ToolOutcome]) -> tuple[Written, tuple[WatchAction, ...]]:
    actions = _actions(outcomes)
    if not actions:
        why = "; ".join(_errors(outcomes)) or "the request could not be read"
        return _cannot(f"No alert was proposed: {why}."), ()
    action = actions[0]
    now = f" ({action.symbol} is at {fmt.usd(action.price)} now)" if action.price else ""
    bottom = (
        f"I understood: alert me when **{action.label}**{now}. It is not active yet: press "
        "Save alert, or reply **yes**, to start watching."
    )
    content = "\n".join(
        [
            bottom,
            "",
            "## Proposed alert",
            f"- Condition: {action.label}",
            "- Checked by the server on every price update, without any LLM",
            "- Fires once per crossing; not again within an hour (the cooldown)",
            f"- Alert id: `{action.alert_id}`",
            "",
            "Nothing fires until you confirm. If this is not what you meant, dismiss it and say "
            "it again in other words.",
        ]
    )
    return Written(content, bottom, "clarification", ()), tuple(actions)


def _confirmed(outcomes: Sequence[ToolOutcome]) -> tuple[Written, tuple[WatchAction, ...]]:
    actions = _actions(outcomes)
    errors = _errors(outcomes)
    if errors:
        return _cannot(f"The alert could not be saved: {'; '.join(errors)}."), ()
    if not actions:
        return _cannot("There is no proposed alert waiting for a confirmation here."), ()
    labels = ", ".join(f"**{a.label}**" for a in actions)
    bottom = f"Saved: {labels} is active now; you get a notification when it fires."
    return Written(bottom, bottom, "answered", ()), tuple(actions)


def _watched(outcomes: Sequence[ToolOutcome]) -> tuple[Written, tuple[WatchAction, ...]]:
    actions = _actions(outcomes)
    errors = _errors(outcomes)
    lines = []
    for action in actions:
        price = f" at {fmt.usd(action.price)}" if action.price else ""
        done = "is on your watchlist" if action.action == "watched" else "is off your watchlist"
        lines.append(f"{action.symbol}{price} {done}.")
    lines += [f"Not changed: {error}." for error in errors]
    if not actions:
        return _cannot(" ".join(lines) or "The watchlist was not changed."), ()
    bottom = " ".join(lines)
    kind: AnswerKind = "partial" if errors else "answered"
    return Written(bottom, bottom, kind, ()), tuple(actions)


def _clarify(text: str) -> Written:
    return Written(text, text, "clarification", ())


def _cannot(text: str) -> Written:
    return Written(text, text, "cannot_answer", ())
