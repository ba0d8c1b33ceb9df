/**
 * The track record: how the desk's calls worked out, judged by what the market did next. The
 * calls of answers (or of a saved backtest), filtered by asset, timeframe, engine and outcome;
 * their statistics next to the baselines; each call with its outcome, the chart of what happened
 * after and a link to the answer that made it.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import { useState } from "react";
import { api, type CallQuery, type Outcome, type Timeframe } from "../../lib/api";
import { CallCard } from "./CallCard";
import { OUTCOMES, OUTCOME_ORDER, dayText } from "./recordView";
import { SummaryPanel } from "./SummaryPanel";

const PAGE = 20;

function everyText(seconds: number): string {
  const hours = seconds / 3600;
  return hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`;
}
const TIMEFRAMES: Timeframe[] = ["5m", "15m", "1h", "4h", "1d", "1w"];

interface Props {
  onBack: () => void;
  onOpenRun: (conversationId: string, runId: string) => void;
}

export function TrackRecord({ onBack, onOpenRun }: Props) {
  const [scope, setScope] = useState<string>("");
  const [asset, setAsset] = useState("");
  const [timeframe, setTimeframe] = useState<Timeframe | "">("");
  const [engine, setEngine] = useState("");
  const [outcome, setOutcome] = useState<Outcome | "">("");
  const [page, setPage] = useState(0);

  const query: CallQuery = {
    backtest: scope || undefined,
    asset: /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(asset.trim()) ? asset.trim() : undefined,
    timeframe: timeframe || undefined,
    engine: engine || undefined,
    outcome: outcome || undefined,
    limit: PAGE,
    offset: page * PAGE,
  };
  const backtests = useQuery({ queryKey: ["record", "backtests"], queryFn: api.backtests });
  const summary = useQuery({
    queryKey: ["record", "summary", { ...query, outcome: undefined, limit: undefined, offset: undefined }],
    queryFn: () => api.callSummary(query),
  });
  const calls = useQuery({
    queryKey: ["record", "calls", query],
    queryFn: () => api.calls(query),
    placeholderData: keepPreviousData,
  });
  const filter = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setPage(0);
  };
  const chosen = backtests.data?.find((b) => b.id === scope) ?? null;
  const total = calls.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));

  return (
    <section className="record" aria-labelledby="record-title" data-testid="track-record">
      <div className="record-scroll">
        <header className="record-head">
          <button type="button" className="btn small ghost" onClick={onBack} data-testid="record-back">
            <ArrowLeft size={15} aria-hidden="true" /> Desk
          </button>
          <h2 id="record-title">Track record</h2>
          <span className="muted small record-lead">
            Every outlook is a call, judged once its horizon has traded, from the candles after it only.
          </span>
        </header>
        <div className="record-filters" role="group" aria-label="Which calls">
          <label>
            <span>Calls of</span>
            <select value={scope} onChange={(e) => filter(setScope)(e.target.value)} data-testid="record-scope">
              <option value="">answers</option>
              {(backtests.data ?? []).map((b) => (
                <option key={b.id} value={b.id}>
                  backtest “{b.name}”
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Asset</span>
            <input
              value={asset}
              onChange={(e) => filter(setAsset)(e.target.value)}
              placeholder="any"
              size={8}
              data-testid="record-asset"
            />
          </label>
          <label>
            <span>Timeframe</span>
            <select value={timeframe} onChange={(e) => filter(setTimeframe)(e.target.value as Timeframe | "")}>
              <option value="">any</option>
              {TIMEFRAMES.map((tf) => (
                <option key={tf} value={tf}>
                  {tf}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Engine</span>
            <select value={engine} onChange={(e) => filter(setEngine)(e.target.value)}>
              <option value="">any</option>
              <option value="offline">offline analyst</option>
              <option value="magentic">LLM team</option>
            </select>
          </label>
          <label>
            <span>Outcome</span>
            <select
              value={outcome}
              onChange={(e) => filter(setOutcome)(e.target.value as Outcome | "")}
              data-testid="record-outcome"
            >
              <option value="">any</option>
              {OUTCOME_ORDER.map((key) => (
                <option key={key} value={key}>
                  {OUTCOMES[key].text}
                </option>
              ))}
            </select>
          </label>
        </div>
        {chosen && (
          <p className="muted small" data-testid="backtest-info">
            Backtest of the offline analyst: {chosen.symbols.join(", ")} {chosen.timeframe}, {dayText(chosen.start)} to{" "}
            {dayText(chosen.end)}, a call every {everyText(chosen.every_s)}, {chosen.call_count} calls, replaying{" "}
            {chosen.source}.
          </p>
        )}
        {(summary.isError || calls.isError) && (
          <p className="down" role="alert">
            Could not load the track record: {(summary.error ?? calls.error)?.message}
          </p>
        )}
        {summary.data && <SummaryPanel summary={summary.data} />}
        <h3 className="calls-title">
          Calls <span className="muted small">{total} in all, newest first</span>
        </h3>
        {calls.isSuccess && total === 0 && (
          <p className="empty" data-testid="no-calls">
            No call yet. Ask for an outlook (“Analyze BTC on the 4h chart”): its bias, levels and horizon become a call,
            judged when the horizon has traded.
          </p>
        )}
        {/* While another page or filter loads, the calls shown are the previous ones: dimmed. */}
        <ol className={calls.isPlaceholderData ? "calls loading" : "calls"} aria-label="Calls" aria-busy={calls.isFetching}>
          {(calls.data?.items ?? []).map((call) => (
            <CallCard key={call.id} call={call} onOpenRun={onOpenRun} />
          ))}
        </ol>
        {pages > 1 && (
          <nav className="pager" aria-label="Pages of calls">
            <button type="button" className="btn small" disabled={page === 0} onClick={() => setPage((p) => p - 1)}>
              Newer
            </button>
            <span className="small muted">
              Page {page + 1} of {pages}
            </span>
            <button
              type="button"
              className="btn small"
              disabled={page + 1 >= pages}
              onClick={() => setPage((p) => p + 1)}
              data-testid="record-older"
            >
              Older
            </button>
          </nav>
        )}
      </div>
    </section>
  );
}
