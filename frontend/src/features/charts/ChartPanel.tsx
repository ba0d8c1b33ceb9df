/**
 * One chart with its toolbar: timeframe (1h, 4h, 1d, 1w) and indicator toggles that fetch a fresh
 * chart of the same coin without a run, support/resistance labels on or off, log scale, PNG.
 */
import type { IChartApi } from "lightweight-charts";
import { Download, Image as ImageIcon, Layers, Maximize2, Minimize2, Spline } from "lucide-react";
import { useCallback, useRef, type ReactNode } from "react";
import { api } from "../../lib/api";
import { indicatorsOf, TOGGLES, toggled } from "./indicators";
import { PriceChart } from "./PriceChart";
import { TIMEFRAMES, type ChartTab, type ChartView } from "./tabs";
import { useChartSpec } from "./useChartSpec";

interface Props {
  tab: ChartTab;
  view: ChartView;
  onView: (view: ChartView) => void;
  theme: string;
  hookKey: string;
  /** Full screen on and off (the workspace only). */
  fullscreen?: { on: boolean; toggle: () => void };
  extra?: ReactNode;
}

export function ChartPanel({ tab, view, onView, theme, hookKey, fullscreen, extra }: Props) {
  const { spec, loading, error, live } = useChartSpec(tab, view);
  const chartApi = useRef<IChartApi | null>(null);
  const onChart = useCallback((chart: IChartApi | null) => {
    chartApi.current = chart;
  }, []);
  // The controls that rebuild a price chart, once the spec says it is one.
  const priceChart = spec?.kind === "price";
  const shownTimeframe = spec?.interval ?? view.timeframe ?? tab.interval;
  const shownIndicators = view.indicators ?? (spec ? indicatorsOf(spec) : []);

  const downloadPng = () => {
    const chart = chartApi.current;
    if (!chart) return;
    chart.takeScreenshot(true).toBlob((blob) => {
      if (!blob) return;
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `${tab.symbol}-${shownTimeframe}-${(tab.chartId ?? "live").slice(0, 8)}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }, "image/png");
  };

  return (
    <div className="chart-panel" data-testid="chart-panel" data-live={live}>
      <div className="chart-toolbar">
        {priceChart && (
          <div className="seg" role="group" aria-label="Timeframe">
            {TIMEFRAMES.map((tf) => (
              <button
                key={tf}
                type="button"
                className="seg-btn"
                aria-pressed={shownTimeframe === tf}
                onClick={() => onView({ ...view, timeframe: tf, indicators: shownIndicators })}
                data-testid={`timeframe-${tf}`}
              >
                {tf}
              </button>
            ))}
          </div>
        )}
        {priceChart && (
          <div className="seg wrap" role="group" aria-label="Indicators">
            {TOGGLES.map((t) => (
              <button
                key={t.id}
                type="button"
                className="seg-btn"
                title={t.title}
                aria-pressed={shownIndicators.includes(t.id)}
                onClick={() =>
                  onView({ ...view, timeframe: view.timeframe ?? (spec?.interval ?? null), indicators: toggled(shownIndicators, t.id) })
                }
                data-testid={`indicator-${t.id}`}
              >
                {t.label}
              </button>
            ))}
          </div>
        )}
        <span className="grow" />
        {priceChart && (
          <>
            <button
              type="button"
              className="btn icon small"
              aria-pressed={view.levels}
              aria-label="Support and resistance levels"
              title="Support and resistance levels"
              onClick={() => onView({ ...view, levels: !view.levels })}
              data-testid="toggle-levels"
            >
              <Layers size={15} aria-hidden="true" />
            </button>
            <button
              type="button"
              className="btn icon small"
              aria-pressed={view.log}
              aria-label="Logarithmic price scale"
              title="Logarithmic price scale"
              onClick={() => onView({ ...view, log: !view.log })}
              data-testid="toggle-log"
            >
              <Spline size={15} aria-hidden="true" />
            </button>
          </>
        )}
        <button type="button" className="btn icon small" onClick={downloadPng} disabled={!spec} aria-label="Download as PNG" title="Download as PNG" data-testid="chart-png">
          <Download size={15} aria-hidden="true" />
        </button>
        {tab.chartId && !live && (
          <a className="btn icon small" href={api.chartPngUrl(tab.chartId)} target="_blank" rel="noreferrer" aria-label="The server's rendering of this chart (PNG)" title="The server's rendering (PNG)">
            <ImageIcon size={15} aria-hidden="true" />
          </a>
        )}
        {fullscreen && (
          <button
            type="button"
            className="btn icon small"
            aria-pressed={fullscreen.on}
            aria-label={fullscreen.on ? "Leave full screen" : "Full screen"}
            title={fullscreen.on ? "Leave full screen (Esc)" : "Full screen"}
            onClick={fullscreen.toggle}
            data-testid="chart-fullscreen"
          >
            {fullscreen.on ? <Minimize2 size={15} aria-hidden="true" /> : <Maximize2 size={15} aria-hidden="true" />}
          </button>
        )}
        {extra}
      </div>
      {error ? (
        <p className="empty down" role="alert">
          Could not load the chart: {error.message}
        </p>
      ) : null}
      {loading && spec && (
        <span className="chart-loading" role="status">
          Loading {tab.symbol} {view.timeframe ?? tab.interval}…
        </span>
      )}
      {spec ? (
        <PriceChart
          spec={spec}
          theme={theme}
          levels={view.levels}
          log={view.log}
          live={live}
          hookKey={hookKey}
          onChart={onChart}
        />
      ) : (
        !error && <p className="empty">Loading {tab.title}…</p>
      )}
    </div>
  );
}
