/**
 * The one reducer that turns protocol frames into UI state. Live frames, frames replayed after a
 * reconnect and a run's REST history (`/api/v1/runs/{id}/events`) all arrive as `frames` actions
 * and go through `applyFrame`: a run's frame is applied only when `seq === lastSeq + 1`; smaller
 * ones are duplicates and are ignored; a larger one is a gap, recorded in `gaps` so the
 * connection resumes with `after_seq = lastSeq`.
 */
import type { ConversationDetail } from "../lib/api";
import {
  TERMINAL,
  runSeq,
  type AgentStepFrame,
  type ErrorFrame,
  type Notification,
  type RunScopedFrame,
  type ServerFrame,
  type StatusFrame,
  type WatchItem,
} from "../lib/protocol";
import type { DeskState, LocalMessage, RunPhase, RunView, StepItem, TimelineItem } from "./types";

export type DeskAction =
  | { type: "frames"; frames: readonly ServerFrame[] }
  | { type: "history"; detail: ConversationDetail }
  | { type: "ask"; clientMsgId: string; text: string; queued: boolean; at: string }
  | { type: "sent"; clientMsgIds: readonly string[] }
  | { type: "open"; conversationId: string | null }
  | { type: "watch-loaded"; items: WatchItem[] }
  | { type: "notifications-loaded"; items: Notification[]; unread: number }
  | { type: "gap-handled"; runIds: readonly string[] }
  | { type: "dismiss-notice"; key: string };

export const MAX_NOTICES = 5;
/** Notifications kept on the page (the list reads older ones from the API). */
export const MAX_NOTIFICATIONS = 100;

export function initialState(conversationId: string | null = null): DeskState {
  return {
    conversationId,
    runOrder: [],
    runs: {},
    local: [],
    notices: [],
    gaps: {},
    engine: null,
    ignored: 0,
    watch: { items: null, notifications: [], unread: 0, fresh: [] },
  };
}

export function deskReducer(state: DeskState, action: DeskAction): DeskState {
  switch (action.type) {
    case "frames":
      return applyFrames(state, action.frames);
    case "history":
      return applyHistory(state, action.detail);
    case "ask": {
      const message: LocalMessage = {
        clientMsgId: action.clientMsgId,
        text: action.text,
        state: action.queued ? "queued" : "sent",
        error: null,
        at: action.at,
      };
      return { ...state, local: [...state.local, message] };
    }
    case "sent": {
      const ids = new Set(action.clientMsgIds);
      return {
        ...state,
        local: state.local.map((m) =>
          ids.has(m.clientMsgId) && m.state === "queued" ? { ...m, state: "sent" } : m,
        ),
      };
    }
    case "open":
      return { ...initialState(action.conversationId), engine: state.engine, watch: state.watch };
    case "watch-loaded":
      return { ...state, watch: { ...state.watch, items: action.items } };
    case "notifications-loaded":
      return {
        ...state,
        watch: { ...state.watch, notifications: action.items, unread: action.unread },
      };
    case "gap-handled": {
      const gaps = { ...state.gaps };
      for (const id of action.runIds) delete gaps[id];
      return { ...state, gaps };
    }
    case "dismiss-notice":
      return { ...state, notices: state.notices.filter((n) => n.key !== action.key) };
  }
}

/** Mutable working copy of a state for one batch: each touched run is copied once. */
interface Draft {
  state: DeskState;
  touched: Set<string>;
}

export function applyFrames(state: DeskState, frames: readonly ServerFrame[]): DeskState {
  if (frames.length === 0) return state;
  const draft: Draft = {
    state: { ...state, runs: { ...state.runs }, runOrder: state.runOrder, local: state.local },
    touched: new Set(),
  };
  let changed = false;
  for (const frame of frames) changed = applyFrame(draft, frame) || changed;
  return changed ? draft.state : { ...state, ignored: draft.state.ignored };
}

function applyFrame(draft: Draft, frame: ServerFrame): boolean {
  const s = draft.state;
  if (frame.type === "ping" || frame.type === "pong") return false;
  if (frame.type === "status" && frame.status === "connected") {
    if (frame.engine && frame.engine !== s.engine) {
      s.engine = frame.engine;
      return true;
    }
    return false;
  }
  const position = runSeq(frame);
  if (position === null) return applyLoose(draft, frame);
  const scoped = frame as RunScopedFrame;
  const conversationId = scoped.conversation_id;
  if (typeof conversationId !== "string" || !adoptConversation(s, conversationId)) {
    s.ignored += 1;
    return false;
  }
  const known = s.runs[position.runId];
  if (known?.final && position.seq > known.lastSeq) {
    // Nothing of a run follows its terminal status (protocol invariant 3).
    s.ignored += 1;
    return false;
  }
  const run = draftRun(draft, position.runId, conversationId);
  if (position.seq <= run.lastSeq) {
    s.ignored += 1;
    return false;
  }
  if (position.seq > run.lastSeq + 1) {
    s.gaps = { ...s.gaps, [run.runId]: run.lastSeq };
    s.ignored += 1;
    return true;
  }
  run.lastSeq = position.seq;
  if (scoped.replay) run.replayed = true;
  applyRunFrame(run, scoped);
  return true;
}

