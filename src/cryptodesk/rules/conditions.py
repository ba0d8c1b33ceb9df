"""What an alert rule watches: a condition kind, its threshold and the few parameters some kinds
take. One model serves the API, the CLI, the chat tools and the store, so a rule reads the same
wherever it is made.

Values are in the units people use: prices in USD, moves and funding rates in percent, RSI on its
0-100 scale, a volume spike as a multiple of the average volume.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cryptodesk.domain import format as fmt
from cryptodesk.market.schemas import Timeframe

ConditionKind = Literal[
    "price_above",
    "price_below",
    "pct_move",
    "level_cross",
    "rsi_above",
    "rsi_below",
    "funding_above",
    "funding_below",
    "volume_spike",
]
CONDITION_KINDS: tuple[ConditionKind, ...] = get_args(ConditionKind)
Window = Literal["5m", "15m", "1h", "4h", "24h"]
WINDOW_SECONDS: dict[Window, int] = {"5m": 300, "15m": 900, "1h": 3600, "4h": 14_400, "24h": 86_400}
Direction = Literal["up", "down", "either"]

PRICE_KINDS = frozenset({"price_above", "price_below", "level_cross"})
CANDLE_KINDS = frozenset({"rsi_above", "rsi_below", "volume_spike"})
FUNDING_KINDS = frozenset({"funding_above", "funding_below"})

DEFAULT_WINDOW: Window = "1h"
DEFAULT_TIMEFRAME: Timeframe = "1h"
DEFAULT_RSI_PERIOD = 14
DEFAULT_VOLUME_PERIOD = 20

# A threshold must be a JSON number: "60000" or "60k" is refused, not read.
Threshold = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ConditionKind
    value: Threshold = Field(
        description=(
            "USD for price_above, price_below and level_cross; percent for pct_move and the "
            "funding rate (per funding interval); 0-100 for RSI; a multiple of the average "
            "volume for volume_spike"
        )
    )
    window: Window | None = Field(None, description="pct_move only: the window of the move")
    direction: Direction | None = Field(None, description="pct_move only (default: either)")
    timeframe: Timeframe | None = Field(
        None, description="RSI and volume_spike only: the candles (default 1h)"
    )
    period: int | None = Field(
        None,
        ge=2,
        le=200,
        description="RSI period (default 14) or candles averaged by volume_spike (default 20)",
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Condition:
        problem = _problem(self)
        if problem is not None:
            raise ValueError(problem)
        return self

    def normalized(self) -> Condition:
        """The condition with the defaults of its kind filled in."""
        if self.kind == "pct_move":
            return self.model_copy(
                update={
                    "window": self.window or DEFAULT_WINDOW,
                    "direction": self.direction or "either",
                }
            )
        if self.kind in CANDLE_KINDS:
            default = DEFAULT_VOLUME_PERIOD if self.kind == "volume_spike" else DEFAULT_RSI_PERIOD
            return self.model_copy(
                update={
                    "timeframe": self.timeframe or DEFAULT_TIMEFRAME,
                    "period": self.period or default,
                }
            )
        return self

    def params(self) -> dict[str, str | int]:
        """The parameters beside kind and value, as the store keeps them."""
        values = {
            "window": self.window,
            "direction": self.direction,
            "timeframe": self.timeframe,
            "period": self.period,
        }
        return {k: v for k, v in values.items() if v is not None}

    def describe(self, symbol: str) -> str:
        """The rule in plain words: "BTC price below $60,000"."""
        c = self.normalized()
        value = c.value
        match c.kind:
            case "price_above":
                return f"{symbol} price above {fmt.usd(value)}"
            case "price_below":
                return f"{symbol} price below {fmt.usd(value)}"
            case "level_cross":
                return f"{symbol} crosses {fmt.usd(value)} (either way)"
            case "pct_move":
                way = {"up": "up", "down": "down", "either": "up or down"}[c.direction or "either"]
                return f"{symbol} moves {fmt.significant(value)}% {way} within {c.window}"
            case "rsi_above" | "rsi_below":
                side = "above" if c.kind == "rsi_above" else "below"
                return f"{symbol} RSI({c.period}) on {c.timeframe} {side} {fmt.significant(value)}"
            case "funding_above" | "funding_below":
                side = "above" if c.kind == "funding_above" else "below"
                return f"{symbol} funding rate {side} {fmt.significant(value)}% per interval"
            case "volume_spike":
                return (
                    f"{symbol} {c.timeframe} volume at least {fmt.significant(value)}× its "
                    f"{c.period}-candle average"
                )


def _problem(c: Condition) -> str | None:
    """Why the condition cannot be watched as given, or None."""
    if c.window is not None and c.kind != "pct_move":
        return "window applies to pct_move only"
    if c.direction is not None and c.kind != "pct_move":
        return "direction applies to pct_move only"
    if c.kind not in CANDLE_KINDS and (c.timeframe is not None or c.period is not None):
        return "timeframe and period apply to rsi_above, rsi_below and volume_spike only"
    value = c.value
    if c.kind in PRICE_KINDS and value <= 0:
        return f"{c.kind} needs a price above 0 (USD)"
    if c.kind == "pct_move" and not 0 < value <= 1000:
        return "pct_move needs a percentage between 0 and 1000"
    if c.kind in ("rsi_above", "rsi_below") and not 0 < value < 100:
        return "RSI thresholds lie between 0 and 100"
    if c.kind in FUNDING_KINDS and not -100 < value < 100:
        return "a funding rate threshold is a percentage between -100 and 100"
    if c.kind == "volume_spike" and not 1 < value <= 1000:
        return "volume_spike needs a multiple of the average volume above 1 (e.g. 3)"
    return None
