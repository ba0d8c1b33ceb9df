/** Readable numbers: thousands separators, signed percentages, compact sizes. */

const LOCALE = "en-US";

export function formatNumber(value: number, maxDigits?: number): string {
  const digits = maxDigits ?? (Math.abs(value) >= 1000 ? 2 : Math.abs(value) >= 1 ? 4 : 6);
  return value.toLocaleString(LOCALE, { maximumFractionDigits: digits });
}

export function formatPrice(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 2 : abs >= 1 ? 4 : 8;
  return value.toLocaleString(LOCALE, { minimumFractionDigits: Math.min(2, digits), maximumFractionDigits: digits });
}

export function formatPercent(value: number, digits = 2): string {
  const sign = value > 0 ? "+" : "";
  return `${sign}${value.toLocaleString(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits })}%`;
}

export type Sign = "up" | "down" | "flat";

export function signOf(value: number): Sign {
  return value > 0 ? "up" : value < 0 ? "down" : "flat";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms.toLocaleString(LOCALE)} ms`;
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(s < 10 ? 2 : 1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
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

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(LOCALE, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Splits text into plain parts and signed percentages, so the UI can colour the latter. */
export function splitPercentages(text: string): { text: string; sign: Sign | null }[] {
  const parts: { text: string; sign: Sign | null }[] = [];
  const re = /([+\-−]\d[\d,]*(?:\.\d+)?%)/g;
  let last = 0;
  for (const match of text.matchAll(re)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ text: text.slice(last, index), sign: null });
    const token = match[0];
    parts.push({ text: token, sign: token.startsWith("+") ? "up" : "down" });
    last = index + token.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), sign: null });
  return parts;
}
