import { formatNumber } from "../../lib/format";
import type { EstimateModel, UsageModel } from "../../lib/protocol";
import type { RunView } from "../../state/types";

/** The run's phase as a badge (`run-phase`), for the trace line and the side panel. */
export function PhaseBadge({ run }: { run: RunView }) {
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

/** Turn n of max, as a bar. */
export function RunProgress({ run }: { run: RunView }) {
  const progress = run.progress;
  const pct = run.phase === "completed" ? 100 : (progress?.percentage ?? 0);
  const tone = run.phase === "completed" ? "done" : run.final ? "stopped" : "";
  return (
    <div className="run-progress">
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
      <span className="muted small" data-testid="progress-text">
        {progress && progress.current > 0 ? `Turn ${progress.current} of ${progress.max}` : "Waiting for the first turn"}
      </span>
      <CostMeter estimate={run.estimate} spent={run.spent} />
    </div>
  );
}

function tokens(usage: { prompt_tokens: number; completion_tokens: number }): string {
  return `${formatNumber(usage.prompt_tokens + usage.completion_tokens, 0)} tokens`;
}

function dollars(cost: number | null | undefined): string {
  return cost == null ? "" : `, $${cost.toFixed(4)}`;
}

/** The LLM team's cost: the estimate sent before its first call, then the spend so far. */
export function CostMeter({ estimate, spent }: { estimate: EstimateModel | null; spent: UsageModel | null }) {
  if (!estimate && !spent) return null;
  return (
    <span className="cost-meter small" data-testid="cost-meter" aria-live="polite">
      {spent && (
        <span data-testid="cost-spent">
          Spent {tokens(spent)}
          {dollars(spent.cost_usd)}
        </span>
      )}
      {estimate && (
        <span className="muted" data-testid="cost-estimate">
          {spent ? " of " : "Estimated "}~{tokens(estimate)}
          {dollars(estimate.cost_usd)}
          {spent ? " estimated" : ` (${estimate.llm_calls} LLM calls)`}
        </span>
      )}
    </span>
  );
}
