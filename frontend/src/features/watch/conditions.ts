/** The alert dialog's choices: each condition kind in words, with the unit its value takes. */
import type { ConditionKind } from "./api";

export interface KindInfo {
  label: string;
  unit: string;
  /** A sensible starting value given the price (or null to leave it empty). */
  suggest: (price: number | null) => number | null;
}

export const KINDS: Record<ConditionKind, KindInfo> = {
  price_above: { label: "Price above", unit: "USD", suggest: (p) => (p ? round(p * 1.05) : null) },
  price_below: { label: "Price below", unit: "USD", suggest: (p) => (p ? round(p * 0.95) : null) },
  level_cross: { label: "Crosses a level", unit: "USD", suggest: (p) => (p ? round(p) : null) },
  pct_move: { label: "Moves by a percentage", unit: "%", suggest: () => 5 },
  rsi_above: { label: "RSI above", unit: "RSI", suggest: () => 70 },
  rsi_below: { label: "RSI below", unit: "RSI", suggest: () => 30 },
  funding_above: { label: "Funding rate above", unit: "% per interval", suggest: () => 0.05 },
  funding_below: { label: "Funding rate below", unit: "% per interval", suggest: () => -0.02 },
  volume_spike: { label: "Volume spike", unit: "× average", suggest: () => 3 },
};

export const KIND_ORDER = Object.keys(KINDS) as ConditionKind[];

/** Four significant digits, as prices are typed by people (65,530 not 65,529.71). */
export function round(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 8)));
}

/** Why the typed value cannot be sent, or null: a number, and in the kind's range. */
export function valueProblem(kind: ConditionKind, text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return "Enter a number.";
  const value = Number(trimmed.replace(/,/g, ""));
  if (!Number.isFinite(value)) return "Enter a number (digits only).";
  if ((kind === "price_above" || kind === "price_below" || kind === "level_cross") && value <= 0)
    return "A price above 0.";
  if ((kind === "rsi_above" || kind === "rsi_below") && !(value > 0 && value < 100))
    return "An RSI between 0 and 100.";
  if (kind === "pct_move" && !(value > 0 && value <= 1000)) return "A percentage above 0.";
  if (kind === "volume_spike" && !(value > 1)) return "A multiple above 1 (e.g. 3).";
  return null;
}

export function parseValue(text: string): number {
  return Number(text.trim().replace(/,/g, ""));
}
