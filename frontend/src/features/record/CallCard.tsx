/**
 * One call of the track record: what was said (asset, as-of, bias, price, levels), how it worked
 * out (outcome, return, excursions) or why it is not judged yet, the chart of what happened after,
 * and a link to the answer that made it.
 */
import { Clock, Minus, TrendingDown, TrendingUp, type LucideIcon } from "lucide-react";
import { Badge, DataLabel } from "../../components/Badge";
import { EngineBadge } from "../../components/EngineBadge";
import type { CallOut } from "../../lib/api";
import { formatPercent, formatPrice, signOf } from "../../lib/format";
import { AfterChart } from "./AfterChart";
import { OUTCOMES, sizeText, whenText } from "./recordView";

const BIAS: Record<CallOut["bias"], { text: string; icon: LucideIcon; tone: string }> = {
  bullish: { text: "Bullish", icon: TrendingUp, tone: "up" },
  bearish: { text: "Bearish", icon: TrendingDown, tone: "down" },
  neutral: { text: "Neutral", icon: Minus, tone: "flat" },
};

interface Props {
  call: CallOut;
  /** Opens the conversation of the run that made the call. */
  onOpenRun?: (conversationId: string, runId: string) => void;
}

export function CallCard({ call, onOpenRun }: Props) {
  const bias = BIAS[call.bias];
  const BiasIcon = bias.icon;
  const s = call.settlement;
  const outcome = s ? OUTCOMES[s.outcome] : null;
  const target = call.bias === "bullish" ? call.targets.bull : call.bias === "bearish" ? call.targets.bear : null;
  const engine = call.model ? `${call.engine}:${call.model}` : call.engine;
  const labels = call.data_labels.filter((l) => l !== "replay" || call.backtest_id === null);
  return (
    <li className="call" data-testid="call" data-status={call.status} data-outcome={s?.outcome ?? ""}>
      <div className="call-main">
        <header className="call-head">
          <strong>
            {call.symbol} <span className="muted">· {call.timeframe}</span>
          </strong>
          <span className={`bias ${bias.tone}`}>
            <BiasIcon size={15} aria-hidden="true" /> {bias.text}
          </span>
          <span className="muted small">{Math.round(call.strength * 100)}%</span>
          <span className="grow" />
          {outcome ? (
            <Badge tone={outcome.tone} title={outcome.title} testId="call-outcome">
              {outcome.text}
            </Badge>
          ) : (
            <Badge tone={call.status === "void" ? "warn" : "neutral"} icon={Clock} title={call.pending_reason ?? ""} testId="call-outcome">
              {call.status === "void" ? "Not judged" : "Pending"}
            </Badge>
          )}
        </header>
        <dl className="call-terms">
          <div>
            <dt>As of</dt>
            <dd>{whenText(call.as_of)}</dd>
          </div>
          <div>
            <dt>Price</dt>
            <dd className="num">{formatPrice(call.price)}</dd>
          </div>
          <div>
            <dt>Target</dt>
            <dd className="num up">{target == null ? "—" : formatPrice(target, call.price)}</dd>
          </div>
          <div>
            <dt>Invalidation</dt>
            <dd className="num down">{call.invalidation == null ? "—" : formatPrice(call.invalidation, call.price)}</dd>
          </div>
        </dl>
        {s ? (
          <p className="call-result" data-testid="call-result">
            <span className={signOf(s.return_pct)}>{formatPercent(s.return_pct, 2)}</span> by{" "}
            {whenText(call.horizon.ends_at)}
            <span className="muted">
              {" "}
              · MFE {sizeText(s.mfe_pct)} · MAE {sizeText(s.mae_pct)}
              {s.missing > 0 ? ` · ${s.missing} candle${s.missing === 1 ? "" : "s"} missing` : ""}
            </span>
          </p>
        ) : (
          <p className="call-result muted small" data-testid="call-pending">
            {call.pending_reason}
          </p>
        )}
        <footer className="call-foot small muted">
          <EngineBadge engine={engine} title="The engine that made this call" />
          {labels.map((label) => (
            <DataLabel key={label} label={label} />
          ))}
          <span className="grow" />
          {call.run_id && call.conversation_id && onOpenRun ? (
            <a
              href={`#/c/${call.conversation_id}`}
              onClick={(event) => {
                event.preventDefault();
                onOpenRun(call.conversation_id ?? "", call.run_id ?? "");
              }}
              data-testid="call-run-link"
            >
              Open the answer
            </a>
          ) : (
            call.backtest_id && <span>backtest</span>
          )}
        </footer>
      </div>
      <AfterChart call={call} />
    </li>
  );
}
