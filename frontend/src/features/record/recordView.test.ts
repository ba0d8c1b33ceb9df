import { describe, expect, it } from "vitest";
import type { CallOut, GroupStats } from "../../lib/api";
import { againstFlip, chartGeometry, chartSummary, rateText, smallSampleText, whenText } from "./recordView";

const hour = 3600_000;
const start = Date.UTC(2026, 4, 1);

function call(overrides: Partial<CallOut> = {}): CallOut {
  const candle = (k: number, o: number, c: number) => ({
    time: new Date(start + (k - 2) * 4 * hour).toISOString(),
    open: o,
    high: Math.max(o, c) + 1,
    low: Math.min(o, c) - 1,
    close: c,
  });
  return {
    id: "c",
    symbol: "BTC",
    coin_id: "bitcoin",
    timeframe: "4h",
    as_of: new Date(start).toISOString(),
    price: 100,
    bias: "bullish",
    strength: 0.5,
    support: 95,
    resistance: 105,
    invalidation: 95,
    targets: { bull: 110, bear: 90 },
    horizon: { bars: 2, ends_at: new Date(start + 8 * hour).toISOString() },
    engine: "offline",
    model: null,
    source: "replay:BTC_USDT_4h.csv",
    data_labels: ["replay"],
    run_id: "r",
    conversation_id: "v",
    backtest_id: null,
    created_at: new Date(start).toISOString(),
    status: "settled",
    pending_reason: null,
    checked_at: null,
    settlement: {
      settled_at: new Date(start).toISOString(),
      outcome: "hit",
      return_pct: 4,
      agreed: true,
      mfe_pct: 11,
      mae_pct: 1,
      first_touch: "target",
      touched_at: new Date(start + 4 * hour).toISOString(),
      exit_price: 104,
      candles: 2,
      missing: 0,
      source: "replay",
      band_pct: null,
      path: [candle(0, 98, 99), candle(1, 99, 100), candle(2, 100, 110), candle(3, 110, 104)],
    },
    ...overrides,
  };
}

function stats(overrides: Partial<GroupStats>): GroupStats {
  const rate = { value: null, n: 0 };
  const average = { value: null, n: 0 };
  return {
    engine: "all",
    timeframe: "all",
    calls: 0,
    settled: 0,
    pending: 0,
    void: 0,
    outcomes: {},
    hit_rate: rate,
    follow_return: average,
    return_by_bias: { bullish: average, bearish: average, neutral: average },
    mfe: average,
    mae: average,
    calibration: [],
    baselines: { always_bullish: rate, coin_flip: { expected: null, low: null, high: null, n: 0 }, buy_and_hold: average },
    small_sample: true,
    ...overrides,
  };
}

describe("the chart of what happened after a call", () => {
  it("puts the as-of between the last candle before it and the first after", () => {
    const g = chartGeometry(call(), 240, 84);
    expect(g).not.toBeNull();
    expect(g!.candles.map((c) => c.after)).toEqual([false, false, true, true]);
    expect(g!.asOfX).toBe(120);
  });

  it("scales prices so the levels fit: the target at the top, the invalidation at the bottom", () => {
    const g = chartGeometry(call(), 240, 84, 4)!;
    const line = (key: string) => g.lines.find((l) => l.key === key)!.y;
    expect(line("target")).toBeCloseTo(4 + ((111 - 110) / (111 - 95)) * 76);
    expect(line("invalidation")).toBeCloseTo(80);
    expect(line("price")).toBeGreaterThan(line("target"));
  });

  it("draws no target for a neutral call and nothing for an unsettled one", () => {
    expect(chartGeometry(call({ bias: "neutral" }), 240, 84)!.lines.map((l) => l.key)).toEqual(["price", "invalidation"]);
    expect(chartGeometry(call({ settlement: null, status: "pending" }), 240, 84)).toBeNull();
  });

  it("says in words what it shows", () => {
    expect(chartSummary(call())).toBe("BTC after the call: +4.00% over 2 4h candles, target touched first");
  });
});

describe("the summary's numbers", () => {
  it("date calls with their year, in UTC", () => {
    expect(whenText("2026-05-31T00:00:00Z")).toBe("2026-05-31 00:00 UTC");
    expect(whenText("2025-09-01T04:00:00+02:00")).toBe("2025-09-01 02:00 UTC");
  });

  it("show a rate only with a sample", () => {
    expect(rateText({ value: 0.5377, n: 1639 })).toBe("53.8%");
    expect(rateText({ value: null, n: 0 })).toBe("—");
  });

  it("compare the hit rate with a coin flip's range", () => {
    const flip = { expected: 0.5, low: 0.45, high: 0.55, n: 300 };
    const base = stats({}).baselines;
    const at = (value: number) => stats({ hit_rate: { value, n: 300 }, baselines: { ...base, coin_flip: flip } });
    expect(againstFlip(at(0.6))).toBe("above");
    expect(againstFlip(at(0.5))).toBe("inside");
    expect(againstFlip(at(0.4))).toBe("below");
    expect(againstFlip(stats({}))).toBeNull();
  });

  it("warn in plain words when the sample is small", () => {
    expect(smallSampleText(stats({ settled: 0 }), 30)).toBe("No call is settled yet: nothing to judge.");
    expect(smallSampleText(stats({ settled: 7 }), 30)).toBe(
      "Only 7 settled calls (fewer than 30): too few to tell skill from noise.",
    );
    expect(smallSampleText(stats({ settled: 40, small_sample: false }), 30)).toBeNull();
  });
});
