/** Colours, precision and legend values for drawing a chart spec. */
import { decimalsFor, formatPercent, formatPrice, formatValue, priceDecimals } from "../../lib/format";
import type { ChartLine, ChartSpec } from "../../types/chart";

export interface Palette {
  background: string;
  text: string;
  muted: string;
  grid: string;
  border: string;
  up: string;
  down: string;
  lines: readonly string[];
}

/** The chart colours of the current theme (CSS custom properties on <html>). */
export function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    background: v("--panel"),
    text: v("--text"),
    muted: v("--muted"),
    grid: v("--grid"),
    border: v("--border"),
    up: v("--up"),
    down: v("--down"),
    lines: [1, 2, 3, 4, 5, 6, 7].map((i) => v(`--line-${i}`)),
  };
}

export function lineColor(palette: Palette, line: ChartLine, i: number): string {
  if (line.name.startsWith("BB")) return palette.muted;
  return palette.lines[i % palette.lines.length] ?? palette.text;
}

/** `#rrggbb` plus an alpha; other colour syntaxes are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m?.[1]) return color;
  const n = Number.parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** The price that sets a price chart's precision: its last close. */
export function priceReference(spec: ChartSpec): number {
  return spec.candles.at(-1)?.close ?? spec.overlays[0]?.values.at(-1)?.value ?? 1;
}

/** Largest absolute value of some lines: sets their shared precision. */
export function valueReference(lines: readonly ChartLine[]): number {
  let max = 0;
  for (const line of lines) for (const p of line.values) max = Math.max(max, Math.abs(p.value));
  return max;
}

export function priceFormatFor(reference: number) {
  const precision = priceDecimals(reference);
  return { type: "price" as const, precision, minMove: 10 ** -precision };
}

export function valueFormatFor(reference: number) {
  const precision = decimalsFor(reference, 3, 0);
  return { type: "price" as const, precision, minMove: 10 ** -precision };
}

export const percentFormat = {
  type: "custom" as const,
  formatter: (value: number) => formatPercent(value, Math.abs(value) < 10 ? 2 : 1),
  minMove: 0.01,
};

export interface LegendEntry {
  name: string;
  color: string;
  text: string;
}

/** Values by time of each line, for the legend under the crosshair. */
export class LineIndex {
  private readonly byTime = new Map<number, number>();

  constructor(readonly line: ChartLine) {
    for (const p of line.values) this.byTime.set(p.time, p.value);
  }

  at(time: number): number | undefined {
    return this.byTime.get(time);
  }

  last(): number | undefined {
    return this.line.values.at(-1)?.value;
  }
}

export function formatFor(kind: "price" | "value" | "percent", reference: number): (v: number) => string {
  if (kind === "percent") return (v) => formatPercent(v);
  if (kind === "price") return (v) => formatPrice(v, reference);
  return (v) => formatValue(v, reference);
}
