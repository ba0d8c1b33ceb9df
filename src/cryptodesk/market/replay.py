"""Replay of local OHLCV CSV files (`SYM_QUOTE_TF.csv`: timestamp ms, datetime, o, h, l, c, v).

The "now" of a replay is the last candle of a file, or the time of its clock (`clock.py`): then
only candles closed by that time exist, for every value served. Timeframes without a file are
resampled from a finer file that divides them evenly (1h -> 4h, 5m -> 15m, ...).

A backtest asks for the window ending one candle later at every step; each candle becomes a
`Candle` value once (`_Served`) and later windows reuse it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

import numpy as np

from cryptodesk.errors import (
    BadRangeError,
    DataUnavailableError,
    UnsupportedTimeframeError,
)
from cryptodesk.market.catalog import coin_by_id, coin_by_symbol
from cryptodesk.market.clock import ReplayClock
from cryptodesk.market.ohlcv import IntArray, Ohlcv, day_quote, resample
from cryptodesk.market.schemas import (
    TIMEFRAMES,
    Candle,
    Candles,
    PriceHistory,
    PricePoint,
    PriceQuote,
    Timeframe,
    parse_timeframe,
    timeframe_seconds,
    utc_from_epoch,
)

logger = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^([A-Z0-9]+)_([A-Z]+)_(5m|15m|1h|4h|1d|1w)\.csv$")
_COLUMNS = ("timestamp", "datetime", "open", "high", "low", "close", "volume")
_CACHED_CANDLES = 64


@dataclass(frozen=True, slots=True)
class _Plan:
    path: Path
    native: Timeframe
    target: Timeframe

    @property
    def source(self) -> str:
        label = f"replay:{self.path.name}"
        return label if self.native == self.target else f"{label} resampled to {self.target}"


@dataclass(eq=False)
class _Served:
    """A series as served for one timeframe (native or resampled), its close times, and the
    `Candle` value of each row once it was asked for: rows `made_from` to `made_to` (a backtest
    asks for windows that move forward, so the made rows stay one contiguous range)."""

    series: Ohlcv
    closes: IntArray
    made: list[Candle | None] = field(default_factory=list)
    made_from: int = 0
    made_to: int = 0

    def __post_init__(self) -> None:
        self.made = [None] * len(self.series)

    def candles(self, start: int, stop: int) -> tuple[Candle, ...]:
        if self.made_to <= self.made_from:  # nothing made yet
            low, high = start, stop
            self._make(start, stop)
        else:  # grow the made range to cover the window: it stays contiguous
            low, high = min(start, self.made_from), max(stop, self.made_to)
            self._make(low, self.made_from)
            self._make(self.made_to, high)
        self.made_from, self.made_to = low, high
        return cast("tuple[Candle, ...]", tuple(self.made[start:stop]))  # made, every one

    def _make(self, first: int, last: int) -> None:
        if first < last:
            self.made[first:last] = self.series.slice(first, last).to_candles()


class ReplayProvider:
    """Serves prices and candles from a folder of CSV files, real data replayed as of its end
    or as of its clock's now."""

    def __init__(self, folder: Path, clock: ReplayClock | None = None) -> None:
        self._folder = folder
        self.clock = clock or ReplayClock()
        self._files: dict[str, dict[Timeframe, Path]] | None = None
        self._series: dict[Path, Ohlcv] = {}
        self._served: dict[tuple[Path, Timeframe], _Served] = {}
        self._candles: dict[tuple[str, Timeframe, int, int], Candles] = {}

    @property
    def name(self) -> str:
        return "replay"

    @property
    def simulated(self) -> bool:
        return False

    @property
    def folder(self) -> Path:
        return self._folder

    def available_coins(self) -> tuple[str, ...]:
        return tuple(self._index())

    async def aclose(self) -> None:
        self._series.clear()
        self._served.clear()
        self._candles.clear()

    async def get_price(self, coin_id: str) -> PriceQuote:
        coin = coin_by_id(coin_id)
        files = self._coin_files(coin_id)
        finest = min(files, key=timeframe_seconds)
        plan = _Plan(files[finest], finest, finest)
        served = await self._serve(plan)
        series = served.series.slice(0, self._visible(plan, served))
        return day_quote(
            coin, series, timeframe_seconds(finest), source=plan.source, simulated=False
        )

    async def get_ohlc(self, coin_id: str, timeframe: Timeframe, limit: int) -> Candles:
        if limit < 1:
            raise BadRangeError(f"limit must be at least 1, got {limit}")
        coin = coin_by_id(coin_id)
        plan = self._plan(coin_id, parse_timeframe(timeframe))
        served = await self._serve(plan)
        stop = self._visible(plan, served)
        start = max(stop - limit, 0)
        key = (coin.id, timeframe, start, stop)
        cached = self._candles.get(key)
        if cached is not None:
            return cached
        candles = Candles(
            coin_id=coin.id,
            symbol=coin.symbol,
            timeframe=timeframe,
            candles=served.candles(start, stop),
            source=plan.source,
            as_of=utc_from_epoch(int(served.closes[stop - 1])),
            simulated=False,
        )
        if len(self._candles) >= _CACHED_CANDLES:
            self._candles.pop(next(iter(self._candles)))
        self._candles[key] = candles
        return candles

    async def price_history(self, coin_id: str, start: datetime, end: datetime) -> PriceHistory:
        """Closes of the finest file that reaches into the window; says which dates the files
        cover when none does."""
        coin = coin_by_id(coin_id)
        files = self._coin_files(coin_id)
        first: datetime | None = None
        last: datetime | None = None
        now = self.clock.epoch_s
        until = end.timestamp() if now is None else min(end.timestamp(), now)
        for timeframe in sorted(files, key=timeframe_seconds):
            path = files[timeframe]
            series = await self._load(path)
            closes = series.time + timeframe_seconds(timeframe)
            inside = (closes > start.timestamp()) & (closes <= until)
            if inside.any():
                break
            opens, ends = utc_from_epoch(int(series.time[0])), utc_from_epoch(int(closes[-1]))
            first = opens if first is None else min(first, opens)
            last = ends if last is None else max(last, ends)
        else:
            clocked = f" (the replay clock stands {self.clock.describe()})" if now else ""
            raise DataUnavailableError(
                f"the replay files for {coin.symbol} cover {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                f"only; {start:%Y-%m-%d} to {end:%Y-%m-%d} is outside them{clocked}"
            )
        points = tuple(
            PricePoint(time=utc_from_epoch(int(t)), price=float(c))
            for t, c in zip(closes[inside].tolist(), series.close[inside].tolist(), strict=True)
        )
        return PriceHistory(
            coin_id=coin.id,
            symbol=coin.symbol,
            start=start,
            end=end,
            points=points,
            source=f"replay:{path.name}",
            as_of=points[-1].time,
            simulated=False,
        )

    def _plan(self, coin_id: str, timeframe: Timeframe) -> _Plan:
        files = self._coin_files(coin_id)
        if timeframe in files:
            return _Plan(files[timeframe], timeframe, timeframe)
        step = timeframe_seconds(timeframe)
        finer = [
            tf for tf in files if timeframe_seconds(tf) < step and step % timeframe_seconds(tf) == 0
        ]
        if not finer:
            servable = tuple(
                tf
                for tf in TIMEFRAMES
                if any(timeframe_seconds(tf) % timeframe_seconds(have) == 0 for have in files)
            )
            raise UnsupportedTimeframeError(timeframe, servable)
        # The coarsest usable file usually reaches furthest back.
        native = max(finer, key=timeframe_seconds)
        return _Plan(files[native], native, timeframe)

    def _visible(self, plan: _Plan, served: _Served) -> int:
        """How many candles of `served` have closed by the clock's now (all without a clock);
        `DataUnavailableError` when none has."""
        now = self.clock.epoch_s
        count = len(served.closes) if now is None else int(served.closes.searchsorted(now, "right"))
        if count > 0:
            return count
        if len(served.closes) == 0:
            raise DataUnavailableError(f"{plan.source} has no complete {plan.target} candle")
        first = utc_from_epoch(int(served.closes[0]))
        raise DataUnavailableError(
            f"the replay clock stands {self.clock.describe()}, before the first {plan.target} "
            f"candle of {plan.path.name} closes ({first:%Y-%m-%d %H:%M} UTC)"
        )

    async def _serve(self, plan: _Plan) -> _Served:
        key = (plan.path, plan.target)
        served = self._served.get(key)
        if served is None:
            series = await self._load(plan.path)
            if plan.native != plan.target:
                series = resample(series, plan.native, plan.target)
            served = _Served(series, series.time + timeframe_seconds(plan.target))
            self._served[key] = served
        return served

    def _coin_files(self, coin_id: str) -> dict[Timeframe, Path]:
        files = self._index().get(coin_id)
        if files is None:
            coin = coin_by_id(coin_id)
            available = ", ".join(coin_by_id(c).symbol for c in self._index())
            raise DataUnavailableError(
                f"no replay file for {coin.name} ({coin.symbol}) in {self._folder}; "
                f"replay has: {available}"
            )
        return files

    def _index(self) -> dict[str, dict[Timeframe, Path]]:
        if self._files is None:
            self._files = _scan(self._folder)
        return self._files

    async def _load(self, path: Path) -> Ohlcv:
        series = self._series.get(path)
        if series is None:
            series = await asyncio.to_thread(load_csv, path)
            self._series[path] = series
        return series


