/** UI state of one conversation, built by `deskReducer` from protocol frames only. */
import type { ChartGeneratedFrame, EstimateModel, Notification, ResultFrame, UsageModel, WatchItem } from "../lib/protocol";

export type RunPhase =
  | "pending"
  | "initializing"
  | "processing"
  | "running"
  | "completed"
  | "cancelled"
  | "failed";

export interface StepItem {
  kind: "step";
  key: string;
  stepId: string;
  agent: string;
  emoji: string;
  state: "working" | "completed" | "error";
  instruction: string;
  /** Text streamed with `delta`, in arrival order. */
  streamed: string;
  /** The message of the step's completing (or failing) frame. */
  outcome: string | null;
  startedAt: string;
  endedAt: string | null;
}

export interface ToolItem {
  kind: "tool";
  key: string;
  callId: string;
  agent: string;
  toolName: string;
  arguments: Record<string, unknown>;
  calledAt: string;
  result: {
    success: boolean;
    preview: string;
    durationMs: number;
    error: string | null;
  } | null;
}

export interface ErrorItem {
  kind: "error";
  key: string;
  code: string;
  message: string;
  details: string | null;
  recoverable: boolean;
  at: string;
}

export interface StatusItem {
  kind: "status";
  key: string;
  status: string;
  message: string;
  at: string;
}

export type TimelineItem = StepItem | ToolItem | ErrorItem | StatusItem;

export interface Progress {
  current: number;
  max: number;
  percentage: number;
}

export interface RunView {
  runId: string;
  conversationId: string;
  question: string | null;
  phase: RunPhase;
  statusMessage: string;
  /** The highest `seq` applied; frames are applied only when `seq === lastSeq + 1`. */
  lastSeq: number;
  final: boolean;
  replayed: boolean;
  timeline: TimelineItem[];
  progress: Progress | null;
  /** What the LLM team expected the run to spend, sent before its first LLM call. */
  estimate: EstimateModel | null;
  /** The LLM spend so far (the live meter), from the latest `progress` that carried it. */
  spent: UsageModel | null;
  result: ResultFrame | null;
  charts: ChartGeneratedFrame[];
  startedAt: string | null;
  endedAt: string | null;
}

/** A question typed here, not yet tied to a run. */
export interface LocalMessage {
  clientMsgId: string;
  text: string;
  state: "queued" | "sent" | "rejected";
  error: string | null;
  at: string;
}

/** An error that belongs to no run (bad input, rate limit, one run at a time...). */
export interface Notice {
  key: string;
  code: string;
  message: string;
  details: string | null;
}

/** What the watcher pushes to every page: the watchlist and the notifications. It outlives a
 * conversation (opening another keeps it). */
export interface WatchState {
  /** null until the list was read (REST) or pushed (a `watchlist` frame). */
  items: WatchItem[] | null;
  /** Newest first. */
  notifications: Notification[];
  unread: number;
  /** Ids of notifications pushed live on this page (the browser may announce them). */
  fresh: string[];
}

export interface DeskState {
  conversationId: string | null;
  runOrder: string[];
  runs: Record<string, RunView>;
  local: LocalMessage[];
  notices: Notice[];
  /** Runs whose stream skipped a `seq`: runId -> the last applied seq to resume after. */
  gaps: Record<string, number>;
  engine: string | null;
  /** Frames seen but not applied (duplicates and gaps); shown in tests and the bench. */
  ignored: number;
  watch: WatchState;
}
