import { describe, expect, it } from "vitest";
import type { ChartSpec } from "../../types/chart";
import { indicatorsOf, toggled } from "./indicators";
import { tabNames, type ChartTab } from "./tabs";

const tab = (key: string, symbol: string, interval: string, madeAt: string): ChartTab => ({
  key,
  symbol,
  interval,
  title: `${symbol} ${interval}`,
  madeAt,
  chartId: key,
});

describe("chart tabs", () => {
  it("are named by coin, timeframe and time, and never twice the same", () => {
    const at = new Date(2026, 0, 1, 14, 5).toISOString();
    const later = new Date(2026, 0, 1, 15, 30).toISOString();
    const tabs = [tab("a", "ETH", "4h", at), tab("b", "ETH", "4h", at), tab("c", "ETH", "4h", later), tab("d", "BTC", "4h", at)];
    expect(tabNames(tabs, {})).toEqual(["ETH 4h · 14:05", "ETH 4h · 14:05 (2)", "ETH 4h · 15:30", "BTC 4h · 14:05"]);
  });

  it("follow the timeframe a tab was switched to", () => {
    const at = new Date(2026, 0, 1, 9, 0).toISOString();
    const names = tabNames([tab("a", "SOL", "4h", at)], {
      a: { timeframe: "1d", indicators: null, levels: true, log: false },
    });
    expect(names).toEqual(["SOL 1d · 09:00"]);
  });
});

describe("indicators of a chart", () => {
  const spec = (overlays: string[], panes: string[]): ChartSpec =>
    ({
      overlays: overlays.map((name) => ({ name, values: [], style: "line" })),
      panes: panes.map((name) => ({ name, series: [], guides: [] })),
    }) as unknown as ChartSpec;

  it("are read back from the lines and panes it draws", () => {
    expect(indicatorsOf(spec(["SMA50", "BB upper", "BB middle", "BB lower"], ["RSI14", "MACD"]))).toEqual([
      "sma50",
      "bollinger",
      "rsi14",
      "macd",
    ]);
    expect(indicatorsOf(spec(["BTC", "ETH"], []))).toEqual([]);
  });

  it("toggle on and off", () => {
    expect(toggled(["rsi14"], "macd")).toEqual(["rsi14", "macd"]);
    expect(toggled(["rsi14", "macd"], "rsi14")).toEqual(["macd"]);
  });
});
