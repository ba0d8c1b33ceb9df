/**
 * The workspace's tabs: the charts a conversation's runs drew, and charts opened here (a coin
 * picked, a timeframe switched). Names are unique: coin, timeframe and the time it was made.
 */
import type { Indicator, Timeframe } from "../../lib/api";
import { formatClock } from "../../lib/format";
import type { ChartGeneratedFrame } from "../../lib/protocol";

export interface ChartTab {
  key: string;
  symbol: string;
  /** The timeframe it was made with. */
  interval: string;
  title: string;
  /** When it was made (ISO): the chart frame's time, or when it was opened here. */
  madeAt: string;
  /** The stored chart's id; null for a chart opened here. */
  chartId: string | null;
}

/** What a tab shows now: as stored, or rebuilt with another timeframe or indicators. */
export interface ChartView {
  timeframe: Timeframe | null;
  indicators: Indicator[] | null;
  levels: boolean;
  log: boolean;
}

export const DEFAULT_VIEW: ChartView = { timeframe: null, indicators: null, levels: true, log: false };
export const TIMEFRAMES: readonly Timeframe[] = ["1h", "4h", "1d", "1w"];
export const DEFAULT_INDICATORS: readonly Indicator[] = ["sma50", "sma200", "bollinger", "rsi14", "macd"];

export function storedTab(frame: ChartGeneratedFrame): ChartTab {
  return {
    key: frame.chart_id,
    symbol: frame.symbol,
    interval: frame.interval,
    title: frame.title,
    madeAt: frame.timestamp,
    chartId: frame.chart_id,
  };
}

export function isTimeframe(value: string): value is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(value) || value === "5m" || value === "15m";
}

/** "ETH 4h · 14:05", made unique with " (2)", " (3)"... in tab order. */
export function tabNames(tabs: readonly ChartTab[], views: Readonly<Record<string, ChartView>>): string[] {
  const seen = new Map<string, number>();
  return tabs.map((tab) => {
    const interval = views[tab.key]?.timeframe ?? tab.interval;
    const base = `${tab.symbol} ${interval} · ${formatClock(tab.madeAt)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}
