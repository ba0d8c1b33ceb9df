/** What a run's trace says in one line: the current step and tool, or what the run took. */
import { formatDuration } from "../../lib/format";
import type { RunView, StepItem, ToolItem } from "../../state/types";

export interface TraceSummary {
  steps: number;
  tools: number;
  failedTools: number;
  errors: number;
  durationMs: number | null;
}

export interface Activity {
  agent: string;
  /** The step's instruction (or the last streamed words while it has none). */
  text: string;
  /** The tool in flight, if any. */
  tool: string | null;
}

export function traceSummary(run: RunView): TraceSummary {
  let steps = 0;
  let tools = 0;
  let failedTools = 0;
  let errors = 0;
  for (const item of run.timeline) {
    if (item.kind === "step") steps += 1;
    else if (item.kind === "tool") {
      tools += 1;
      if (item.result && !item.result.success) failedTools += 1;
    } else if (item.kind === "error") errors += 1;
  }
  const started = run.startedAt ? Date.parse(run.startedAt) : Number.NaN;
  const ended = run.endedAt ? Date.parse(run.endedAt) : Number.NaN;
  const durationMs = Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, ended - started) : null;
  return { steps, tools, failedTools, errors, durationMs };
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** "5 steps · 7 tools · 0.8 s", with failures named: "7 tools (2 failed)". */
export function describeSummary(summary: TraceSummary): string {
  const tools = plural(summary.tools, "tool") + (summary.failedTools ? ` (${summary.failedTools} failed)` : "");
  const parts = [plural(summary.steps, "step"), tools];
  if (summary.errors) parts.push(plural(summary.errors, "error"));
  if (summary.durationMs !== null) parts.push(formatDuration(summary.durationMs));
  return parts.join(" · ");
}

/** The step working now and its tool in flight; null before the first step. */
export function currentActivity(run: RunView): Activity | null {
  let step: StepItem | null = null;
  let tool: ToolItem | null = null;
  for (let i = run.timeline.length - 1; i >= 0 && !step; i -= 1) {
    const item = run.timeline[i];
    if (item?.kind === "tool" && !tool && !item.result) tool = item;
    if (item?.kind === "step") step = item;
  }
  if (!step) return null;
  const words = step.streamed.trim().split(/\s+/).slice(-12).join(" ");
  return {
    agent: step.agent,
    text: step.instruction || (words ? `…${words}` : step.outcome ?? ""),
    tool: tool ? tool.toolName : null,
  };
}
