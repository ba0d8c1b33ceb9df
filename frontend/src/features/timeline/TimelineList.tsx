/** The full agent timeline of a run: steps with their streamed text, tool cards, errors. */
import { Check, CircleStop, CircleX, TriangleAlert } from "lucide-react";
import { memo } from "react";
import { Signed } from "../../components/Signed";
import { formatDuration } from "../../lib/format";
import type { ErrorItem, RunView, StatusItem, StepItem, TimelineItem, ToolItem } from "../../state/types";
import { AgentIcon, ToolIcon } from "./agents";

export function TimelineList({ run, id }: { run: RunView; id?: string }) {
  return (
    <ol className="timeline" id={id} aria-label="Agent timeline" data-testid="timeline">
      {run.timeline.map((item) => (
        <Item key={item.key} item={item} stopped={run.final} />
      ))}
    </ol>
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

const STEP_STATES = {
  working: ["working", "info"],
  completed: ["done", "up"],
  error: ["error", "down"],
  stopped: ["stopped", "warn"],
} as const;

function Step({ item, stopped }: { item: StepItem; stopped: boolean }) {
  const state = item.state === "working" && stopped ? "stopped" : item.state;
  const [label, tone] = STEP_STATES[state];
  return (
    <li className={`step ${state}`} data-testid="step" data-step-id={item.stepId} data-state={state}>
      <div className="title">
        <AgentIcon agent={item.agent} />
        <span>{item.agent}</span>
        <span className={`badge ${tone}`}>
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
          <ToolIcon />
          <span className="tool-name">{item.toolName}</span>
          <span className="grow" />
          {state === "running" && (
            <span className="badge info">
              <span className="spinner" aria-hidden="true" /> running
            </span>
          )}
          {state === "stopped" && <span className="badge warn">no result</span>}
          {state === "ok" && (
            <span className="badge up">
              <Check size={12} aria-hidden="true" /> ok
            </span>
          )}
          {state === "error" && (
            <span className="badge down">
              <CircleX size={12} aria-hidden="true" /> error
            </span>
          )}
          {result && <span className="muted small">{formatDuration(result.durationMs)}</span>}
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
      <strong>
        <TriangleAlert size={14} aria-hidden="true" /> {item.message}
      </strong>
      <div className="muted small">
        {item.code}
        {item.details ? ` · ${item.details}` : ""} · {item.recoverable ? "the run continues" : "the run stops"}
      </div>
    </li>
  );
}

function StatusCard({ item }: { item: StatusItem }) {
  const Icon = item.status === "cancelled" ? CircleStop : CircleX;
  return (
    <li className="tl-status" data-testid="timeline-status">
      <Icon size={14} aria-hidden="true" /> {item.message}
    </li>
  );
}
