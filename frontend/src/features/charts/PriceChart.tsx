/**
 * One chart spec drawn with lightweight-charts. Price charts: candles with volume, overlays, one
 * pane per oscillator, support and resistance lines labelled inside the plot (never on the price
 * axis, which keeps the last price), pattern markers. Comparison charts: one line per coin of the
 * percent change since the window's start. Precision follows the price's magnitude on the axis,
 * the crosshair labels and the legends. A legend sits at the top of each pane.
 */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  PriceScaleMode,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type MouseEventParams,
  type SeriesType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useMemo, useRef, useState } from "react";
import { formatPrice } from "../../lib/format";
import { exposeForTests } from "../../lib/testHooks";
import type { ChartLine, ChartSpec } from "../../types/chart";
import {
  lineColor,
  percentFormat,
  priceFormatFor,
  priceReference,
  readPalette,
  valueFormatFor,
  valueReference,
  withAlpha,
  type Palette,
} from "./drawing";
import { Legends, legendModel } from "./Legends";
import { NARROW_PLOT, PriceLabels, type Covered } from "./labels";
import { chartProbe } from "./probe";

/** Pixels per candle at first (older candles are a scroll away); fewer candles than fit are
 * spread wider, up to MAX_SPACING. Right of the last candle the plot keeps the labels' room empty
 * (plus CLEARANCE): level and guide labels sit there, clear of the candles and of the axis. */
const BAR_SPACING = 6;
const MAX_SPACING = 16;
const CLEARANCE = 6;
/** Bars left empty right of a comparison's lines (no labels in its plot). */
const COMPARISON_RIGHT_BARS = 2;
/** Price scale margins (shares of the pane). Each pane's top keeps its legend clear of the data,
 * up to a cap: the price pane gives at most a quarter (a phone's legend wraps onto several rows,
 * and an axis stretched far beyond the candles reads worse than a legend over their highs). The
 * volume bars sit translucent behind the lowest candles. */
const PANE_BOTTOM = 0.08;
const PANE_TOP = 0.06;
const PRICE_TOP_MAX = 0.25;
const PANE_TOP_MAX = 0.45;

interface Props {
  spec: ChartSpec;
  theme: string;
  levels: boolean;
  log: boolean;
  /** Built now through REST rather than stored by a run. */
  live?: boolean;
  /** Names this chart for the browser tests (`data-chart-key`, `window.__cryptodesk.charts`). */
  hookKey: string;
  onChart?: (chart: IChartApi | null) => void;
}

interface PaneLabels {
  pane: number;
  set: PriceLabels;
}

interface Drawn {
  chart: IChartApi;
  main: ISeriesApi<SeriesType>;
  levelLines: IPriceLine[];
  levelLabels: PriceLabels | null;
  /** Every set of labels drawn in a plot, by pane: the levels' (0) and each pane's guides. */
  labels: PaneLabels[];
}

