/** One chart spec drawn with lightweight-charts: candles, volume, overlays, panes, levels, markers. */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";
import { formatCompact, formatNumber, formatPercent, formatPrice, signOf } from "../../lib/format";
import type { ChartLine, ChartSpec } from "../../types/chart";

const PALETTE = ["#f5b942", "#3ea6ff", "#c678dd", "#56b6c2", "#e06c75", "#98c379", "#d19a66"];

export interface ChartTheme {
  background: string;
  text: string;
  grid: string;
  border: string;
  up: string;
  down: string;
}

export function readTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    background: v("--panel"),
    text: v("--muted"),
    grid: v("--border"),
    border: v("--border"),
    up: v("--up"),
    down: v("--down"),
  };
}

interface Legend {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  values: { name: string; color: string; value: number }[];
  markers: string[];
}

interface Props {
  spec: ChartSpec;
  theme: string;
  onChart?: (chart: IChartApi | null) => void;
}

export function PriceChart({ spec, theme, onChart }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [legend, setLegend] = useState<Legend | null>(null);
  const lastLegend = useMemo(() => legendAt(spec, spec.candles.length - 1), [spec]);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const colors = readTheme();
    const chart = createChart(el, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: colors.background },
        textColor: colors.text,
        fontSize: 11,
        panes: { separatorColor: colors.border, separatorHoverColor: colors.grid, enableResize: true },
        attributionLogo: true,
      },
      grid: {
        vertLines: { color: withAlpha(colors.grid, 0.5) },
        horzLines: { color: withAlpha(colors.grid, 0.5) },
      },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: colors.border },
      timeScale: { borderColor: colors.border, timeVisible: true, secondsVisible: false },
    });

    const candles = chart.addSeries(CandlestickSeries, {
      upColor: colors.up,
      downColor: colors.down,
      wickUpColor: colors.up,
      wickDownColor: colors.down,
      borderVisible: false,
      priceFormat: priceFormat(spec),
    });
    candles.setData(
      spec.candles.map((c) => ({ time: c.time as UTCTimestamp, open: c.open, high: c.high, low: c.low, close: c.close })),
    );

    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "volume" },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    volume.setData(
      spec.candles.map((c) => ({
        time: c.time as UTCTimestamp,
        value: c.volume,
        color: withAlpha(c.close >= c.open ? colors.up : colors.down, 0.35),
      })),
    );

    spec.overlays.forEach((line, i) => addLine(chart, line, lineColor(line, i), 0));

    spec.panes.forEach((pane, p) => {
      const paneIndex = p + 1;
      let first: ISeriesApi<"Line" | "Histogram"> | null = null;
      pane.series.forEach((line, i) => {
        const series = addLine(chart, line, lineColor(line, i + 2), paneIndex);
        first ??= series;
      });
      const anchor = first as ISeriesApi<"Line" | "Histogram"> | null;
      for (const guide of pane.guides) {
        anchor?.createPriceLine({
          price: guide,
          color: colors.text,
          lineWidth: 1,
          lineStyle: LineStyle.Dotted,
          axisLabelVisible: false,
          title: "",
        });
      }
    });
    const panes = chart.panes();
    panes[0]?.setStretchFactor(3);
    for (const pane of panes.slice(1)) pane.setStretchFactor(1);

    for (const level of spec.levels) {
      const support = level.kind === "support";
      candles.createPriceLine({
        price: level.price,
        color: support ? colors.up : colors.down,
        lineWidth: 1,
        lineStyle: LineStyle.Dashed,
        axisLabelVisible: true,
        title: `${support ? "S" : "R"} ×${level.touches}`,
      });
    }

    const markers: SeriesMarker<Time>[] = spec.markers.map((m) => ({
      time: m.time as UTCTimestamp,
      position: m.position === "above" ? "aboveBar" : "belowBar",
      shape: m.shape === "arrow_up" ? "arrowUp" : m.shape === "arrow_down" ? "arrowDown" : "circle",
      color: m.shape === "arrow_up" ? colors.up : m.shape === "arrow_down" ? colors.down : colors.text,
      size: 0.8,
    }));
    createSeriesMarkers(candles, markers);

    const index = new Map(spec.candles.map((c, i) => [c.time, i]));
    const onMove = (param: MouseEventParams<Time>) => {
      const i = typeof param.time === "number" ? index.get(param.time) : undefined;
      setLegend(i === undefined ? null : legendAt(spec, i));
    };
    chart.subscribeCrosshairMove(onMove);
    chart.timeScale().fitContent();
    onChart?.(chart);
    return () => {
      onChart?.(null);
      chart.unsubscribeCrosshairMove(onMove);
      chart.remove();
    };
  }, [spec, theme, onChart]);

  const shown = legend ?? lastLegend;
  return (
    <div className="chart-wrap">
      <LegendBar spec={spec} legend={shown} />
      <div className="chart-canvas" ref={container} data-testid="chart-canvas" />
      {spec.levels.length > 0 && (
        <div className="levels" aria-label="Support and resistance levels">
          {[...spec.levels]
            .sort((a, b) => b.price - a.price)
            .map((level) => (
              <span
                key={`${level.kind}-${level.price}`}
                className={`badge ${level.kind === "support" ? "up" : "down"}`}
                data-testid="level"
                title={level.label}
              >
                {level.kind === "support" ? "S" : "R"} {formatPrice(level.price)} ×{level.touches}
              </span>
            ))}
        </div>
      )}
    </div>
  );
}