def _scan(folder: Path) -> dict[str, dict[Timeframe, Path]]:
    if not folder.is_dir():
        raise DataUnavailableError(f"replay folder {folder} does not exist")
    found: dict[str, dict[Timeframe, Path]] = {}
    for path in sorted(folder.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match is None:
            continue
        coin = coin_by_symbol(match.group(1))
        if coin is None:
            logger.info("replay: skipping %s, %s is not a catalog coin", path.name, match.group(1))
            continue
        found.setdefault(coin.id, {}).setdefault(parse_timeframe(match.group(3)), path)
    if not found:
        raise DataUnavailableError(
            f"replay folder {folder} holds no SYMBOL_QUOTE_TF.csv file of a known coin"
        )
    return found


def load_csv(path: Path) -> Ohlcv:
    """Parses one replay CSV; raises `DataUnavailableError` for a malformed file."""
    try:
        with path.open(encoding="utf-8") as handle:
            header = tuple(part.strip() for part in handle.readline().split(","))
            if header != _COLUMNS:
                raise DataUnavailableError(f"{path.name}: expected columns {', '.join(_COLUMNS)}")
            table = np.loadtxt(handle, delimiter=",", usecols=(0, 2, 3, 4, 5, 6), ndmin=2)
    except (OSError, ValueError) as e:
        raise DataUnavailableError(f"cannot read replay file {path}: {e}") from e
    if table.shape[0] == 0:
        raise DataUnavailableError(f"replay file {path} has no candles")
    times = (table[:, 0].astype(np.int64)) // 1000
    if np.any(np.diff(times) <= 0):
        raise DataUnavailableError(f"replay file {path} is not in strictly ascending time order")
    return Ohlcv(
        times,
        np.ascontiguousarray(table[:, 1]),
        np.ascontiguousarray(table[:, 2]),
        np.ascontiguousarray(table[:, 3]),
        np.ascontiguousarray(table[:, 4]),
        np.ascontiguousarray(table[:, 5]),
    )
