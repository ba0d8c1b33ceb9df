/** The spec a tab shows: the stored chart, or a live one built for another timeframe or set of
 * indicators (REST, no run). The previous spec stays on screen while the next one loads. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type LiveChartQuery } from "../../lib/api";
import type { ChartSpec } from "../../types/chart";
import { DEFAULT_INDICATORS, isTimeframe, type ChartTab, type ChartView } from "./tabs";

export function liveQuery(tab: ChartTab, view: ChartView): LiveChartQuery | null {
  if (tab.chartId !== null && view.timeframe === null && view.indicators === null) return null;
  return {
    symbol: tab.symbol,
    timeframe: view.timeframe ?? (isTimeframe(tab.interval) ? tab.interval : "4h"),
    indicators: view.indicators ?? DEFAULT_INDICATORS,
  };
}

export interface TabSpec {
  spec: ChartSpec | undefined;
  /** A newer spec is on its way (the one shown is the previous). */
  loading: boolean;
  error: Error | null;
  live: boolean;
}

export function useChartSpec(tab: ChartTab, view: ChartView): TabSpec {
  const live = liveQuery(tab, view);
  const stored = useQuery({
    queryKey: ["chart", tab.chartId],
    queryFn: () => api.chart(tab.chartId ?? ""),
    enabled: live === null && tab.chartId !== null,
    staleTime: Infinity,
  });
  const fresh = useQuery({
    queryKey: ["live-chart", live?.symbol, live?.timeframe, live?.indicators.join(",")],
    queryFn: () => api.liveChart(live ?? { symbol: tab.symbol, timeframe: "4h", indicators: [] }),
    enabled: live !== null,
    staleTime: 60_000,
    retry: false,
    placeholderData: keepPreviousData,
  });
  if (live === null) {
    return { spec: stored.data?.spec, loading: stored.isPending, error: stored.error, live: false };
  }
  return {
    spec: fresh.data?.spec ?? stored.data?.spec,
    loading: fresh.isFetching,
    error: fresh.error,
    live: true,
  };
}
