/**
 * The team at work, inside a turn of the conversation: one line with the step and tool at work
 * (and the progress) while the run goes on, one line such as "5 steps · 7 tools · 0.8 s" when it
 * is done; expands in place to the full timeline with its tool cards.
 */
import { ChevronRight, CircleCheck, CircleStop, CircleX, PanelRight } from "lucide-react";
import { useState } from "react";
import type { RunView } from "../../state/types";
import { AgentIcon, ToolIcon } from "./agents";
import { PhaseBadge, RunProgress } from "./RunProgress";
import { currentActivity, describeSummary, traceSummary } from "./summary";
import { TimelineList } from "./TimelineList";

interface Props {
  run: RunView;
  /** Opens this run's timeline in the side panel (wide screens). */
  onOpenPanel?: () => void;
}

export function RunTrace({ run, onOpenPanel }: Props) {
  const [open, setOpen] = useState(false);
  const live = !run.final;
  const activity = live ? currentActivity(run) : null;
  const listId = `timeline-${run.runId}`;
  const StatusIcon = run.phase === "completed" ? CircleCheck : run.phase === "cancelled" ? CircleStop : CircleX;
  return (
    <section className={`trace ${live ? "live" : run.phase}`} data-testid="trace" data-run-id={run.runId} aria-label="The team at work">
      <div className="trace-line">
        <button
          type="button"
          className="trace-toggle"
          aria-expanded={open}
          aria-controls={listId}
          onClick={() => setOpen((v) => !v)}
          data-testid="trace-toggle"
        >
          <ChevronRight size={15} aria-hidden="true" className="chevron" />
          {live ? (
            <span className="trace-now" data-testid="trace-current">
              <span className="spinner" aria-hidden="true" />
              {activity ? (
                <>
                  <AgentIcon agent={activity.agent} />
                  <strong>{activity.agent}</strong>
                  <span className="trace-text">{activity.text}</span>
                  {activity.tool && (
                    <code className="trace-tool">
                      <ToolIcon size={12} /> {activity.tool}
                    </code>
                  )}
                </>
              ) : (
                <span className="trace-text">{run.statusMessage || "Starting…"}</span>
              )}
            </span>
          ) : (
            <span className="trace-now" data-testid="trace-summary">
              <StatusIcon size={15} aria-hidden="true" className={`status-icon ${run.phase}`} />
              {describeSummary(traceSummary(run))}
            </span>
          )}
          <span className="sr-only">{open ? "(hide the timeline)" : "(show the timeline)"}</span>
        </button>
        <PhaseBadge run={run} />
        {onOpenPanel && (
          <button
            type="button"
            className="btn icon ghost small side-only"
            onClick={onOpenPanel}
            aria-label="Open the timeline in the side panel"
            title="Open the timeline in the side panel"
            data-testid="open-timeline-panel"
          >
            <PanelRight size={15} aria-hidden="true" />
          </button>
        )}
      </div>
      {live && <RunProgress run={run} />}
      {open && <TimelineList run={run} id={listId} />}
    </section>
  );
}