/** Frames without a seq: `resync`, and errors that belong to no run's log. */
function applyLoose(draft: Draft, frame: ServerFrame): boolean {
  const s = draft.state;
  if (frame.type === "status" && frame.status === "resync" && frame.run_id) {
    const existing = s.runs[frame.run_id];
    if (!existing) return false;
    const run = draftRun(draft, frame.run_id, existing.conversationId);
    // The whole run follows from seq 1.
    Object.assign(run, freshRun(run.runId, run.conversationId, run.question), {
      statusMessage: frame.message,
    });
    return true;
  }
  if (frame.type === "error") return applyNotice(s, frame);
  if (frame.type === "watchlist") {
    s.watch = { ...s.watch, items: frame.items };
    return true;
  }
  if (frame.type === "notification") {
    const incoming = frame.notification;
    const known = s.watch.notifications.some((n) => n.id === incoming.id);
    const notifications = [incoming, ...s.watch.notifications.filter((n) => n.id !== incoming.id)]
      .sort((a, b) => b.fired_at.localeCompare(a.fired_at))
      .slice(0, MAX_NOTIFICATIONS);
    const fresh = known ? s.watch.fresh : [...s.watch.fresh, incoming.id].slice(-MAX_NOTIFICATIONS);
    s.watch = { ...s.watch, notifications, unread: frame.unread, fresh };
    return true;
  }
  return false;
}

function applyNotice(s: DeskState, frame: ErrorFrame): boolean {
  const key = `${frame.timestamp}-${s.notices.length}-${frame.code}`;
  s.notices = [
    ...s.notices,
    { key, code: frame.code, message: frame.message, details: frame.details },
  ].slice(-MAX_NOTICES);
  // A chat that the server refused: the oldest question in flight is the one refused.
  const index = s.local.findIndex((m) => m.state === "sent");
  if (index >= 0) {
    const detail = frame.details ? `${frame.message} (${frame.details})` : frame.message;
    s.local = s.local.map((m, i) => (i === index ? { ...m, state: "rejected", error: detail } : m));
  }
  return true;
}

function adoptConversation(s: DeskState, conversationId: string): boolean {
  if (s.conversationId === conversationId) return true;
  if (s.conversationId === null && s.local.some((m) => m.state !== "rejected")) {
    s.conversationId = conversationId;
    return true;
  }
  return false;
}

function freshRun(runId: string, conversationId: string, question: string | null): RunView {
  return {
    runId,
    conversationId,
    question,
    phase: "pending",
    statusMessage: "",
    lastSeq: 0,
    final: false,
    replayed: false,
    timeline: [],
    progress: null,
    estimate: null,
    spent: null,
    result: null,
    charts: [],
    startedAt: null,
    endedAt: null,
  };
}

function draftRun(draft: Draft, runId: string, conversationId: string): RunView {
  const s = draft.state;
  const existing = s.runs[runId];
  if (existing && draft.touched.has(runId)) return existing;
  let run: RunView;
  if (existing) {
    run = { ...existing, timeline: existing.timeline.slice(), charts: existing.charts.slice() };
  } else {
    run = freshRun(runId, conversationId, takeQuestion(s));
    s.runOrder = [...s.runOrder, runId];
  }
  s.runs[runId] = run;
  draft.touched.add(runId);
  return run;
}

/** A new run answers the oldest question typed here that is still waiting. */
function takeQuestion(s: DeskState): string | null {
  const index = s.local.findIndex((m) => m.state !== "rejected");
  if (index < 0) return null;
  const message = s.local[index];
  s.local = s.local.filter((_, i) => i !== index);
  return message ? message.text : null;
}

