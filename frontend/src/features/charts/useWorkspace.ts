/**
 * The chart workspace's state: its tabs (the conversation's charts, then charts opened here),
 * the tab shown, and each tab's view (timeframe, indicators, levels, log scale). A new chart from
 * a run is shown as it arrives; a tab picked by hand stays until the next one arrives.
 */
import { useCallback, useMemo, useState } from "react";
import type { Timeframe } from "../../lib/api";
import type { ChartGeneratedFrame } from "../../lib/protocol";
import { DEFAULT_VIEW, storedTab, type ChartTab, type ChartView } from "./tabs";

export interface Workspace {
  tabs: ChartTab[];
  active: ChartTab | null;
  views: Record<string, ChartView>;
  open: (key: string) => void;
  /** Shows a coin's chart: the conversation's chart of it when there is one, else a live one. */
  openSymbol: (symbol: string, timeframe: Timeframe) => void;
  setView: (key: string, view: ChartView) => void;
  /** Forgets the charts opened here (another conversation was opened). */
  clear: () => void;
}

interface Picked {
  key: string;
  /** The newest run chart when it was picked: a newer one takes over. */
  latest: string | null;
}

export function useWorkspace(charts: readonly ChartGeneratedFrame[]): Workspace {
  const [opened, setOpened] = useState<ChartTab[]>([]);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [views, setViews] = useState<Record<string, ChartView>>({});
  const tabs = useMemo(() => [...charts.map(storedTab), ...opened], [charts, opened]);
  const latest = charts.at(-1)?.chart_id ?? null;
  const pickedKey = picked && picked.latest === latest ? picked.key : null;
  const active = tabs.find((t) => t.key === pickedKey) ?? tabs.find((t) => t.key === latest) ?? tabs.at(-1) ?? null;

  const open = useCallback((key: string) => setPicked({ key, latest }), [latest]);

  const openSymbol = useCallback(
    (symbol: string, timeframe: Timeframe) => {
      const same = [...tabs].reverse().find((t) => t.symbol === symbol && t.interval === timeframe);
      if (same) {
        setPicked({ key: same.key, latest });
        return;
      }
      const tab: ChartTab = {
        key: `live-${symbol}-${timeframe}-${Date.now()}`,
        symbol,
        interval: timeframe,
        title: `${symbol} ${timeframe}`,
        madeAt: new Date().toISOString(),
        chartId: null,
      };
      setOpened((list) => [...list, tab]);
      setViews((v) => ({ ...v, [tab.key]: { ...DEFAULT_VIEW, timeframe } }));
      setPicked({ key: tab.key, latest });
    },
    [tabs, latest],
  );

  const setView = useCallback((key: string, view: ChartView) => setViews((v) => ({ ...v, [key]: view })), []);
  const clear = useCallback(() => {
    setOpened([]);
    setPicked(null);
  }, []);

  return { tabs, active, views, open, openSymbol, setView, clear };
}
