/** The track record's words and numbers: outcomes, rates with their sample sizes, chart geometry. */
import type { Tone } from "../../components/Badge";
import type { CallOut, GroupStats, Outcome } from "../../lib/api";
import { formatPercent } from "../../lib/format";

export const OUTCOMES: Record<Outcome, { text: string; tone: Tone; title: string }> = {
  hit: { text: "Target hit", tone: "up", title: "The target was touched before the invalidation level" },
  invalidated: { text: "Invalidated", tone: "down", title: "The invalidation level was touched first" },
  expired_in_favour: {
    text: "In favour",
    tone: "up",
    title: "Neither level was touched; the horizon ended in the call's favour",
  },
  miss: { text: "Miss", tone: "down", title: "Neither level was touched; the horizon ended against the call" },
  neutral_correct: { text: "Neutral, right", tone: "up", title: "A neutral call: the price stayed inside the band" },
  neutral_wrong: { text: "Neutral, wrong", tone: "down", title: "A neutral call: the price left the band" },
};

export const OUTCOME_ORDER = Object.keys(OUTCOMES) as Outcome[];

/** "2026-05-31 00:00 UTC": a track record spans years, so the year is always shown. */
export function whenText(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = date.toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`;
}

export function dayText(iso: string): string {
  return whenText(iso).slice(0, 10);
}

export interface Rate {
  value?: number | null;
  n: number;
}

/** "53.8%" or "—" without a sample. */
export function rateText(rate: Rate): string {
  return rate.value == null ? "—" : `${(rate.value * 100).toFixed(1)}%`;
}

export function avgText(value: number | null | undefined): string {
  return value == null ? "—" : formatPercent(value, 2);
}

/** A magnitude in percent (excursions): no sign. */
export function sizeText(value: number | null | undefined): string {
  return value == null ? "—" : `${value.toFixed(2)}%`;
}

/** The coin flip's expected hit rate and its 95 % range, as two texts. */
export function flipText(stats: GroupStats): { expected: string; range: string | null } {
  const flip = stats.baselines.coin_flip;
  if (flip.expected == null || flip.low == null || flip.high == null) return { expected: "—", range: null };
  return {
    expected: `${(flip.expected * 100).toFixed(1)}%`,
    range: `${(flip.low * 100).toFixed(1)}–${(flip.high * 100).toFixed(1)}%`,
  };
}

/** Whether the desk's hit rate lies outside a coin flip's 95 % range, and on which side. */
export function againstFlip(stats: GroupStats): "above" | "below" | "inside" | null {
  const flip = stats.baselines.coin_flip;
  const value = stats.hit_rate.value;
  if (value == null || flip.low == null || flip.high == null) return null;
  return value > flip.high ? "above" : value < flip.low ? "below" : "inside";
}

export function smallSampleText(stats: GroupStats, threshold: number): string | null {
  if (!stats.small_sample) return null;
  return stats.settled === 0
    ? "No call is settled yet: nothing to judge."
    : `Only ${stats.settled} settled call${stats.settled === 1 ? "" : "s"} (fewer than ${threshold}): too few to tell skill from noise.`;
}

export interface ChartGeometry {
  width: number;
  height: number;
  candles: { x: number; open: number; close: number; high: number; low: number; up: boolean; after: boolean }[];
  bodyWidth: number;
  /** The x of the as-of (between the last candle before it and the first after). */
  asOfX: number | null;
  y: (price: number) => number;
  lines: { key: "price" | "target" | "invalidation"; y: number; price: number }[];
}

/** Where a call's path and levels sit in a small chart of `width` × `height`. */
export function chartGeometry(call: CallOut, width: number, height: number, pad = 4): ChartGeometry | null {
  const path = call.settlement?.path ?? [];
  if (path.length === 0) return null;
  const asOf = Date.parse(call.as_of);
  const target = call.bias === "bullish" ? call.targets.bull : call.bias === "bearish" ? call.targets.bear : null;
  const levels: { key: "price" | "target" | "invalidation"; price: number }[] = [{ key: "price", price: call.price }];
  if (target != null) levels.push({ key: "target", price: target });
  if (call.invalidation != null) levels.push({ key: "invalidation", price: call.invalidation });
  const prices = [...path.flatMap((c) => [c.high, c.low]), ...levels.map((l) => l.price)];
  const top = Math.max(...prices);
  const bottom = Math.min(...prices);
  const span = top - bottom || top * 0.01 || 1;
  const y = (price: number) => pad + ((top - price) / span) * (height - 2 * pad);
  const step = width / path.length;
  const candles = path.map((c, i) => ({
    x: step * i + step / 2,
    open: y(c.open),
    close: y(c.close),
    high: y(c.high),
    low: y(c.low),
    up: c.close >= c.open,
    after: Date.parse(c.time) >= asOf,
  }));
  const first = candles.findIndex((c) => c.after);
  return {
    width,
    height,
    candles,
    bodyWidth: Math.max(1, step * 0.6),
    asOfX: first > 0 ? step * first : first === 0 ? 0 : null,
    y,
    lines: levels.map((l) => ({ ...l, y: y(l.price) })),
  };
}

/** What the chart shows, in words (its accessible name). */
export function chartSummary(call: CallOut): string {
  const s = call.settlement;
  if (!s) return `${call.symbol}: not settled yet`;
  const touched = s.first_touch ? `, ${s.first_touch} touched first` : ", no level touched";
  return `${call.symbol} after the call: ${formatPercent(s.return_pct, 2)} over ${s.candles} ${call.timeframe} candles${touched}`;
}
