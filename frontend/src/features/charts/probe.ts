/**
 * What the browser tests read of a drawn chart, through the chart library's own API: the price
 * pane's height and axis range, the data visible, the candles' spacing, the axis labels.
 */
import { PriceScaleMode, type IChartApi, type ISeriesApi, type SeriesType } from "lightweight-charts";
import type { ChartSpec } from "../../types/chart";
import type { PriceLabels } from "./labels";

interface Point {
  time: number;
  value?: number;
  high?: number;
  low?: number;
}

export function chartProbe(
  chart: IChartApi,
  main: ISeriesApi<SeriesType>,
  spec: ChartSpec,
  levelLabels: PriceLabels | null,
) {
  return {
    kind: spec.kind,
    interval: spec.interval,
    symbol: spec.symbol,
    paneHeights: () => chart.panes().map((pane) => pane.getHeight()),
    /** The prices at the bottom and the top of the price pane: the axis as drawn, its margins
     * included (the price scale's own visible range leaves them out). */
    priceRange: () => {
      const height = chart.panes()[0]?.getHeight() ?? 0;
      return { from: main.coordinateToPrice(height), to: main.coordinateToPrice(0) };
    },
    /** Lowest and highest value of the price pane's series over the visible time range. */
    visibleData: () => {
      const range = chart.timeScale().getVisibleRange();
      if (!range) return null;
      const [from, to] = [Number(range.from), Number(range.to)];
      let low = Infinity;
      let high = -Infinity;
      for (const series of chart.panes()[0]?.getSeries() ?? []) {
        if (series.options().priceScaleId === "volume") continue;
        for (const point of series.data() as readonly Point[]) {
          if (point.time < from || point.time > to) continue;
          low = Math.min(low, point.low ?? point.value ?? Infinity);
          high = Math.max(high, point.high ?? point.value ?? -Infinity);
        }
      }
      return { low, high };
    },
    /** The first value of each line of the price pane (a comparison's lines start at 0 %). */
    lineStarts: () =>
      (chart.panes()[0]?.getSeries() ?? [])
        .filter((series) => series.seriesType() === "Line")
        .map((series) => (series.data()[0] as Point | undefined)?.value ?? null),
    levelLinesVisible: () => main.priceLines().map((line) => line.options().lineVisible),
    times: () => (main.data() as readonly Point[]).map((point) => point.time),
    /** Whether each price line of the main series puts a label on the price axis. */
    axisLabels: () => main.priceLines().map((line) => line.options().axisLabelVisible),
    lastValueVisible: () => main.options().lastValueVisible,
    logScale: () => chart.priceScale("right", 0).options().mode === PriceScaleMode.Logarithmic,
    /** The main series' first and last points as drawn: the left edge of the first, the right
     * edge of the last, in pixels from the plot's left; and the plot's width. */
    dataEdges: () => {
      const points = main.data();
      const timeScale = chart.timeScale();
      const half = timeScale.options().barSpacing / 2;
      const x = (point: (typeof points)[number] | undefined) =>
        point === undefined ? null : timeScale.timeToCoordinate(point.time);
      const first = x(points[0]);
      const last = x(points.at(-1));
      return {
        left: first === null ? null : first - half,
        right: last === null ? null : last + half,
        plotWidth: timeScale.width(),
      };
    },
    levels: () => spec.levels.map((level) => level.price),
    /** The support/resistance labels as last drawn in the price pane. */
    levelLabelBoxes: () => levelLabels?.boxes() ?? [],
    precision: () => {
      const format = main.options().priceFormat;
      return format.type === "price" ? format.precision : null;
    },
  };
}
