/**
 * Labels of horizontal levels drawn inside the plot area, right-aligned into the room kept empty
 * right of the last candle (`room()`): support/resistance prices, oscillator guides (RSI 30/70).
 * The price axis keeps only the last price. Labels that would overlap are stacked apart. A narrow
 * plot (a phone's) writes the short text (the price alone), so that room stays a small share.
 * A label that would fall under the pane's legend is left out (its line stays): a far level
 * above the candles, where the legend's rows reach the labels' column.
 */
import type {
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesApi,
  ISeriesPrimitive,
  SeriesAttachedParameter,
  SeriesType,
  Time,
} from "lightweight-charts";

export interface PriceLabel {
  price: number;
  text: string;
  /** What a narrow plot writes instead ("65,393.63" for "R 65,393.63 ×2"). */
  short?: string;
  color: string;
}

/** The part of the pane the legend covers, in pixels from the pane's top left corner. */
export interface Covered {
  right: number;
  bottom: number;
}

/** A label's box as last drawn, in pixels of its pane (read by the browser tests). */
export interface LabelBox {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

type Target = Parameters<IPrimitivePaneRenderer["draw"]>[0];

const FONT = "11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const HEIGHT = 16;
const GAP = 2;
const PAD = 5;
const MARGIN = 4;
/** Plots narrower than this write the labels' short text. */
export const NARROW_PLOT = 480;

function textOf(label: PriceLabel, plotWidth: number): string {
  return plotWidth < NARROW_PLOT ? (label.short ?? label.text) : label.text;
}

let measuring: CanvasRenderingContext2D | null = null;

function textWidth(text: string): number {
  measuring ??= document.createElement("canvas").getContext("2d");
  if (!measuring) return text.length * 7;
  measuring.font = FONT;
  return measuring.measureText(text).width;
}

export class PriceLabels implements ISeriesPrimitive<Time> {
  private series: ISeriesApi<SeriesType> | null = null;
  private requestUpdate: (() => void) | null = null;
  private shown = true;
  private drawn: LabelBox[] = [];
  private covered: Covered | null = null;
  private readonly views: readonly IPrimitivePaneView[];

  constructor(
    private readonly labels: readonly PriceLabel[],
    private readonly background: string,
  ) {
    const renderer: IPrimitivePaneRenderer = { draw: (target) => this.draw(target) };
    this.views = [{ zOrder: () => "top", renderer: () => (this.shown ? renderer : null) }];
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.series = param.series;
    this.requestUpdate = param.requestUpdate;
  }

  detached(): void {
    this.series = null;
    this.requestUpdate = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  /** The room the labels take from the right edge of a plot `plotWidth` wide, in pixels. */
  room(plotWidth: number): number {
    const widest = Math.max(0, ...this.labels.map((label) => textWidth(textOf(label, plotWidth))));
    return widest > 0 ? widest + PAD * 2 + MARGIN : 0;
  }

  boxes(): readonly LabelBox[] {
    return this.shown ? this.drawn : [];
  }

  /** Where the pane's legend is: labels stay out of it. */
  avoid(covered: Covered | null): void {
    const same = covered?.right === this.covered?.right && covered?.bottom === this.covered?.bottom;
    if (same) return;
    this.covered = covered;
    this.requestUpdate?.();
  }

  setVisible(shown: boolean): void {
    this.shown = shown;
    this.requestUpdate?.();
  }

  private draw(target: Target): void {
    const series = this.series;
    if (!series) return;
    target.useMediaCoordinateSpace(({ context: ctx, mediaSize }) => {
      ctx.font = FONT;
      const placed: { label: PriceLabel; y: number }[] = [];
      for (const label of this.labels) {
        const y = series.priceToCoordinate(label.price);
        if (y !== null && y >= 0 && y <= mediaSize.height) placed.push({ label, y });
      }
      placed.sort((a, b) => a.y - b.y);
      this.drawn = [];
      let floor = -Infinity;
      for (const { label, y } of placed) {
        const top = Math.max(y - HEIGHT / 2, floor + GAP);
        if (top + HEIGHT > mediaSize.height) break;
        const text = textOf(label, mediaSize.width);
        const width = ctx.measureText(text).width + PAD * 2;
        const x = mediaSize.width - width - MARGIN;
        const covered = this.covered;
        if (covered && top < covered.bottom && x < covered.right) continue;
        floor = top + HEIGHT;
        this.drawn.push({ text, x, y: top, width, height: HEIGHT });
        ctx.globalAlpha = 0.92;
        ctx.fillStyle = this.background;
        ctx.strokeStyle = label.color;
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.roundRect(x + 0.5, top + 0.5, width, HEIGHT, 3);
        ctx.fill();
        ctx.stroke();
        ctx.globalAlpha = 1;
        ctx.fillStyle = label.color;
        ctx.textBaseline = "middle";
        ctx.fillText(text, x + PAD, top + HEIGHT / 2 + 0.5);
      }
    });
  }
}