function applyRunFrame(run: RunView, frame: RunScopedFrame): void {
  switch (frame.type) {
    case "status":
      applyStatus(run, frame);
      return;
    case "agent_step":
      applyStep(run, frame);
      return;
    case "tool_call":
      run.timeline.push({
        kind: "tool",
        key: `t-${frame.call_id}`,
        callId: frame.call_id,
        agent: frame.agent,
        toolName: frame.tool_name,
        arguments: frame.arguments as Record<string, unknown>,
        calledAt: frame.timestamp,
        result: null,
      });
      return;
    case "tool_result": {
      const index = findLast(run.timeline, (i) => i.kind === "tool" && i.callId === frame.call_id);
      const result = {
        success: frame.success,
        preview: frame.result_preview,
        durationMs: frame.duration_ms,
        error: frame.error,
      };
      const item = index >= 0 ? run.timeline[index] : undefined;
      if (item && item.kind === "tool") {
        run.timeline[index] = { ...item, result };
      } else {
        run.timeline.push({
          kind: "tool",
          key: `t-${frame.call_id}`,
          callId: frame.call_id,
          agent: "",
          toolName: frame.tool_name,
          arguments: {},
          calledAt: frame.timestamp,
          result,
        });
      }
      return;
    }
    case "progress":
      run.progress = {
        current: frame.current_turn,
        max: frame.max_turns,
        percentage: frame.percentage,
      };
      // Servers from before the LLM team's meter send neither field.
      if (frame.estimate) run.estimate = frame.estimate;
      if (frame.spent) run.spent = frame.spent;
      if (!run.final && run.phase === "pending") run.phase = "processing";
      return;
    case "result":
      run.result = frame;
      return;
    case "chart_generated":
      if (!run.charts.some((c) => c.chart_id === frame.chart_id)) run.charts.push(frame);
      return;
    case "error":
      run.timeline.push({
        kind: "error",
        key: `e-${frame.seq ?? run.timeline.length}`,
        code: frame.code,
        message: frame.message,
        details: frame.details,
        recoverable: frame.recoverable,
        at: frame.timestamp,
      });
      return;
  }
}

function applyStatus(run: RunView, frame: StatusFrame): void {
  run.statusMessage = frame.message;
  if (frame.status === "initializing" || frame.status === "processing") {
    run.phase = frame.status;
    run.startedAt ??= frame.timestamp;
  }
  if (TERMINAL.has(frame.status) || frame.final) {
    run.phase = frame.status as RunPhase;
    run.final = true;
    run.endedAt = frame.timestamp;
    if (frame.status !== "completed") {
      run.timeline.push({
        kind: "status",
        key: `s-${frame.seq ?? "final"}`,
        status: frame.status,
        message: frame.message,
        at: frame.timestamp,
      });
    }
  }
}

function applyStep(run: RunView, frame: AgentStepFrame): void {
  if (!run.final && (run.phase === "pending" || run.phase === "initializing")) {
    run.phase = "processing";
  }
  const index = findLast(run.timeline, (i) => i.kind === "step" && i.stepId === frame.step_id);
  const item = index >= 0 ? run.timeline[index] : undefined;
  const step: StepItem | undefined = item?.kind === "step" ? item : undefined;
  if (!step) {
    run.timeline.push({
      kind: "step",
      key: `a-${frame.step_id}-${frame.seq}`,
      stepId: frame.step_id,
      agent: frame.agent,
      emoji: frame.emoji,
      state: frame.status,
      instruction: frame.delta ? "" : frame.message,
      streamed: frame.delta ?? "",
      outcome: frame.status === "working" ? null : frame.message,
      startedAt: frame.timestamp,
      endedAt: frame.status === "working" ? null : frame.timestamp,
    });
    return;
  }
  const next: StepItem = { ...step, state: frame.status };
  if (frame.delta) next.streamed = step.streamed + frame.delta;
  else if (frame.status === "working" && !step.instruction) next.instruction = frame.message;
  if (frame.status !== "working") {
    next.outcome = frame.message;
    next.endedAt = frame.timestamp;
  }
  run.timeline[index] = next;
}

function findLast(items: TimelineItem[], predicate: (item: TimelineItem) => boolean): number {
  for (let i = items.length - 1; i >= 0; i -= 1) {
    const item = items[i];
    if (item && predicate(item)) return i;
  }
  return -1;
}

function applyHistory(state: DeskState, detail: ConversationDetail): DeskState {
  if (state.conversationId !== null && state.conversationId !== detail.id) return state;
  const runs = { ...state.runs };
  for (const out of detail.runs) {
    const existing = runs[out.id];
    if (!existing) {
      const run = freshRun(out.id, detail.id, out.question);
      run.phase = historyPhase(out.status);
      run.startedAt = out.created_at;
      runs[out.id] = run;
    } else if (existing.question === null) {
      runs[out.id] = { ...existing, question: out.question };
    }
  }
  const ordered = detail.runs.map((r) => r.id);
  const known = new Set(ordered);
  const runOrder = [...ordered, ...state.runOrder.filter((id) => !known.has(id))];
  return { ...state, conversationId: detail.id, runs, runOrder };
}

function historyPhase(status: string): RunPhase {
  switch (status) {
    case "running":
    case "completed":
    case "cancelled":
    case "failed":
    case "pending":
      return status;
    default:
      return "pending";
  }
}

/** Selectors. */
export function orderedRuns(state: DeskState): RunView[] {
  return state.runOrder.flatMap((id) => {
    const run = state.runs[id];
    return run ? [run] : [];
  });
}

export function activeRun(state: DeskState): RunView | null {
  const runs = orderedRuns(state);
  for (let i = runs.length - 1; i >= 0; i -= 1) {
    const run = runs[i];
    if (run && !run.final && run.phase !== "completed" && run.phase !== "cancelled" && run.phase !== "failed") {
      return run;
    }
  }
  return null;
}
