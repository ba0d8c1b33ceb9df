/** A run's full timeline in the side panel: the question, the progress and every step. */
import { useEffect, useRef } from "react";
import type { RunView } from "../../state/types";
import { PhaseBadge, RunProgress } from "./RunProgress";
import { describeSummary, traceSummary } from "./summary";
import { TimelineList } from "./TimelineList";

export function TimelinePanel({ run }: { run: RunView | null }) {
  const end = useRef<HTMLDivElement>(null);
  const size = run ? run.timeline.length + (run.timeline.at(-1)?.kind === "step" ? 1 : 0) : 0;
  // While the run goes on, the newest entry stays in view.
  useEffect(() => {
    if (run && !run.final) end.current?.scrollIntoView({ block: "end" });
  }, [size, run]);

  if (!run) {
    return <p className="empty">Agent steps, tool calls and progress appear here as the team works.</p>;
  }
  return (
    <div className="timeline-panel" data-testid="timeline-panel" data-run-id={run.runId}>
      <div className="run-head">
        {run.question && (
          <div className="run-question" title={run.question}>
            {run.question}
          </div>
        )}
        <div className="row">
          <PhaseBadge run={run} />
          <span className="muted small">{run.final ? describeSummary(traceSummary(run)) : run.statusMessage}</span>
        </div>
        <RunProgress run={run} />
      </div>
      <TimelineList run={run} />
      <div ref={end} />
    </div>
  );
}
