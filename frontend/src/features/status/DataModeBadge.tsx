/** Where market data comes from: live, replayed files, the demo market, or the demo market as a
 * fallback for an unreachable live source. Apart from the connection indicator on purpose. */
import { CloudOff, FlaskConical, Radio, Rewind, type LucideIcon } from "lucide-react";
import { Badge, type Tone } from "../../components/Badge";
import type { Readiness } from "../../lib/api";

interface Mode {
  key: "live" | "replay" | "demo" | "fallback" | "unknown";
  text: string;
  short: string;
  tone: Tone;
  icon: LucideIcon;
}

export function dataMode(ready: Readiness | undefined): Mode {
  const mode = ready?.market_data_mode;
  if (mode === "replay") return { key: "replay", text: "Replay data", short: "Replay", tone: "info", icon: Rewind };
  if (mode === "demo") return { key: "demo", text: "Demo data (simulated)", short: "Demo", tone: "warn", icon: FlaskConical };
  if (mode === "live" || mode === "auto") {
    return ready?.simulated_data
      ? { key: "fallback", text: "Fallback: demo data", short: "Fallback", tone: "warn", icon: CloudOff }
      : { key: "live", text: "Live data", short: "Live", tone: "up", icon: Radio };
  }
  return { key: "unknown", text: "Data source…", short: "Data…", tone: "neutral", icon: Radio };
}

export function DataModeBadge({ ready }: { ready: Readiness | undefined }) {
  const mode = dataMode(ready);
  const detail = ready?.market_data.detail ?? "market data mode not known yet";
  return (
    <span data-testid="data-mode" data-mode={mode.key}>
      <Badge tone={mode.tone} icon={mode.icon} title={`Market data: ${detail}`} className="data-mode">
        <span className="long">{mode.text}</span>
        <span className="short">{mode.short}</span>
      </Badge>
    </span>
  );
}
