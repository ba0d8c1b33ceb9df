/**
 * A legend at the top of each pane: the values at the crosshair, or the latest ones. A compact
 * legend (a narrow plot, where the values of every overlay would cover a third of the price pane)
 * names the overlays at rest, the Bollinger bands once, and gives their values at the crosshair.
 */
import { Badge, DataLabel } from "../../components/Badge";
import { formatCompact, formatPercent, formatPrice, formatUtc, signOf } from "../../lib/format";
import type { ChartCandle, ChartSpec } from "../../types/chart";
import { LineIndex, formatFor, lineColor, priceReference, valueReference, type Palette } from "./drawing";

interface LegendLine {
  index: LineIndex;
  color: string;
  format: (value: number) => string;
}

interface PaneModel {
  name: string | null;
  lines: LegendLine[];
}

export interface LegendModel {
  candles: Map<number, ChartCandle>;
  reference: number;
  panes: PaneModel[];
}

export function legendModel(spec: ChartSpec, palette: Palette): LegendModel {
  const reference = priceReference(spec);
  const mainFormat = formatFor(spec.kind === "comparison" ? "percent" : "price", reference);
  const main: PaneModel = {
    name: spec.kind === "comparison" ? "Change since the start" : null,
    lines: spec.overlays.map((line, i) => ({
      index: new LineIndex(line),
      color: lineColor(palette, line, i),
      format: mainFormat,
    })),
  };
  const panes = spec.panes.map((pane) => {
    const format = pane.name === "OBV" ? formatCompact : formatFor("value", valueReference(pane.series));
    return {
      name: pane.name,
      lines: pane.series.map((line, i) => ({
        index: new LineIndex(line),
        color: lineColor(palette, line, i + 2),
        format,
      })),
    };
  });
  return { candles: new Map(spec.candles.map((c) => [c.time, c])), reference, panes: [main, ...panes] };
}

interface Props {
  live: boolean;
  model: LegendModel;
  spec: ChartSpec;
  /** The crosshair's time; null for the latest values. */
  time: number | null;
  tops: number[];
  /** Name the price pane's overlays without their values, unless the crosshair is on. */
  compact?: boolean;
}

/** The overlay a legend line belongs to: "BB" for "BB upper", "BB middle", "BB lower". */
function group(name: string): string {
  return name.startsWith("BB ") ? "BB" : name;
}

export function Legends({ model, spec, time, tops, live, compact = false }: Props) {
  const last = spec.candles.at(-1)?.time ?? spec.overlays[0]?.values.at(-1)?.time ?? null;
  const at = time ?? last;
  const candle = at === null ? undefined : model.candles.get(at);
  return (
    <>
      {model.panes.map((pane, p) => (
        <div
          key={pane.name ?? "price"}
          className="pane-legend"
          style={{ top: (tops[p] ?? 0) + 4 }}
          data-testid={p === 0 ? "chart-legend" : "pane-legend"}
        >
          {p === 0 && (
            <span className="legend-head">
              <strong>
                {spec.symbol} · {spec.interval}
              </strong>
              {at !== null && <span className="muted">{formatUtc(new Date(at * 1000).toISOString())}</span>}
              {spec.simulated && <DataLabel label="simulated" />}
              {spec.source.startsWith("replay") && <DataLabel label="replay" />}
              {live && (
                <Badge tone="info" title="Built now from the market data in force, without a run">
                  live
                </Badge>
              )}
            </span>
          )}
          {p === 0 && candle && <Ohlc candle={candle} reference={model.reference} />}
          {pane.name && p > 0 && <strong>{pane.name}</strong>}
          {pane.name && p === 0 && <span className="muted">{pane.name}</span>}
          {p === 0 && compact && time === null && spec.kind === "price" ? (
            <OverlayNames lines={pane.lines} />
          ) : (
            pane.lines.map(({ index, color, format }) => {
              const value = at === null ? undefined : (index.at(at) ?? (time === null ? index.last() : undefined));
              if (value === undefined) return null;
              return (
                <span key={index.line.name} className="legend-item">
                  <span className="swatch" style={{ background: color }} />
                  <span className="k">{index.line.name}</span> {format(value)}
                </span>
              );
            })
          )}
        </div>
      ))}
    </>
  );
}

function OverlayNames({ lines }: { lines: readonly LegendLine[] }) {
  const groups = new Map(lines.map((line) => [group(line.index.line.name), line.color]));
  return [...groups].map(([name, color]) => (
    <span key={name} className="legend-item">
      <span className="swatch" style={{ background: color }} />
      <span className="k">{name}</span>
    </span>
  ));
}

function Ohlc({ candle, reference }: { candle: ChartCandle; reference: number }) {
  const change = candle.open ? ((candle.close - candle.open) / candle.open) * 100 : 0;
  const price = (v: number) => formatPrice(v, reference);
  return (
    <span className="legend-ohlc">
      <span>
        <span className="k">O</span> {price(candle.open)}
      </span>
      <span>
        <span className="k">H</span> {price(candle.high)}
      </span>
      <span>
        <span className="k">L</span> {price(candle.low)}
      </span>
      <span>
        <span className="k">C</span> {price(candle.close)}
      </span>
      <span className={signOf(change)}>{formatPercent(change)}</span>
      <span>
        <span className="k">Vol</span> {formatCompact(candle.volume)}
      </span>
    </span>
  );
}
