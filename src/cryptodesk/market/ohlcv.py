"""OHLCV candles as numpy columns: the form sources load and analyses compute on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cryptodesk.market.catalog import CoinInfo
from cryptodesk.market.schemas import (
    WEEK_OFFSET_S,
    Candle,
    Candles,
    PriceQuote,
    Timeframe,
    timeframe_seconds,
    utc_from_epoch,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_DAY_S = 86_400


@dataclass(frozen=True, slots=True, eq=False)
class Ohlcv:
    """Columns of candles in ascending time; `time` holds open times in epoch seconds."""

    time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def tail(self, count: int) -> Ohlcv:
        start = max(len(self) - count, 0)
        return self.slice(start, len(self))

    def slice(self, start: int, stop: int) -> Ohlcv:
        return Ohlcv(
            self.time[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
        )

    @classmethod
    def from_candles(cls, candles: Candles) -> Ohlcv:
        rows = candles.candles
        return cls(
            np.array([int(c.time.timestamp()) for c in rows], dtype=np.int64),
            np.array([c.open for c in rows], dtype=np.float64),
            np.array([c.high for c in rows], dtype=np.float64),
            np.array([c.low for c in rows], dtype=np.float64),
            np.array([c.close for c in rows], dtype=np.float64),
            np.array([c.volume for c in rows], dtype=np.float64),
        )

    def to_candles(self) -> tuple[Candle, ...]:
        columns = zip(
            self.time.tolist(),
            self.open.tolist(),
            self.high.tolist(),
            self.low.tolist(),
            self.close.tolist(),
            self.volume.tolist(),
            strict=True,
        )
        return tuple(
            Candle(time=utc_from_epoch(t), open=o, high=h, low=lo, close=c, volume=v)
            for t, o, h, lo, c, v in columns
        )


def resample(series: Ohlcv, source: Timeframe, target: Timeframe) -> Ohlcv:
    """Aggregates candles of `source` into UTC-aligned `target` candles.

    Only complete buckets are kept: a bucket missing any source candle is dropped rather than
    passed off as a full candle.
    """
    step, target_step = timeframe_seconds(source), timeframe_seconds(target)
    if target_step % step != 0 or target_step < step:
        raise ValueError(f"cannot resample {source} into {target}")
    if len(series) == 0:
        return series
    offset = WEEK_OFFSET_S if target == "1w" else 0
    buckets = (series.time - offset) // target_step * target_step + offset
    starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    counts = np.diff(np.append(starts, len(series)))
    complete = counts == target_step // step
    last = starts + counts - 1
    return Ohlcv(
        buckets[starts][complete],
        series.open[starts][complete],
        np.maximum.reduceat(series.high, starts)[complete],
        np.minimum.reduceat(series.low, starts)[complete],
        series.close[last][complete],
        np.add.reduceat(series.volume, starts)[complete],
    )


@dataclass(frozen=True, slots=True)
class DayWindow:
    """The last 24 h of a series: the basis of a price quote."""

    price: float
    change_pct: float | None
    high: float
    low: float
    quote_volume: float


def last_day(series: Ohlcv, step_s: int) -> DayWindow:
    """Stats over the candles that closed within 24 h of the last close."""
    if len(series) == 0:
        raise ValueError("no candles")
    as_of = int(series.time[-1]) + step_s
    inside = series.time >= as_of - _DAY_S
    first = int(np.argmax(inside))
    complete = int(series.time[first]) == as_of - _DAY_S
    price = float(series.close[-1])
    change = (price / float(series.open[first]) - 1.0) * 100.0 if complete else None
    quote_volume = float(np.sum(series.volume[inside] * series.close[inside]))
    return DayWindow(
        price=price,
        change_pct=change,
        high=float(np.max(series.high[inside])),
        low=float(np.min(series.low[inside])),
        quote_volume=quote_volume,
    )


def day_quote(
    coin: CoinInfo, series: Ohlcv, step_s: int, *, source: str, simulated: bool
) -> PriceQuote:
    """The price quote a candle source gives: the last close and the 24 h stats before it, as of
    the close of the newest candle."""
    window = last_day(series, step_s)
    return PriceQuote(
        coin_id=coin.id,
        symbol=coin.symbol,
        name=coin.name,
        price_usd=window.price,
        change_24h_pct=window.change_pct,
        high_24h=window.high,
        low_24h=window.low,
        volume_24h=window.quote_volume,
        source=source,
        as_of=utc_from_epoch(int(series.time[-1]) + step_s),
        simulated=simulated,
    )
