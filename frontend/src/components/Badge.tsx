import { Clock, CloudOff, FlaskConical, Rewind, type LucideIcon } from "lucide-react";
import type { ReactNode } from "react";

export type Tone = "neutral" | "info" | "warn" | "up" | "down";

interface BadgeProps {
  tone?: Tone;
  title?: string;
  icon?: LucideIcon;
  testId?: string;
  className?: string;
  children: ReactNode;
}

export function Badge({ tone = "neutral", title, icon: Icon, testId, className, children }: BadgeProps) {
  return (
    <span
      className={["badge", tone === "neutral" ? "" : tone, className ?? ""].join(" ").trim()}
      title={title}
      data-testid={testId}
    >
      {Icon && <Icon size={13} aria-hidden="true" />}
      {children}
    </span>
  );
}

const LABELS: Record<string, { text: string; tone: Tone; title: string; icon: LucideIcon }> = {
  simulated: {
    text: "simulated",
    tone: "warn",
    title: "Demo market: simulated prices, not real data",
    icon: FlaskConical,
  },
  replay: {
    text: "replay",
    tone: "info",
    title: "Replayed historical candles, not live prices",
    icon: Rewind,
  },
  stale: { text: "stale", tone: "warn", title: "Some data is older than expected", icon: Clock },
  fallback: {
    text: "fallback",
    tone: "warn",
    title: "The live source was unreachable: the built-in demo market answered instead",
    icon: CloudOff,
  },
};

/** A badge for a report's `data_labels` entry (simulated, replay, stale, fallback...). */
export function DataLabel({ label }: { label: string }) {
  const known = LABELS[label];
  return known ? (
    <Badge tone={known.tone} title={known.title} icon={known.icon}>
      {known.text}
    </Badge>
  ) : (
    <Badge tone="warn">{label}</Badge>
  );
}
