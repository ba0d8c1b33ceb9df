/**
 * The structured outlook of one asset as a card: bias and strength, price, the nearest levels and
 * the invalidation, the bull and bear scenarios, and the signals behind the bias (how they lean;
 * opened, each with its reading and the tool it came from). Scenarios, not advice. Compact: the
 * bottom line and this card are in view together at 1280×720.
 */
import { ChartCandlestick, ChevronRight, Minus, TrendingDown, TrendingUp, type LucideIcon } from "lucide-react";
import { DataLabel } from "../../components/Badge";
import { formatPrice, formatUtc } from "../../lib/format";
import type { Outlook } from "../../lib/protocol";
import { leanCounts, levelTiles, scenarioPath, strengthText } from "./outlookView";

const BIAS: Record<Outlook["bias"], { text: string; icon: LucideIcon; tone: string }> = {
  bullish: { text: "Bullish", icon: TrendingUp, tone: "up" },
  bearish: { text: "Bearish", icon: TrendingDown, tone: "down" },
  neutral: { text: "Neutral", icon: Minus, tone: "flat" },
};

interface Props {
  outlook: Outlook;
  /** Shows this asset's chart in the workspace (or inline). */
  onShowChart?: (symbol: string, timeframe: string) => void;
}

export function OutlookCard({ outlook: o, onShowChart }: Props) {
  const bias = BIAS[o.bias];
  const BiasIcon = bias.icon;
  const titleId = `outlook-${o.symbol}-${o.timeframe}`;
  return (
    <section className="outlook" aria-labelledby={titleId} data-testid="outlook" data-symbol={o.symbol} data-bias={o.bias}>
      <header className="outlook-head">
        <h3 id={titleId}>
          {o.symbol} <span className="muted">· {o.timeframe}</span>
        </h3>
        <span className={`bias ${bias.tone}`} data-testid="outlook-bias">
          <BiasIcon size={16} aria-hidden="true" /> {bias.text}
        </span>
        <span className="strength" title="Strength: how strongly the signals agree">
          <span className="strength-bar" aria-hidden="true">
            <span className={bias.tone} style={{ width: strengthText(o.strength) }} />
          </span>
          <span className="muted small">
            <span className="sr-only">strength </span>
            {strengthText(o.strength)}
          </span>
        </span>
        <span className="grow" />
        <span className="outlook-price" data-testid="outlook-price">
          {formatPrice(o.price)}
        </span>
        {onShowChart && (
          <button
            type="button"
            className="btn icon small"
            onClick={() => onShowChart(o.symbol, o.timeframe)}
            aria-label={`Show ${o.symbol} ${o.timeframe} in the chart workspace`}
            title={`Show ${o.symbol} ${o.timeframe} in the chart workspace`}
            data-testid="outlook-chart"
          >
            <ChartCandlestick size={15} aria-hidden="true" />
          </button>
        )}
      </header>
      <dl className="levels-row">
        {levelTiles(o).map((tile) => (
          <div key={tile.key} className={`tile ${tile.key}`} data-testid={`outlook-${tile.key}`}>
            <dt>{tile.label}</dt>
            <dd>
              {tile.price ? (
                <>
                  <span className="num">{tile.price}</span> <span className="muted distance">{tile.distance}</span>
                </>
              ) : (
                <span className="muted">—</span>
              )}
              {tile.note && <span className="note">{tile.note}</span>}
            </dd>
          </div>
        ))}
      </dl>
      {(o.scenarios ?? []).length > 0 && (
        <ul className="scenarios" aria-label="Scenarios">
          {(o.scenarios ?? []).map((s) => (
            <li key={s.kind} className={`scenario ${s.kind}`} data-testid={`scenario-${s.kind}`}>
              <span className={`scenario-kind ${s.kind === "bull" ? "up" : "down"}`}>
                {s.kind === "bull" ? <TrendingUp size={14} aria-hidden="true" /> : <TrendingDown size={14} aria-hidden="true" />}
                {s.kind === "bull" ? "Bull" : "Bear"}
              </span>
              <span className="scenario-text">
                {s.trigger}
                {scenarioPath(s, o.price) && <span className="muted"> → {scenarioPath(s, o.price)}</span>}
              </span>
            </li>
          ))}
        </ul>
      )}
      {o.signals.length > 0 && (
        <details className="signals-box" data-testid="outlook-signals">
          <summary>
            <ChevronRight size={14} aria-hidden="true" className="chevron" />
            <span>
              {o.signals.length} {o.signals.length === 1 ? "signal" : "signals"}
            </span>
            {leanCounts(o).map(([lean, count]) => {
              const LeanIcon = BIAS[lean].icon;
              return (
                <span key={lean} className={`lean-count ${BIAS[lean].tone}`}>
                  <LeanIcon size={13} aria-hidden="true" /> {count} {lean}
                </span>
              );
            })}
          </summary>
          <ul className="signals" aria-label="Signals behind the bias">
            {o.signals.map((signal, i) => {
              const lean = BIAS[signal.lean];
              const LeanIcon = lean.icon;
              return (
                <li key={`${signal.name}-${i}`} data-testid="outlook-signal">
                  <LeanIcon size={13} aria-label={lean.text} className={lean.tone} />
                  <span className="reading">{signal.reading}</span>
                  <span className="source muted small" title={signal.call_id ? `tool call ${signal.call_id}` : undefined}>
                    {signal.tool_name}
                  </span>
                </li>
              );
            })}
          </ul>
        </details>
      )}
      <footer className="outlook-foot muted small">
        <span>Horizon {o.horizon.label}</span>
        <span>as of {formatUtc(o.as_of)}</span>
        <span>{o.source}</span>
        {(o.data_labels ?? []).map((label) => (
          <DataLabel key={label} label={label} />
        ))}
        <span>Scenarios, not advice.</span>
      </footer>
    </section>
  );
}
