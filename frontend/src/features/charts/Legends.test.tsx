import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { ChartLine, ChartSpec } from "../../types/chart";
import type { Palette } from "./drawing";
import { Legends, legendModel } from "./Legends";

const PALETTE: Palette = {
  background: "#000000",
  text: "#ffffff",
  muted: "#888888",
  grid: "#111111",
  border: "#222222",
  up: "#00ff00",
  down: "#ff0000",
  lines: ["#ff8800", "#0088ff"],
};

const line = (name: string, value: number): ChartLine => ({ name, style: "line", values: [{ time: 100, value }] });

const SPEC: ChartSpec = {
  kind: "price",
  symbol: "BTC",
  interval: "4h",
  title: "Bitcoin (BTC) 4h",
  source: "replay:BTC_USDT_4h.csv",
  as_of: "2026-06-22T20:00:00Z",
  simulated: false,
  candles: [{ time: 100, open: 64000, high: 65000, low: 63000, close: 64471.99, volume: 1000 }],
  overlays: [line("SMA50", 64547.91), line("BB upper", 64943.47), line("BB middle", 63984.06), line("BB lower", 63024.65)],
  panes: [],
  levels: [],
  markers: [],
};

function shown(compact: boolean, time: number | null): string {
  const html = renderToStaticMarkup(
    <Legends model={legendModel(SPEC, PALETTE)} spec={SPEC} time={time} tops={[0]} live={false} compact={compact} />,
  );
  return html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}

describe("the price pane's legend", () => {
  it("gives every overlay's latest value on a wide plot", () => {
    const text = shown(false, null);
    expect(text).toContain("SMA50 64,547.91");
    expect(text).toContain("BB lower 63,024.65");
  });

  it("names the overlays at rest on a narrow plot, the Bollinger bands once", () => {
    const text = shown(true, null);
    expect(text).toContain("C 64,471.99");
    expect(text).toMatch(/SMA50 BB $/);
    expect(text).not.toContain("64,547.91");
  });

  it("gives the values at the crosshair on a narrow plot", () => {
    const text = shown(true, 100);
    expect(text).toContain("SMA50 64,547.91");
    expect(text).toContain("BB middle 63,984.06");
  });
});
