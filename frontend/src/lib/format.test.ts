import { describe, expect, it } from "vitest";
import {
  decimalsFor,
  formatDuration,
  formatPercent,
  formatPrice,
  formatUtc,
  formatValue,
  priceDecimals,
  splitPercentages,
} from "./format";

describe("price precision follows the magnitude", () => {
  it.each([
    [65_530.12, "65,530.12"],
    [1_642.3149, "1,642.31"],
    [23.4567, "23.457"],
    [1.23456, "1.2346"],
    [0.184123, "0.18412"],
    [0.0941234, "0.094123"],
    [0.0000123456, "0.000012346"],
  ])("%s → %s", (value, text) => {
    expect(formatPrice(value)).toBe(text);
  });

  it("uses one precision for a series: the reference's", () => {
    expect(formatPrice(0.2, 0.18412)).toBe("0.20000");
    expect(formatPrice(1_467, 2_323)).toBe("1,467.00");
    expect(priceDecimals(0.184)).toBe(5);
    expect(priceDecimals(65_000)).toBe(2);
  });

  it("keeps indicator values meaningful for low-priced coins", () => {
    expect(formatValue(-0.000512, 0.000512)).toBe("-0.000512");
    expect(formatValue(45.234, 80)).toBe("45.2");
    expect(formatValue(0.07412, 0.07412)).toBe("0.0741");
    expect(decimalsFor(0, 3)).toBe(2);
    expect(decimalsFor(Number.NaN, 3)).toBe(2);
  });
});

describe("other formats", () => {
  it("signs percentages with a real minus", () => {
    expect(formatPercent(3.14159)).toBe("+3.14%");
    expect(formatPercent(-30)).toBe("−30.00%");
    expect(formatPercent(0)).toBe("0.00%");
  });

  it("says durations briefly", () => {
    expect(formatDuration(812)).toBe("812 ms");
    expect(formatDuration(1_250)).toBe("1.3 s");
    expect(formatDuration(75_000)).toBe("1 min 15 s");
  });

  it("gives market times in UTC", () => {
    expect(formatUtc("2026-06-01T12:00:00Z")).toBe("Jun 1, 12:00 UTC");
  });

  it("finds signed percentages in text", () => {
    expect(splitPercentages("up +2.5% then −1,200.5% flat")).toEqual([
      { text: "up ", sign: null },
      { text: "+2.5%", sign: "up" },
      { text: " then ", sign: null },
      { text: "−1,200.5%", sign: "down" },
      { text: " flat", sign: null },
    ]);
  });
});
