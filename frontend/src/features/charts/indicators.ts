/** The indicator toggles of the chart workspace, and which indicators a drawn chart shows. */
import type { Indicator } from "../../lib/api";
import type { ChartSpec } from "../../types/chart";

export interface Toggle {
  id: Indicator;
  label: string;
  title: string;
}

export const TOGGLES: readonly Toggle[] = [
  { id: "sma50", label: "SMA50", title: "Simple moving average, 50 candles" },
  { id: "sma200", label: "SMA200", title: "Simple moving average, 200 candles" },
  { id: "ema20", label: "EMA20", title: "Exponential moving average, 20 candles" },
  { id: "bollinger", label: "BB", title: "Bollinger bands (20, 2)" },
  { id: "rsi14", label: "RSI", title: "Relative strength index (14), own pane" },
  { id: "macd", label: "MACD", title: "MACD (12, 26, 9), own pane" },
  { id: "stoch", label: "Stoch", title: "Stochastic oscillator, own pane" },
  { id: "atr14", label: "ATR", title: "Average true range (14), own pane" },
];

const OVERLAYS: Record<string, Indicator> = {
  SMA20: "sma20",
  SMA50: "sma50",
  SMA200: "sma200",
  EMA12: "ema12",
  EMA20: "ema20",
  EMA26: "ema26",
  EMA50: "ema50",
  "BB upper": "bollinger",
  "BB middle": "bollinger",
  "BB lower": "bollinger",
  VWAP: "vwap",
};

const PANES: Record<string, Indicator> = {
  RSI14: "rsi14",
  MACD: "macd",
  Stochastic: "stoch",
  ADX14: "adx",
  ATR14: "atr14",
  OBV: "obv",
};

/** The indicators a chart spec draws, in a stable order (overlays, then panes). */
export function indicatorsOf(spec: ChartSpec): Indicator[] {
  const found = [
    ...spec.overlays.map((line) => OVERLAYS[line.name]),
    ...spec.panes.map((pane) => PANES[pane.name]),
  ];
  return [...new Set(found.filter((id): id is Indicator => id !== undefined))];
}

export function toggled(current: readonly Indicator[], id: Indicator): Indicator[] {
  return current.includes(id) ? current.filter((x) => x !== id) : [...current, id];
}
