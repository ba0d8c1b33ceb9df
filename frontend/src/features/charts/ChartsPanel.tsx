import { useQuery } from "@tanstack/react-query";
import type { IChartApi } from "lightweight-charts";
import { useCallback, useEffect, useRef, useState } from "react";
import { Badge } from "../../components/Badge";
import { api } from "../../lib/api";
import type { ChartGeneratedFrame } from "../../lib/protocol";
import { PriceChart } from "./PriceChart";

interface Props {
  charts: ChartGeneratedFrame[];
  theme: string;
}

export function ChartsPanel({ charts, theme }: Props) {
  const [selected, setSelected] = useState<string | null>(null);
  const latest = charts.at(-1)?.chart_id ?? null;
  // A new chart is shown as it arrives.
  useEffect(() => setSelected(latest), [latest]);
  const current = charts.find((c) => c.chart_id === selected) ?? charts.at(-1) ?? null;
  const chartApi = useRef<IChartApi | null>(null);
  const onChart = useCallback((chart: IChartApi | null) => {
    chartApi.current = chart;
  }, []);

  const query = useQuery({
    queryKey: ["chart", current?.chart_id],
    queryFn: () => api.chart(current?.chart_id ?? ""),
    enabled: current !== null,
    staleTime: Infinity,
  });

  const downloadPng = () => {
    const chart = chartApi.current;
    if (!chart || !current) return;
    chart.takeScreenshot(true).toBlob((blob) => {
      if (!blob) return;
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = `${current.symbol}-${current.interval}-${current.chart_id.slice(0, 8)}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }, "image/png");
  };

  const onTabKey = (event: React.KeyboardEvent, index: number) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = charts[(index + step + charts.length) % charts.length];
    if (next) {
      setSelected(next.chart_id);
      document.getElementById(`chart-tab-${next.chart_id}`)?.focus();
    }
  };

  const spec = query.data?.spec;
  return (
    <section className="panel charts-panel" aria-labelledby="charts-title" data-testid="charts-panel">
      <header>
        <h2 id="charts-title">Charts</h2>
        {spec?.simulated && <Badge tone="warn">⚠️ simulated</Badge>}
        {spec && spec.source.startsWith("replay") && <Badge tone="info">⏪ replay</Badge>}
        <span className="grow" />
        {current && (
          <>
            <button type="button" className="btn small" onClick={downloadPng} disabled={!spec} data-testid="chart-png">
              ⬇ PNG
            </button>
            <a className="btn small" href={api.chartPngUrl(current.chart_id)} target="_blank" rel="noreferrer" title="The server's rendering of this chart">
              Server PNG
            </a>
          </>
        )}
      </header>
      {charts.length > 1 && (
        <div className="tabs" role="tablist" aria-label="Charts">
          {charts.map((chart, i) => (
            <button
              key={chart.chart_id}
              id={`chart-tab-${chart.chart_id}`}
              type="button"
              role="tab"
              className="tab"
              aria-selected={chart.chart_id === current?.chart_id}
              tabIndex={chart.chart_id === current?.chart_id ? 0 : -1}
              onClick={() => setSelected(chart.chart_id)}
              onKeyDown={(event) => onTabKey(event, i)}
            >
              {chart.title}
            </button>
          ))}
        </div>
      )}
      {!current ? (
        <p className="empty">Charts the team draws appear here: candles, indicators, levels and patterns.</p>
      ) : query.isError ? (
        <p className="empty down" role="alert">
          Could not load the chart: {query.error.message}
        </p>
      ) : !spec ? (
        <p className="empty">Loading {current.title}…</p>
      ) : (
        <div role="tabpanel" aria-label={current.title} style={{ flex: 1, display: "flex", minHeight: 0 }}>
          <PriceChart spec={spec} theme={theme} onChart={onChart} />
        </div>
      )}
    </section>
  );
}
