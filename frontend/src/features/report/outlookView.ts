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
    tile("invalidation", "Invalidation", o.invalidation, o.invalidation_note ?? null),
  ];
}

/** "→ 1,805.00 · R/R 2.1 · entry 1,640.00–1,650.00 · stop 1,580.00", the parts that are given. */
export function scenarioPath(s: Scenario, reference: number): string {
  const parts: string[] = [];
  if (s.target != null) parts.push(`target ${formatPrice(s.target, reference)}`);
  const [low, high] = s.entry_zone ?? [];
  if (typeof low === "number" && typeof high === "number") {
    parts.push(`entry ${formatPrice(low, reference)}–${formatPrice(high, reference)}`);
  }
  if (s.stop != null) parts.push(`stop ${formatPrice(s.stop, reference)}`);
  if (s.risk_reward != null) parts.push(`R/R ${s.risk_reward.toFixed(1)}`);
  return parts.join(" · ");
}

export function strengthText(strength: number): string {
  return `${Math.round(strength * 100)}%`;
}

/** The level an alert on this outlook watches: the bull scenario's trigger, else the nearest
 * resistance, else the nearest support (null when the outlook names none). */
export function alertLevel(o: Outlook): number | null {
  const bull = (o.scenarios ?? []).find((s) => s.kind === "bull");
  return bull?.trigger_price ?? o.resistance ?? o.support ?? null;
}