export function PriceChart({ spec, theme, levels, log, live = false, hookKey, onChart }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const drawn = useRef<Drawn | null>(null);
  const [hoverTime, setHoverTime] = useState<number | null>(null);
  const [paneTops, setPaneTops] = useState<number[]>([]);
  const [narrow, setNarrow] = useState(false);
  // The palette follows the theme (the toggle sets it on <html> before rendering).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const palette = useMemo(() => readPalette(), [theme]);
  const legends = useMemo(() => legendModel(spec, palette), [spec, palette]);
  const empty = spec.kind === "price" ? spec.candles.length === 0 : spec.overlays.length === 0;

  useEffect(() => {
    const el = canvas.current;
    const outer = wrap.current;
    if (!el || !outer || empty) return;
    const current = draw(el, spec, palette);
    drawn.current = current;
    const { chart } = current;

    const onMove = (param: MouseEventParams<Time>) =>
      setHoverTime(typeof param.time === "number" ? param.time : null);
    chart.subscribeCrosshairMove(onMove);
    // Each pane's legend sits on its top: the pane's price scale keeps that band free of data.
    // The opening view needs the plot's width: placed at the first measure that has one
    // (`data-placed` tells the browser tests it is).
    delete el.dataset.placed;
    const measure = () => {
      if (el.dataset.placed !== "true" && chart.timeScale().width() > 0) {
        openView(chart, spec, current.labels);
        el.dataset.placed = "true";
      }
      setNarrow(chart.timeScale().width() < NARROW_PLOT);
      const top = outer.getBoundingClientRect().top;
      const panes = chart.panes();
      setPaneTops(panes.map((pane) => (pane.getHTMLElement()?.getBoundingClientRect().top ?? top) - top));
      const legends = outer.querySelectorAll<HTMLElement>(".pane-legend");
      const { left } = outer.getBoundingClientRect();
      for (const { pane, set } of current.labels) {
        const paneTop = panes[pane]?.getHTMLElement()?.getBoundingClientRect().top;
        set.avoid(paneTop === undefined ? null : legendBox(legends[pane], left, paneTop));
      }
      panes.forEach((pane, i) => {
        const height = pane.getHeight();
        const legend = legends[i]?.offsetHeight ?? 0;
        if (height <= 0) return;
        const cap = i === 0 ? PRICE_TOP_MAX : PANE_TOP_MAX;
        const top = Math.min(cap, Math.max(PANE_TOP, (legend + 8) / height));
        chart.priceScale("right", i).applyOptions({ scaleMargins: { top, bottom: PANE_BOTTOM } });
      });
    };
    // The legends change size too: a narrow plot's legend is compact once `narrow` is known.
    const observer = new ResizeObserver(() => requestAnimationFrame(measure));
    observer.observe(outer);
    outer.querySelectorAll(".pane-legend").forEach((legend) => observer.observe(legend));
    requestAnimationFrame(measure);
    const hide = exposeForTests(`chart:${hookKey}`, chartProbe(chart, current.main, spec, current.levelLabels));
    onChart?.(chart);
    return () => {
      onChart?.(null);
      hide();
      observer.disconnect();
      chart.unsubscribeCrosshairMove(onMove);
      drawn.current = null;
      chart.remove();
    };
  }, [spec, palette, hookKey, onChart, empty]);

  // Toggles apply to the chart drawn, without drawing it again.
  useEffect(() => {
    const current = drawn.current;
    if (!current) return;
    for (const line of current.levelLines) line.applyOptions({ lineVisible: levels });
    current.levelLabels?.setVisible(levels);
    current.chart.priceScale("right", 0).applyOptions({
      mode: log && spec.kind === "price" ? PriceScaleMode.Logarithmic : PriceScaleMode.Normal,
    });
  }, [levels, log, spec, palette]);

  if (empty) {
    return <p className="empty">This chart has no data to draw.</p>;
  }
  return (
    <div className="chart-wrap" ref={wrap}>
      <div
        className="chart-canvas"
        ref={canvas}
        data-testid="chart-canvas"
        data-chart-key={hookKey}
        data-interval={spec.interval}
        data-kind={spec.kind}
      />
      <Legends model={legends} spec={spec} time={hoverTime} tops={paneTops} live={live} compact={narrow} />
    </div>
  );
}

