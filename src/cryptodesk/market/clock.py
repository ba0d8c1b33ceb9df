"""The simulated "now" of a replay: what a replayed market lets anyone see.

A replay without a clock shows every candle of its files (its now is their end). With a clock,
the replay provider exposes only candles whose close time is at or before `now`: prices, candles,
resampled candles and price histories alike, so an analysis made "as of" a past moment cannot
see what came after it. `CRYPTODESK_REPLAY_NOW` sets one for the server (a demo as of a past
date); a backtest moves one forward step by step (`record.backtest`).
"""

from __future__ import annotations

from datetime import datetime, timedelta


class ReplayClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now: datetime | None = None
        if now is not None:
            self.set(now)

    @property
    def now(self) -> datetime | None:
        """The simulated now, or None: the end of the files."""
        return self._now

    @property
    def epoch_s(self) -> float | None:
        return self._now.timestamp() if self._now is not None else None

    def set(self, now: datetime) -> None:
        offset = now.utcoffset()
        if offset is None or offset != timedelta(0):
            raise ValueError("the replay clock needs a timezone-aware UTC time")
        self._now = now

    def describe(self) -> str:
        return f"as of {self._now:%Y-%m-%d %H:%M} UTC" if self._now is not None else "to its end"
