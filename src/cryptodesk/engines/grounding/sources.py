"""The numbers a report may show: those of the run's full typed tool results.

Every number of a result counts (fields, nested models, series, the length of each list, and the
figures inside its texts, such as a reading "RSI14 71.35: overbought"), as do the numbers of each
call's arguments (an entry zone, a limit) and the figures of the question itself (a price the
user named). A report may also show a difference or a percentage of two values; those are derived
from the scalar values only: values outside series, plus the first and last item of each series
(a change over the window), so thousands of candles do not make every percentage derivable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from cryptodesk.engines.grounding.figures import figures

SERIES = 12
"""A list longer than this is a series: its items are not paired with other values."""
MAX_SCALARS = 600
"""Scalars beyond this many are matched exactly only (pairs grow with the square)."""


class Sources:
    """The numbers of one run's tool results, collected as the results arrive."""

    def __init__(self) -> None:
        self._exact: list[float] = []
        self._series: list[NDArray[np.float64]] = []
        self._scalars: list[float] = []
        self._sorted: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        self._pairs: _Pairs | None = None

    def __len__(self) -> int:
        return len(self._exact) + sum(len(series) for series in self._series)

    def add_result(self, result: BaseModel) -> None:
        self._walk(result.model_dump(), series=False)

    def add_arguments(self, arguments: Mapping[str, object]) -> None:
        self._walk(dict(arguments), series=False)

    def add_text(self, text: str) -> None:
        """Figures of a text the user wrote (the question) or a tool returned."""
        self._add((f.value for f in figures(text)), series=False)

    def add_values(self, values: Iterable[float]) -> None:
        self._add(values, series=False)

    # ------------------------------------------------------------------ lookups

    def holds(
        self,
        values: NDArray[np.float64],
        tolerances: NDArray[np.float64],
        signed: NDArray[np.bool_],
    ) -> NDArray[np.bool_]:
        """Per figure: whether a value equals it within its tolerance (an unsigned figure
        matches a value of either sign)."""
        raw, magnitudes = self._tables()
        held = np.zeros(len(values), dtype=np.bool_)
        for table, chosen, targets in (
            (raw, signed, values),
            (magnitudes, ~signed, np.abs(values)),
        ):
            if len(table) == 0 or not chosen.any():
                continue
            index = np.searchsorted(table, targets - tolerances, side="left")
            inside = index < len(table)
            found = np.zeros(len(values), dtype=np.bool_)
            found[inside] = table[index[inside]] <= (targets + tolerances)[inside]
            held |= found & chosen
        return held

    def derives(self, value: float, tolerance: float, *, percent: bool, signed: bool) -> bool:
        """Whether a difference (or, for a percentage, a change or ratio) of two scalar values
        gives `value` within `tolerance`."""
        if self._pairs is None:
            self._pairs = _Pairs(self._scalars[:MAX_SCALARS])
        return self._pairs.derives(value, tolerance, percent=percent, signed=signed)

    # ------------------------------------------------------------------ collection

    def _walk(self, value: object, *, series: bool) -> None:
        if isinstance(value, bool) or value is None or isinstance(value, datetime | date):
            return
        if isinstance(value, int | float):
            self._add((float(value),), series=series)
        elif isinstance(value, str):
            if any(c.isdigit() for c in value):
                self._add((f.value for f in figures(value)), series=True)
        elif isinstance(value, Mapping):
            for item in value.values():
                self._walk(item, series=series)
        elif isinstance(value, list | tuple):
            self._add((float(len(value)),), series=series)  # "2 balances", "300 candles"
            long = len(value) > SERIES
            numbers = _numeric(value) if long else None
            if numbers is not None:
                # A plain series (an indicator line): its ends pair, the rest do not.
                if len(numbers):
                    self._add((float(numbers[0]), float(numbers[-1])), series=series)
                    self._series.append(numbers[1:-1])
                    self._sorted = None
                return
            for index, item in enumerate(value):
                ends = index in (0, len(value) - 1)
                self._walk(item, series=series or (long and not ends))

    def _add(self, values: Iterable[float], *, series: bool) -> None:
        for value in values:
            if value != value or value in (float("inf"), float("-inf")):
                continue
            self._exact.append(value)
            if not series:
                self._scalars.append(value)
        self._sorted = None
        self._pairs = None

    def _tables(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The values sorted, and their magnitudes sorted."""
        if self._sorted is None:
            values = np.concatenate([np.asarray(self._exact, dtype=np.float64), *self._series])
            self._sorted = (np.unique(values), np.unique(np.abs(values)))
        return self._sorted


def _numeric(values: list[object] | tuple[object, ...]) -> NDArray[np.float64] | None:
    """The finite numbers of a list of numbers (None: a gap), or None for any other list."""
    if isinstance(values[0], bool | str):
        return None
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array[np.isfinite(array)] if array.ndim == 1 else None


class _Pairs:
    """Differences, changes and ratios of every ordered pair of scalars, sorted for lookups."""

    def __init__(self, scalars: list[float]) -> None:
        values = np.unique(np.asarray(scalars, dtype=np.float64))
        a, b = values[:, None], values[None, :]
        self.differences = np.sort((a - b).ravel())
        positive = values[values > 0]
        pa, pb = positive[:, None], positive[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            changes = ((pa - pb) / pb * 100).ravel()
            ratios = (pa / pb * 100).ravel()
        fractions = values[np.abs(values) <= 1] * 100
        self.percents = np.sort(np.concatenate((changes, ratios, fractions)))

    def derives(self, value: float, tolerance: float, *, percent: bool, signed: bool) -> bool:
        tables = [self.differences, self.percents] if percent else [self.differences]
        targets = [value] if signed else [value, -value]
        for table in tables:
            for target in targets:
                index = int(np.searchsorted(table, target - tolerance, side="left"))
                if index < len(table) and table[index] <= target + tolerance:
                    return True
        return False