function draw(el: HTMLElement, spec: ChartSpec, palette: Palette): Drawn {
  const intraday = !["1d", "1w"].includes(spec.interval);
  const chart = createChart(el, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: palette.background },
      textColor: palette.muted,
      fontSize: 12,
      panes: { separatorColor: palette.border, separatorHoverColor: palette.grid, enableResize: true },
      attributionLogo: true,
    },
    grid: { vertLines: { color: palette.grid }, horzLines: { color: palette.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: palette.border, entireTextOnly: true },
    timeScale: { borderColor: palette.border, timeVisible: intraday, secondsVisible: false },
  });
  const drawnMain = spec.kind === "comparison" ? drawComparison(chart, spec, palette) : drawPrice(chart, spec, palette);
  const labels: PaneLabels[] = drawnMain.levelLabels ? [{ pane: 0, set: drawnMain.levelLabels }] : [];
  spec.panes.forEach((pane, p) => {
    const index = p + 1;
    const reference = valueReference(pane.series);
    const format = pane.name === "OBV" ? { type: "volume" as const } : valueFormatFor(reference);
    let anchor: ISeriesApi<SeriesType> | null = null;
    pane.series.forEach((line, i) => {
      const series = addLine(chart, line, lineColor(palette, line, i + 2), index, palette, format);
      anchor ??= series;
    });
    const first = anchor as ISeriesApi<SeriesType> | null;
    for (const guide of pane.guides) {
      first?.createPriceLine({
        price: guide,
        color: withAlpha(palette.muted, 0.9),
        lineWidth: 1,
        lineStyle: LineStyle.Dotted,
        axisLabelVisible: false,
        title: "",
      });
    }
    if (first && pane.guides.length > 0) {
      const text = (g: number) => g.toLocaleString("en-US");
      const guides = new PriceLabels(
        pane.guides.map((g) => ({ price: g, text: text(g), color: palette.muted })),
        palette.background,
      );
      first.attachPrimitive(guides);
      labels.push({ pane: index, set: guides });
    }
    chart.priceScale("right", index).applyOptions({ scaleMargins: { top: PANE_TOP, bottom: PANE_BOTTOM } });
  });
  const panes = chart.panes();
  // The price pane gets the room: three times an indicator pane.
  panes[0]?.setStretchFactor(panes.length > 1 ? 3 : 1);
  for (const pane of panes.slice(1)) pane.setStretchFactor(1);

  return { chart, ...drawnMain, labels };
}

/** What a pane's legend covers of the pane, from the pane's top left corner (`left`, `top` in
 * the page): its rows may end well before the legend's box does. */
function legendBox(legend: HTMLElement | undefined, left: number, top: number): Covered | null {
  if (!legend) return null;
  const parts = [...legend.children].map((child) => child.getBoundingClientRect());
  if (parts.length === 0) return null;
  return {
    right: Math.max(...parts.map((part) => part.right)) - left,
    bottom: legend.getBoundingClientRect().bottom - top,
  };
}

/**
 * Where a chart opens. A price chart: on its newest candles, the labels' room empty right of the
 * last one. A comparison: on its whole window, where its lines start at 0 %. Set once the plot has
 * its width: the library clamps a right offset to the width it has when the offset is set.
 */
function openView(chart: IChartApi, spec: ChartSpec, labels: readonly PaneLabels[]): void {
  const timeScale = chart.timeScale();
  if (spec.kind === "comparison") {
    timeScale.applyOptions({ rightOffset: COMPARISON_RIGHT_BARS });
    timeScale.fitContent();
    return;
  }
  const width = timeScale.width();
  const room = Math.max(0, ...labels.map(({ set }) => set.room(width))) + CLEARANCE;
  const fill = (width - room) / Math.max(1, spec.candles.length);
  const spacing = Math.min(MAX_SPACING, Math.max(BAR_SPACING, fill));
  timeScale.applyOptions({ barSpacing: spacing, rightOffset: room / spacing });
}

