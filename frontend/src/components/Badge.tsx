import type { ReactNode } from "react";

export type Tone = "neutral" | "info" | "warn" | "up" | "down";

export function Badge({ tone = "neutral", title, children }: { tone?: Tone; title?: string; children: ReactNode }) {
  return (
    <span className={`badge ${tone === "neutral" ? "" : tone}`} title={title}>
      {children}
    </span>
  );
}

const LABELS: Record<string, { text: string; tone: Tone; title: string }> = {
  simulated: { text: "⚠️ simulated", tone: "warn", title: "Demo market: simulated prices, not real data" },
  replay: { text: "⏪ replay", tone: "info", title: "Replayed historical candles, not live prices" },
  stale: { text: "⏱ stale", tone: "warn", title: "Some data is older than expected" },
};

/** A badge for a report's `data_labels` entry (simulated, replay, stale...). */
export function DataLabel({ label }: { label: string }) {
  const known = LABELS[label];
  return known ? (
    <Badge tone={known.tone} title={known.title}>
      {known.text}
    </Badge>
  ) : (
    <Badge tone="warn">{label}</Badge>
  );
}
