import { useEffect, useRef } from "react";
import type { LocalMessage, Notice, RunView } from "../../state/types";
import { Composer } from "./Composer";

export const EXAMPLES = [
  "What is the price of Bitcoin?",
  "Analyze ETH on the 4h chart with RSI and MACD",
  "Compare SOL and AVAX this month",
  "Find support and resistance levels for BTC on the 1d chart",
];

interface Props {
  runs: RunView[];
  local: LocalMessage[];
  notices: Notice[];
  busy: boolean;
  running: boolean;
  online: boolean;
  selectedRunId: string | null;
  onAsk: (text: string) => boolean;
  onCancel: () => void;
  onSelectRun: (runId: string) => void;
  onDismiss: (key: string) => void;
}

export function ChatPanel(props: Props) {
  const { runs, local, notices, selectedRunId } = props;
  const empty = runs.length === 0 && local.length === 0;
  const end = useRef<HTMLDivElement>(null);
  const count = runs.length + local.length;
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [count]);

  return (
    <section className="panel grow" aria-labelledby="chat-title" data-testid="chat-panel">
      <header>
        <h2 id="chat-title">Chat</h2>
      </header>
      <div className="panel-body">
        {empty ? (
          <div className="examples" data-testid="examples">
            <p className="muted">Ask the desk a market question. For example:</p>
            {EXAMPLES.map((text) => (
              <button key={text} type="button" className="btn" onClick={() => props.onAsk(text)} disabled={props.busy}>
                {text}
              </button>
            ))}
          </div>
        ) : (
          <ol className="messages" aria-label="Messages" style={{ listStyle: "none", margin: 0, padding: 0 }}>
            {runs.map((run) => (
              <RunMessages
                key={run.runId}
                run={run}
                selected={run.runId === selectedRunId}
                onSelect={() => props.onSelectRun(run.runId)}
              />
            ))}
            {local.map((m) => (
              <li key={m.clientMsgId} className={`msg user ${m.state}`} data-testid="user-message">
                {m.text}
                <div className="meta">
                  {m.state === "queued" && <span>⏳ queued: sent when the connection is back</span>}
                  {m.state === "sent" && <span>sending…</span>}
                  {m.state === "rejected" && (
                    <span className="down" role="alert">
                      Not sent: {m.error}
                    </span>
                  )}
                </div>
              </li>
            ))}
          </ol>
        )}
        <div ref={end} />
      </div>
      <Composer
        busy={props.busy}
        running={props.running}
        online={props.online}
        notices={notices}
        onAsk={props.onAsk}
        onCancel={props.onCancel}
        onDismiss={props.onDismiss}
      />
    </section>
  );
}

function RunMessages({ run, selected, onSelect }: { run: RunView; selected: boolean; onSelect: () => void }) {
  const turn = run.progress ? ` · turn ${run.progress.current} of ${run.progress.max}` : "";
  let summary: string;
  switch (run.phase) {
    case "completed":
      summary = run.result ? "✅ Report ready" : "✅ Completed";
      break;
    case "cancelled":
      summary = "⏹ Cancelled";
      break;
    case "failed":
      summary = `❌ Failed${run.statusMessage ? `: ${run.statusMessage}` : ""}`;
      break;
    default:
      summary = `⏳ Working${turn}…`;
  }
  return (
    <>
      <li className="msg user" data-testid="user-message">
        {run.question ?? <span className="muted">(question)</span>}
      </li>
      <li className={`msg assistant ${selected ? "selected" : ""}`} data-testid="assistant-message">
        <button type="button" className="btn ghost small" onClick={onSelect} aria-pressed={selected} style={{ padding: 0 }}>
          {summary}
        </button>
        <div className="meta">
          {run.charts.length > 0 && <span>📈 {run.charts.length} chart{run.charts.length > 1 ? "s" : ""}</span>}
          {run.result && <span>{run.result.engine}</span>}
        </div>
      </li>
    </>
  );
}
