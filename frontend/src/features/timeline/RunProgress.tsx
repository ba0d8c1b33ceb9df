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
        {progress ? `Turn ${progress.current} of ${progress.max}` : "Waiting for the first turn"}
      </span>
    </div>
  );
}
