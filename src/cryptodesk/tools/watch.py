"""Watcher tools: propose an alert, confirm proposals, watch or unwatch a coin.

An alert made from the chat is only proposed: stored inactive, shown in plain words, and made
active only by the person (the Save button, `PATCH /alerts/{id}`, the CLI, or a bare "yes" in the
same conversation, which the engines recognise without a model: `confirm_alerts` is never a tool
an LLM agent gets). So a misunderstood rule can never start watching silently. Watching a coin
changes nothing that fires: it is done at once and the answer offers to undo it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from cryptodesk.domain import format as fmt
from cryptodesk.domain.watching import WatchAction
from cryptodesk.errors import CryptoDeskError, ToolError
from cryptodesk.market.schemas import Timeframe
from cryptodesk.rules.conditions import Condition, ConditionKind, Direction, Window
from cryptodesk.store.watch_records import AlertRule
from cryptodesk.tools.base import Tool, ToolContext, ToolResult, describe_validation
from cryptodesk.tools.context import WatchBook
from cryptodesk.tools.market import CoinArgs

PROPOSE = "propose_alert"
CONFIRM = "confirm_alerts"
WATCH = "watch_coin"
UNWATCH = "unwatch_coin"


class ProposeArgs(CoinArgs):
    kind: ConditionKind = Field(
        description=(
            "price_above / price_below (USD), level_cross (USD, either way), pct_move (percent "
            "within a window), rsi_above / rsi_below (0-100), funding_above / funding_below "
            "(percent per interval), volume_spike (multiple of the average volume)"
        )
    )
    value: float = Field(description="the threshold, in the unit of the kind")
    window: Window | None = Field(None, description="pct_move only")
    direction: Direction | None = Field(None, description="pct_move only: up, down or either")
    timeframe: Timeframe | None = Field(None, description="RSI and volume_spike only")


class NoArgs(BaseModel):
    pass


class WatchResult(ToolResult):
    actions: list[WatchAction]
    note: str = ""

    def summary(self) -> str:
        if not self.actions:
            return self.note or "nothing changed"
        words = {
            "alert_proposed": "Proposed, NOT active until the user confirms",
            "alert_confirmed": "Confirmed and active",
            "watched": "On the watchlist",
            "unwatched": "Removed from the watchlist",
        }
        parts = [
            f"{words[a.action]}: {a.label}" + (f" (alert {a.alert_id})" if a.alert_id else "")
            for a in self.actions
        ]
        return "; ".join(parts) + (f". {self.note}" if self.note else "")


def _book(context: ToolContext) -> WatchBook:
    if context.watch is None:
        raise ToolError("the watcher is not available in this run")
    return context.watch


async def _price(context: ToolContext, coin: str) -> float | None:
    try:
        return (await context.market.get_price(coin)).price_usd
    except CryptoDeskError:
        return None  # the proposal stands without the price beside it


def _action(
    action: Literal["alert_proposed", "alert_confirmed"], rule: AlertRule, price: float | None
) -> WatchAction:
    return WatchAction(
        action=action,
        symbol=rule.symbol,
        coin_id=rule.coin_id,
        label=rule.label,
        alert_id=rule.id,
        price=price,
    )


async def propose_alert(context: ToolContext, args: ProposeArgs) -> WatchResult:
    try:
        condition = Condition(
            kind=args.kind,
            value=args.value,
            window=args.window,
            direction=args.direction,
            timeframe=args.timeframe,
        )
    except ValidationError as exc:
        raise ToolError(describe_validation(PROPOSE, exc)) from exc
    rule = await _book(context).propose(
        args.coin, condition, conversation_id=context.conversation_id, run_id=context.run_id
    )
    price = await _price(context, rule.coin_id)
    now = f"{rule.symbol} is at {fmt.usd(price)} now" if price is not None else ""
    return WatchResult(
        simulated=context.market.simulated,
        actions=[_action("alert_proposed", rule, price)],
        note=now,
    )


async def confirm_alerts(context: ToolContext, _args: NoArgs) -> WatchResult:
    rules = await _book(context).confirm(context.conversation_id)
    note = "" if rules else "no proposed alert was waiting in this conversation"
    return WatchResult(
        simulated=False, actions=[_action("alert_confirmed", r, None) for r in rules], note=note
    )


async def watch_coin(context: ToolContext, args: CoinArgs) -> WatchResult:
    entry, created = await _book(context).watch(args.coin)
    price = await _price(context, entry.coin_id)
    action = WatchAction(
        action="watched",
        symbol=entry.symbol,
        coin_id=entry.coin_id,
        label=f"{entry.symbol} on the watchlist",
        price=price,
    )
    note = "" if created else f"{entry.symbol} was already on the watchlist"
    return WatchResult(simulated=context.market.simulated, actions=[action], note=note)


async def unwatch_coin(context: ToolContext, args: CoinArgs) -> WatchResult:
    entry = await _book(context).unwatch(args.coin)
    action = WatchAction(
        action="unwatched",
        symbol=entry.symbol,
        coin_id=entry.coin_id,
        label=f"{entry.symbol} off the watchlist",
    )
    return WatchResult(simulated=False, actions=[action])


PROPOSE_TOOL = Tool(
    name=PROPOSE,
    description=(
        "Propose a price alert the user asked for in plain words ('alert me if BTC drops below "
        "60k' -> coin BTC, kind price_below, value 60000). It is stored INACTIVE: the user "
        "confirms it. Use the user's own numbers; never invent a threshold."
    ),
    args_model=ProposeArgs,
    result_model=WatchResult,
    implementation=propose_alert,
)
CONFIRM_TOOL = Tool(
    name=CONFIRM,
    description="Activate the alerts proposed in this conversation (the user said yes).",
    args_model=NoArgs,
    result_model=WatchResult,
    implementation=confirm_alerts,
)
WATCH_TOOL = Tool(
    name=WATCH,
    description="Add a coin to the user's watchlist ('watch ETH').",
    args_model=CoinArgs,
    result_model=WatchResult,
    implementation=watch_coin,
)
UNWATCH_TOOL = Tool(
    name=UNWATCH,
    description="Remove a coin from the user's watchlist ('stop watching ETH').",
    args_model=CoinArgs,
    result_model=WatchResult,
    implementation=unwatch_coin,
)
