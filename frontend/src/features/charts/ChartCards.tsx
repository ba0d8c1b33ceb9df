/**
 * A run's charts inside its answer: on wide screens a button per chart that shows it in the
 * workspace; on narrow screens (no workspace) the chart itself, with its toolbar.
 */
import { ChartCandlestick, Eye } from "lucide-react";
import { useState } from "react";
import type { ChartGeneratedFrame } from "../../lib/protocol";
import { ChartPanel } from "./ChartPanel";
import { DEFAULT_VIEW, storedTab, tabNames, type ChartView } from "./tabs";

interface Props {
  charts: readonly ChartGeneratedFrame[];
  /** Draw the charts here (no workspace beside the conversation). */
  inline: boolean;
  activeKey: string | null;
  onOpen: (key: string) => void;
  theme: string;
}

export function ChartCards({ charts, inline, activeKey, onOpen, theme }: Props) {
  if (charts.length === 0) return null;
  const tabs = charts.map(storedTab);
  if (inline) {
    return (
      <div className="answer-charts inline">
        {tabs.map((tab) => (
          <InlineChart key={tab.key} tab={tab} theme={theme} />
        ))}
      </div>
    );
  }
  const names = tabNames(tabs, {});
  return (
    <div className="answer-charts" role="group" aria-label="Charts of this answer">
      {tabs.map((tab, i) => {
        const shown = tab.key === activeKey;
        return (
          <button
            key={tab.key}
            type="button"
            className={`chart-chip ${shown ? "shown" : ""}`}
            aria-pressed={shown}
            onClick={() => onOpen(tab.key)}
            title={shown ? `${tab.title}: shown in the chart workspace` : `Show ${tab.title} in the chart workspace`}
            data-testid="chart-chip"
          >
            <ChartCandlestick size={15} aria-hidden="true" />
            <span>{names[i]}</span>
            {shown && <Eye size={14} aria-label="shown" />}
          </button>
        );
      })}
    </div>
  );
}

function InlineChart({ tab, theme }: { tab: ReturnType<typeof storedTab>; theme: string }) {
  const [view, setView] = useState<ChartView>(DEFAULT_VIEW);
  return (
    <figure className="inline-chart" aria-label={tab.title}>
      <figcaption className="muted small">{tab.title}</figcaption>
      <ChartPanel tab={tab} view={view} onView={setView} theme={theme} hookKey={`inline-${tab.key}`} />
    </figure>
  );
}