function LegendBar({ spec, legend }: { spec: ChartSpec; legend: Legend | null }) {
  if (!legend) return <div className="legend muted">No candles</div>;
  const change = legend.open ? ((legend.close - legend.open) / legend.open) * 100 : 0;
  return (
    <div className="legend" data-testid="chart-legend">
      <strong>
        {spec.symbol} · {spec.interval}
      </strong>
      <span className="muted">{new Date(legend.time * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC</span>
      <span>
        <span className="k">O</span> {formatPrice(legend.open)}
      </span>
      <span>
        <span className="k">H</span> {formatPrice(legend.high)}
      </span>
      <span>
        <span className="k">L</span> {formatPrice(legend.low)}
      </span>
      <span>
        <span className="k">C</span> {formatPrice(legend.close)}
      </span>
      <span className={signOf(change)}>{formatPercent(change)}</span>
      <span>
        <span className="k">Vol</span> {formatCompact(legend.volume)}
      </span>
      {legend.values.map((v) => (
        <span key={v.name}>
          <span className="swatch" style={{ background: v.color }} />
          <span className="k">{v.name}</span> {formatIndicator(v.value)}
        </span>
      ))}
      {legend.markers.map((text) => (
        <span key={text} className="badge info">
          {text}
        </span>
      ))}
    </div>
  );
}

function formatIndicator(value: number): string {
  return Math.abs(value) >= 1000 ? formatNumber(value, 2) : formatNumber(value, Math.abs(value) >= 1 ? 2 : 4);
}

function legendAt(spec: ChartSpec, i: number): Legend | null {
  const candle = spec.candles[i];
  if (!candle) return null;
  const values: Legend["values"] = [];
  const lines = [
    ...spec.overlays.map((line, k) => ({ line, color: lineColor(line, k) })),
    ...spec.panes.flatMap((pane) => pane.series.map((line, k) => ({ line, color: lineColor(line, k + 2) }))),
  ];
  for (const { line, color } of lines) {
    const point = line.values.find((p) => p.time === candle.time);
    if (point) values.push({ name: line.name, color, value: point.value });
  }
  return {
    ...candle,
    values,
    markers: spec.markers.filter((m) => m.time === candle.time).map((m) => m.text),
  };
}

function addLine(chart: IChartApi, line: ChartLine, color: string, paneIndex: number): ISeriesApi<"Line" | "Histogram"> {
  const data = line.values.map((p) => ({ time: p.time as UTCTimestamp, value: p.value }));
  if (line.style === "histogram") {
    const series = chart.addSeries(
      HistogramSeries,
      { color: withAlpha(color, 0.6), priceLineVisible: false, lastValueVisible: false, title: line.name },
      paneIndex,
    );
    series.setData(
      data.map((d) => ({ ...d, color: withAlpha(d.value >= 0 ? readTheme().up : readTheme().down, 0.55) })),
    );
    return series;
  }
  const series = chart.addSeries(
    LineSeries,
    {
      color,
      lineWidth: 1,
      priceLineVisible: false,
      lastValueVisible: paneIndex > 0,
      crosshairMarkerVisible: false,
      title: paneIndex > 0 ? line.name : "",
    },
    paneIndex,
  );
  series.setData(data);
  return series;
}

function lineColor(line: ChartLine, i: number): string {
  if (line.name.startsWith("BB")) return "#6c7a96";
  return PALETTE[i % PALETTE.length] ?? "#3ea6ff";
}

function priceFormat(spec: ChartSpec) {
  const last = spec.candles.at(-1)?.close ?? 1;
  const precision = last >= 1000 ? 2 : last >= 1 ? 4 : 8;
  return { type: "price" as const, precision, minMove: 10 ** -precision };
}

/** `#rrggbb` plus an alpha; other colour syntaxes are returned as they are. */
function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m?.[1]) return color;
  const n = Number.parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
