/**
 * The chart workspace beside the conversation (wide screens): a tab per chart, a large chart with
 * its toolbar, full screen; with no chart yet, coins to open a chart of right away.
 */
import { ChartCandlestick } from "lucide-react";
import { useEffect, useState, type KeyboardEvent } from "react";
import type { Workspace } from "./useWorkspace";
import { ChartPanel } from "./ChartPanel";
import { DEFAULT_VIEW, tabNames } from "./tabs";

const QUICK = ["BTC", "ETH", "SOL"] as const;

interface Props {
  workspace: Workspace;
  theme: string;
}

export function ChartWorkspace({ workspace, theme }: Props) {
  const { tabs, active, views } = workspace;
  const [fullscreen, setFullscreen] = useState(false);
  const names = tabNames(tabs, views);

  useEffect(() => {
    if (!fullscreen) return;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") setFullscreen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [fullscreen]);

  const onTabKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = tabs[(index + step + tabs.length) % tabs.length];
    if (next) {
      workspace.open(next.key);
      document.getElementById(`chart-tab-${next.key}`)?.focus();
    }
  };

  return (
    <section className={`workspace ${fullscreen ? "fullscreen" : ""}`} aria-label="Chart workspace" data-testid="charts-panel">
      {tabs.length > 0 && (
        <div className="tabs" role="tablist" aria-label="Charts">
          {tabs.map((tab, i) => (
            <button
              key={tab.key}
              id={`chart-tab-${tab.key}`}
              type="button"
              role="tab"
              className="tab"
              aria-selected={tab.key === active?.key}
              aria-controls="chart-tabpanel"
              tabIndex={tab.key === active?.key ? 0 : -1}
              title={tab.title}
              onClick={() => workspace.open(tab.key)}
              onKeyDown={(event) => onTabKey(event, i)}
            >
              {names[i]}
            </button>
          ))}
        </div>
      )}
      {active ? (
        <div role="tabpanel" id="chart-tabpanel" aria-labelledby={`chart-tab-${active.key}`} className="workspace-body">
          <ChartPanel
            key={active.key}
            tab={active}
            view={views[active.key] ?? DEFAULT_VIEW}
            onView={(view) => workspace.setView(active.key, view)}
            theme={theme}
            hookKey="workspace"
            fullscreen={{ on: fullscreen, toggle: () => setFullscreen((v) => !v) }}
          />
        </div>
      ) : (
        <div className="workspace-empty" data-testid="workspace-empty">
          <ChartCandlestick size={36} aria-hidden="true" className="muted" />
          <p>
            <strong>No chart yet.</strong> Charts from answers open here, large, with timeframes and indicators.
          </p>
          <p className="muted">Or open one now:</p>
          <div className="quick">
            {QUICK.map((symbol) => (
              <button key={symbol} type="button" className="btn" onClick={() => workspace.openSymbol(symbol, "4h")} data-testid={`quick-${symbol}`}>
                {symbol} 4h
              </button>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}
