import { memo, useEffect, useRef } from "react";
import { Signed } from "../../components/Signed";
import { formatDuration } from "../../lib/format";
import type { ErrorItem, RunView, StatusItem, StepItem, TimelineItem, ToolItem } from "../../state/types";

export function TimelinePanel({ run }: { run: RunView | null }) {
  const body = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const size = run ? run.timeline.length + (run.timeline.at(-1)?.kind === "step" ? (run.timeline.at(-1) as StepItem).streamed.length : 0) : 0;
  useEffect(() => {
    const el = body.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [size]);

  return (
    <section
      className="panel grow"
      aria-labelledby="timeline-title"
      data-testid="timeline-panel"
      data-run-id={run?.runId}
    >
      <header>
        <h2 id="timeline-title">Agent timeline</h2>
        {run && <PhaseBadge run={run} />}
      </header>
      {run && <RunHead run={run} />}
      <div
        className="panel-body"
        ref={body}
        onScroll={(event) => {
          const el = event.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {!run ? (
          <p className="empty">Agent steps, tool calls and progress appear here as the team works.</p>
        ) : (
          <ol className="timeline" aria-live="polite" aria-relevant="additions" data-testid="timeline">
            {run.timeline.map((item) => (
              <Item key={item.key} item={item} stopped={run.final} />
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}

function PhaseBadge({ run }: { run: RunView }) {
  const map: Record<string, [string, string]> = {
    completed: ["up", "completed"],
    cancelled: ["warn", "cancelled"],
    failed: ["down", "failed"],
  };
  const [tone, text] = map[run.phase] ?? ["info", run.phase === "pending" ? "starting" : "running"];
  return (
    <span className={`badge ${tone}`} data-testid="run-phase" data-phase={run.phase}>
      {!run.final && <span className="spinner" aria-hidden="true" />} {text}
    </span>
  );
}

function RunHead({ run }: { run: RunView }) {
  const progress = run.progress;
  const pct = run.phase === "completed" ? 100 : (progress?.percentage ?? 0);
  const tone = run.phase === "completed" ? "done" : run.final ? "stopped" : "";
  return (
    <div className="run-head">
      {run.question && (
        <div title={run.question} style={{ fontWeight: 600, overflowWrap: "anywhere" }}>
          {run.question.length > 160 ? `${run.question.slice(0, 160)}…` : run.question}
        </div>
      )}
      <div
        className={`progress ${tone}`}
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        data-testid="progress"
      >
        <div style={{ width: `${Math.min(100, pct)}%` }} />
      </div>
      <div className="muted" style={{ fontSize: 12, display: "flex", gap: 10 }}>
        <span data-testid="progress-text">
          {progress ? `Turn ${progress.current} of ${progress.max}` : "Waiting for the first turn"}
        </span>
        {run.statusMessage && <span style={{ overflowWrap: "anywhere" }}>{run.statusMessage}</span>}
      </div>
    </div>
  );
}

const Item = memo(function Item({ item, stopped }: { item: TimelineItem; stopped: boolean }) {
  switch (item.kind) {
    case "step":
      return <Step item={item} stopped={stopped} />;
    case "tool":
      return <ToolCard item={item} stopped={stopped} />;
    case "error":
      return <ErrorCard item={item} />;
    case "status":
      return <StatusCard item={item} />;
  }
});

function Step({ item, stopped }: { item: StepItem; stopped: boolean }) {
  const state = item.state === "working" && stopped ? "stopped" : item.state;
  const label = { working: "working", completed: "done", error: "error", stopped: "stopped" }[state];
  return (
    <li className={`step ${state}`} data-testid="step" data-step-id={item.stepId} data-state={state}>
      <div className="title">
        <span aria-hidden="true">{item.emoji}</span>
        <span>{item.agent}</span>
        <span className={`badge ${state === "completed" ? "up" : state === "error" ? "down" : state === "stopped" ? "warn" : "info"}`}>
          {state === "working" && <span className="spinner" aria-hidden="true" />} {label}
        </span>
      </div>
      {item.instruction && <div className="instruction">{item.instruction}</div>}
      {item.streamed && (
        <div className="streamed" data-testid="streamed">
          {item.streamed}
        </div>
      )}
      {item.outcome && item.outcome !== item.instruction && (
        <div className="outcome">
          <Signed text={item.outcome} />
        </div>
      )}
    </li>
  );
}

function ToolCard({ item, stopped }: { item: ToolItem; stopped: boolean }) {
  const result = item.result;
  const state = result ? (result.success ? "ok" : "error") : stopped ? "stopped" : "running";
  return (
    <li>
      <details className="tool" data-testid="tool-card" data-call-id={item.callId} data-state={state}>
        <summary>
          <span aria-hidden="true">🔧</span>
          <span className="tool-name">{item.toolName}</span>
          <span className="grow" />
          {state === "running" && (
            <span className="badge info">
              <span className="spinner" aria-hidden="true" /> running
            </span>
          )}
          {state === "stopped" && <span className="badge warn">no result</span>}
          {state === "ok" && <span className="badge up">✓ ok</span>}
          {state === "error" && <span className="badge down">✗ error</span>}
          {result && <span className="muted" style={{ fontSize: 12 }}>{formatDuration(result.durationMs)}</span>}
        </summary>
        <div className="body">
          <div className="label">Arguments</div>
          <pre data-testid="tool-arguments">{JSON.stringify(item.arguments, null, 2)}</pre>
          {result && (
            <>
              <div className="label">{result.success ? "Result" : "Error"}</div>
              {result.error && <pre className="down">{result.error}</pre>}
              {result.preview && <pre data-testid="tool-preview">{result.preview}</pre>}
            </>
          )}
        </div>
      </details>
    </li>
  );
}

function ErrorCard({ item }: { item: ErrorItem }) {
  return (
    <li className="tl-error" role="alert" data-testid="timeline-error">
      <strong>⚠️ {item.message}</strong>
      <div className="muted" style={{ fontSize: 12 }}>
        {item.code}
        {item.details ? ` · ${item.details}` : ""} ·{" "}
        {item.recoverable ? "the run continues" : "the run stops"}
      </div>
    </li>
  );
}

function StatusCard({ item }: { item: StatusItem }) {
  return (
    <li className="tl-status" data-testid="timeline-status">
      {item.status === "cancelled" ? "⏹" : "❌"} {item.message}
    </li>
  );
}