function drawPrice(chart: IChartApi, spec: ChartSpec, palette: Palette): Omit<Drawn, "chart" | "labels"> {
  const reference = priceReference(spec);
  const format = priceFormatFor(reference);
  const main = chart.addSeries(CandlestickSeries, {
    upColor: palette.up,
    downColor: palette.down,
    wickUpColor: palette.up,
    wickDownColor: palette.down,
    borderVisible: false,
    priceFormat: format,
  });
  main.setData(
    spec.candles.map((c) => ({ time: c.time as UTCTimestamp, open: c.open, high: c.high, low: c.low, close: c.close })),
  );
  main.priceScale().applyOptions({ scaleMargins: { top: PANE_TOP, bottom: PANE_BOTTOM } });

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
      color: withAlpha(c.close >= c.open ? palette.up : palette.down, 0.3),
    })),
  );
  spec.overlays.forEach((line, i) => addLine(chart, line, lineColor(palette, line, i), 0, palette, format));

  // Level lines stay off the price axis (it keeps the last price); their labels are drawn in
  // the plot area by PriceLabels.
  const levelLines = spec.levels.map((level) =>
    main.createPriceLine({
      price: level.price,
      color: withAlpha(level.kind === "support" ? palette.up : palette.down, 0.8),
      lineWidth: 1,
      lineStyle: LineStyle.Dashed,
      axisLabelVisible: false,
      title: "",
    }),
  );
  const levelLabels = new PriceLabels(
    spec.levels.map((level) => ({
      price: level.price,
      text: `${level.kind === "support" ? "S" : "R"} ${formatPrice(level.price, reference)}${level.touches > 1 ? ` ×${level.touches}` : ""}`,
      short: formatPrice(level.price, reference),
      color: level.kind === "support" ? palette.up : palette.down,
    })),
    palette.background,
  );
  main.attachPrimitive(levelLabels);

  createSeriesMarkers(
    main,
    spec.markers.map((m) => ({
      time: m.time as UTCTimestamp,
      position: m.position === "above" ? ("aboveBar" as const) : ("belowBar" as const),
      shape: m.shape === "arrow_up" ? ("arrowUp" as const) : m.shape === "arrow_down" ? ("arrowDown" as const) : ("circle" as const),
      color: m.shape === "arrow_up" ? palette.up : m.shape === "arrow_down" ? palette.down : palette.muted,
      size: 0.6,
    })),
  );
  return { main, levelLines, levelLabels };
}

function drawComparison(chart: IChartApi, spec: ChartSpec, palette: Palette): Omit<Drawn, "chart" | "labels"> {
  let main: ISeriesApi<SeriesType> | null = null;
  spec.overlays.forEach((line, i) => {
    const series = chart.addSeries(LineSeries, {
      color: lineColor(palette, line, i),
      lineWidth: 2,
      priceFormat: percentFormat,
      priceLineVisible: false,
      lastValueVisible: true,
      crosshairMarkerVisible: true,
    });
    series.setData(line.values.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    main ??= series;
  });
  const first = main as ISeriesApi<SeriesType> | null;
  if (!first) throw new Error("a comparison chart needs at least one line");
  first.createPriceLine({
    price: 0,
    color: palette.muted,
    lineWidth: 1,
    lineStyle: LineStyle.Dotted,
    axisLabelVisible: false,
    title: "start",
  });
  first.priceScale().applyOptions({ scaleMargins: { top: PANE_TOP, bottom: PANE_BOTTOM } });
  return { main: first, levelLines: [], levelLabels: null };
}

function addLine(
  chart: IChartApi,
  line: ChartLine,
  color: string,
  paneIndex: number,
  palette: Palette,
  priceFormat: ReturnType<typeof valueFormatFor> | { type: "volume" },
): ISeriesApi<SeriesType> {
  const data = line.values.map((p) => ({ time: p.time as UTCTimestamp, value: p.value }));
  if (line.style === "histogram") {
    const series = chart.addSeries(
      HistogramSeries,
      { color: withAlpha(color, 0.6), priceLineVisible: false, lastValueVisible: false, priceFormat },
      paneIndex,
    );
    series.setData(data.map((d) => ({ ...d, color: withAlpha(d.value >= 0 ? palette.up : palette.down, 0.55) })));
    return series;
  }
  const series = chart.addSeries(
    LineSeries,
    {
      color,
      lineWidth: 1,
      priceLineVisible: false,
      // Indicator panes show their last values on their own axis; overlays stay off the price axis.
      lastValueVisible: paneIndex > 0,
      crosshairMarkerVisible: false,
      priceFormat,
    },
    paneIndex,
  );
  series.setData(data);
  return series;
}
