"""Settling a call from the candles that followed it: pure, deterministic, point in time.

Only candles strictly after the call's as-of count (open time at or after it) and none past its
horizon (close time at or before `horizon_ends_at`). A call settles only once the horizon has
fully traded: the candle that closes at the horizon's end must be in the data. Rules:

- Return: the close of the horizon's last candle against the call's price. It agrees with a
  bullish call when positive, with a bearish one when negative, with a neutral one when its size
  stays under the neutral band (`NEUTRAL_BAND_PCT`, by timeframe).
- Excursions: MFE is the largest move in the bias' favour over the horizon (highs for bullish,
  lows for bearish), MAE the largest against it, both as magnitudes in percent of the call's
  price. A neutral call has no favourable side: its MAE is the larger move either way.
- First touch: candle by candle, a high (low) reaching the target of a bullish (bearish) call's
  scenario, or a low (high) reaching its invalidation level. A touch counts, not a close: a stop
  fills on the touch. When one candle touches both, the order inside it is unknown, and the rule
  is the conservative one: the invalidation first, unless the candle opened already beyond the
  target (a gap through it).
- Outcome: `hit` (target first), `invalidated` (invalidation first), else `expired_in_favour`
  or `miss` by the return; `neutral_correct` / `neutral_wrong` for neutral calls.
- Gaps: up to `MAX_MISSING` of the horizon's candles may be missing (the settlement says how
  many); more, or a missing last candle, leaves the call pending with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from cryptodesk.domain import format as fmt
from cryptodesk.domain.calls import CallDraft, Outcome, PathCandle, Settlement, Touch
from cryptodesk.market.ohlcv import Ohlcv
from cryptodesk.market.schemas import parse_timeframe, timeframe_seconds, utc_from_epoch

NEUTRAL_BAND_PCT: dict[str, float] = {
    "5m": 0.75,
    "15m": 1.0,
    "1h": 1.5,
    "4h": 2.5,
    "1d": 5.0,
    "1w": 10.0,
}
"""A neutral call is right when the horizon's return stays within ± this many percent."""
MAX_MISSING = 0.1
"""The share of a horizon's candles that may be missing (rounded down) for it to settle."""
CONTEXT_BARS = 6
"""Candles before the as-of kept with the settlement, for the chart of what happened."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """Not settled (yet): why."""

    reason: str


def _touch(call: CallDraft, horizon: Ohlcv, up: bool) -> tuple[Touch | None, int | None]:
    """Which of target and invalidation was touched first, and in which candle (index)."""
    target, stop = call.target, call.invalidation
    if target is not None and (target <= call.price if up else target >= call.price):
        target = None  # a target on the wrong side of the price is no target
    if stop is not None and (stop >= call.price if up else stop <= call.price):
        stop = None
    if target is None and stop is None:
        return None, None
    high, low, opens = horizon.high, horizon.low, horizon.open
    inf = math.inf
    if up:
        hits_target = high >= (target if target is not None else inf)
        hits_stop = low <= (stop if stop is not None else -inf)
    else:
        hits_target = low <= (target if target is not None else -inf)
        hits_stop = high >= (stop if stop is not None else inf)
    touched = np.flatnonzero(hits_target | hits_stop)
    if touched.size == 0:
        return None, None
    i = int(touched[0])
    if not hits_stop[i]:
        return "target", i
    if hits_target[i] and target is not None:
        gapped = opens[i] >= target if up else opens[i] <= target
        return ("target" if gapped else "invalidation"), i
    return "invalidation", i


def _outcome(call: CallDraft, touch: Touch | None, agreed: bool) -> Outcome:
    if call.bias == "neutral":
        return "neutral_correct" if agreed else "neutral_wrong"
    if touch == "target":
        return "hit"
    if touch == "invalidation":
        return "invalidated"
    return "expired_in_favour" if agreed else "miss"


def settle(
    call: CallDraft, series: Ohlcv, *, source: str, settled_at: datetime
) -> Settlement | Waiting:
    """The settlement of `call` from `series` (candles of its timeframe, any span), or why not.

    `series` may reach past the horizon or start before the as-of: only the horizon is read
    (and up to `CONTEXT_BARS` before it for the chart).
    """
    step = timeframe_seconds(parse_timeframe(call.timeframe))
    start, end = int(call.as_of.timestamp()), int(call.horizon_ends_at.timestamp())
    ends = fmt.when_epoch(end)
    if len(series) == 0:
        return Waiting(f"{source} served no {call.timeframe} candle")
    reached = int(series.time[-1]) + step
    if reached < end:
        return Waiting(f"the horizon ends {ends}; the data reaches {fmt.when_epoch(reached)}")
    if int(series.time[0]) > start:
        return Waiting(
            f"{source} serves {call.timeframe} candles from {fmt.when_epoch(int(series.time[0]))}"
            f" only, after this call's as-of ({fmt.when_epoch(start)})"
        )
    inside = (series.time >= start) & (series.time + step <= end)
    first, stop = int(np.argmax(inside)), len(series) - int(np.argmax(inside[::-1]))
    horizon = series.slice(first, stop) if inside.any() else series.slice(0, 0)
    missing = call.horizon_bars - len(horizon)
    if len(horizon) == 0 or int(horizon.time[-1]) + step != end:
        return Waiting(f"the candle that closes the horizon ({ends}) is missing from {source}")
    allowed = math.floor(call.horizon_bars * MAX_MISSING)
    if missing > allowed:
        return Waiting(
            f"{missing} of the horizon's {call.horizon_bars} candles are missing from "
            f"{source} (at most {allowed} may be)"
        )
    return _settled(call, series, first, horizon, missing, source, settled_at)


def _settled(
    call: CallDraft,
    series: Ohlcv,
    first: int,
    horizon: Ohlcv,
    missing: int,
    source: str,
    settled_at: datetime,
) -> Settlement:
    price = call.price
    exit_price = float(horizon.close[-1])
    ret = (exit_price / price - 1.0) * 100.0
    up_pct = max(0.0, (float(horizon.high.max()) / price - 1.0) * 100.0)
    down_pct = max(0.0, (1.0 - float(horizon.low.min()) / price) * 100.0)
    band: float | None = None
    touch: Touch | None = None
    touched_at: datetime | None = None
    mfe: float | None
    if call.bias == "neutral":
        band = NEUTRAL_BAND_PCT[call.timeframe]
        agreed = abs(ret) < band
        mfe, mae = None, max(up_pct, down_pct)
    else:
        up = call.bias == "bullish"
        agreed = ret > 0 if up else ret < 0
        mfe, mae = (up_pct, down_pct) if up else (down_pct, up_pct)
        touch, index = _touch(call, horizon, up)
        if index is not None:
            touched_at = utc_from_epoch(int(horizon.time[index]))
    shown = series.slice(max(first - CONTEXT_BARS, 0), first + len(horizon))
    return Settlement(
        settled_at=settled_at,
        outcome=_outcome(call, touch, agreed),
        return_pct=ret,
        agreed=agreed,
        mfe_pct=mfe,
        mae_pct=mae,
        first_touch=touch,
        touched_at=touched_at,
        exit_price=exit_price,
        candles=len(horizon),
        missing=missing,
        source=source,
        band_pct=band,
        path=tuple(
            PathCandle(int(t), o, h, lo, c)
            for t, o, h, lo, c in zip(
                shown.time.tolist(),
                shown.open.tolist(),
                shown.high.tolist(),
                shown.low.tolist(),
                shown.close.tolist(),
                strict=True,
            )
        ),
    )


def describe(settlement: Settlement) -> str:
    """One line: outcome, return, excursions."""
    mfe = f"MFE {fmt.pct(settlement.mfe_pct)}, " if settlement.mfe_pct is not None else ""
    return (
        f"{settlement.outcome.replace('_', ' ')}: {fmt.pct(settlement.return_pct)} over the "
        f"horizon, {mfe}MAE {fmt.pct(settlement.mae_pct)}"
    )
