/** The outlook's numbers as the card shows them: prices at one precision, distances signed. */
import { formatPercent, formatPrice } from "../../lib/format";
import type { Outlook, Scenario } from "../../lib/protocol";

export interface LevelTile {
  key: "support" | "resistance" | "invalidation";
  label: string;
  price: string | null;
  distance: string | null;
  note: string | null;
}

/** Whether `text` writes `value` (at the decimals it was written with: "65,393.63", "0.07285"). */
export function mentions(text: string, value: number): boolean {
  return numberTokens(text).some((token) => sameNumber(token, value));
}

/** `text` without the number `value` (a note beside a tile that shows that number already). */
export function withoutValue(text: string, value: number): string {
  const kept = numberTokens(text).reduce(
    (rest, token) => (sameNumber(token, value) ? rest.replace(token, "") : rest),
    text,
  );
  return kept.replace(/\s+([,.;:)])/g, "$1").replace(/\s{2,}/g, " ").trim();
}

function numberTokens(text: string): string[] {
  return text.match(/\d+(?:,\d{3})*(?:\.\d+)?/g) ?? [];
}

function sameNumber(token: string, value: number): boolean {
  const decimals = token.split(".")[1]?.length ?? 0;
  return Number(token.replace(/,/g, "")) === Number(Math.abs(value).toFixed(decimals));
}

function distance(price: number, from: number): string {
  return formatPercent(((price - from) / from) * 100, 1);
}

export function levelTiles(o: Outlook): LevelTile[] {
  const tile = (key: LevelTile["key"], label: string, value: number | null, note: string | null) => ({
    key,
    label,
    price: value === null ? null : formatPrice(value, o.price),
    distance: value === null ? null : distance(value, o.price),
    note,
  });
  return [
    tile("support", "Support", o.support, o.support === null ? (o.levels_note ?? "none found") : null),
    tile("resistance", "Resistance", o.resistance, o.resistance === null ? (o.levels_note ?? "none found") : null),
    tile("invalidation", "Invalidation", o.invalidation, invalidationNote(o)),
  ];
}

/** What invalidates the bias, without the price the tile shows above it. */
function invalidationNote(o: Outlook): string | null {
  const note = o.invalidation_note ?? null;
  if (note === null || o.invalidation === null) return note;
  return withoutValue(note, o.invalidation) || null;
}

/** "target 1,805.00 · entry 1,640.00–1,650.00 · stop 1,580.00 · R/R 2.1": the parts that are given
 * and that the trigger does not state already. */
export function scenarioPath(s: Scenario, reference: number): string {
  const parts: string[] = [];
  if (s.target != null && !mentions(s.trigger, s.target)) parts.push(`target ${formatPrice(s.target, reference)}`);
  const [low, high] = s.entry_zone ?? [];
  if (typeof low === "number" && typeof high === "number") {
    parts.push(`entry ${formatPrice(low, reference)}–${formatPrice(high, reference)}`);
  }
  if (s.stop != null) parts.push(`stop ${formatPrice(s.stop, reference)}`);
  if (s.risk_reward != null) parts.push(`R/R ${s.risk_reward.toFixed(1)}`);
  return parts.join(" · ");
}

/** How the signals lean, bearish first: [["bearish", 2], ["bullish", 1], ["neutral", 2]]. */
export function leanCounts(o: Outlook): [Outlook["bias"], number][] {
  const order: Outlook["bias"][] = ["bearish", "bullish", "neutral"];
  return order
    .map((lean): [Outlook["bias"], number] => [lean, o.signals.filter((s) => s.lean === lean).length])
    .filter(([, count]) => count > 0);
}

export function strengthText(strength: number): string {
  return `${Math.round(strength * 100)}%`;
}
