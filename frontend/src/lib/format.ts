/**
 * Readable numbers. Prices keep a precision that follows their magnitude (BTC 65,530.12, DOGE
 * 0.18412, a micro-cap 0.000012345), everywhere: answers, legends, levels and chart axes.
 */

const LOCALE = "en-US";

/** Significant digits shown for a price. */
const PRICE_DIGITS = 5;
/** Significant digits shown for an indicator value (RSI 45.2, MACD −0.000512). */
const VALUE_DIGITS = 3;
const MAX_DECIMALS = 12;

function magnitude(value: number): number {
  return Math.floor(Math.log10(Math.abs(value)));
}

/** Decimals that show `digits` significant digits of `reference`, within [min, 12]. */
export function decimalsFor(reference: number, digits: number, min = 0): number {
  if (!Number.isFinite(reference) || reference === 0) return Math.max(min, 2);
  return Math.min(MAX_DECIMALS, Math.max(min, digits - 1 - magnitude(reference)));
}

/** Decimals of a price: at least 2, five significant digits for prices under 1,000. */
export function priceDecimals(reference: number): number {
  return decimalsFor(reference, PRICE_DIGITS, 2);
}

/** A price; `reference` fixes the decimals for a series of related prices (a chart's scale). */
export function formatPrice(value: number, reference: number = value): string {
  const digits = priceDecimals(reference);
  return value.toLocaleString(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** An indicator value with three significant digits of `reference` (its series' largest value). */
export function formatValue(value: number, reference: number = value): string {
  const digits = decimalsFor(reference, VALUE_DIGITS, 0);
  return value.toLocaleString(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatNumber(value: number, maxDigits?: number): string {
  const digits = maxDigits ?? (Math.abs(value) >= 1000 ? 2 : Math.abs(value) >= 1 ? 4 : 6);
  return value.toLocaleString(LOCALE, { maximumFractionDigits: digits });
}

export function formatPercent(value: number, digits = 2): string {
  const sign = value > 0 ? "+" : value < 0 ? "−" : "";
  const text = Math.abs(value).toLocaleString(LOCALE, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${sign}${text}%`;
}

export type Sign = "up" | "down" | "flat";

export function signOf(value: number): Sign {
  return value > 0 ? "up" : value < 0 ? "down" : "flat";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms).toLocaleString(LOCALE)} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function formatCompact(value: number): string {
  return value.toLocaleString(LOCALE, { notation: "compact", maximumFractionDigits: 2 });
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Hours and minutes of an ISO time, in the browser's time zone (chart tab names). */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit", hour12: false });
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(LOCALE, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** A market timestamp, always in UTC (candle times are UTC). */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = date.toLocaleString(LOCALE, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
    timeZone: "UTC",
  });
  return `${text} UTC`;
}

/** Splits text into plain parts and signed percentages, so the UI can colour the latter. */
export function splitPercentages(text: string): { text: string; sign: Sign | null }[] {
  const parts: { text: string; sign: Sign | null }[] = [];
  const re = /([+\-−]\d[\d,]*(?:\.\d+)?%)/g;
  let last = 0;
  for (const match of text.matchAll(re)) {
    const index = match.index;
    if (index > last) parts.push({ text: text.slice(last, index), sign: null });
    const token = match[0];
    parts.push({ text: token, sign: token.startsWith("+") ? "up" : "down" });
    last = index + token.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), sign: null });
  return parts;
}
