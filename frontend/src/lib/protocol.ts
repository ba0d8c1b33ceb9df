/** Names over the generated protocol types (src/types/protocol.ts): nothing here is hand-copied. */
import type {
  AgentStepFrame,
  ChartGeneratedFrame,
  ChatFrame,
  ErrorFrame,
  EstimateModel,
  Grounding,
  Outlook,
  ResultFrame,
  ServerFrame,
  StatusFrame,
  ToolCallFrame,
  ToolResultFrame,
  ProgressFrame,
  UsageModel,
  NotificationFrame,
  WatchlistFrame,
  WatchItem,
  Notification,
  WatchAction,
} from "../types/protocol";

export type {
  EstimateModel,
  Grounding,
  UsageModel,
  NotificationFrame,
  WatchlistFrame,
  WatchItem,
  Notification,
  WatchAction,
  AgentStepFrame,
  ChartGeneratedFrame,
  ChatFrame,
  ErrorFrame,
  ResultFrame,
  ServerFrame,
  StatusFrame,
  ToolCallFrame,
  ToolResultFrame,
  ProgressFrame,
};
export type {
  CancelFrame,
  PingFrame,
  ClientFrame,
  Horizon,
  OutlookLevel,
  OutlookSignal,
  Scenario,
} from "../types/protocol";
export type { Outlook };
export type AnswerKind = NonNullable<ResultFrame["answer_kind"]>;

/** Limits from docs/protocol.md ("Limits and bad input"). */
export const MAX_MESSAGE_CHARS = 8000;

export type RunScopedFrame =
  | StatusFrame
  | AgentStepFrame
  | ToolCallFrame
  | ToolResultFrame
  | ProgressFrame
  | ResultFrame
  | ChartGeneratedFrame
  | ErrorFrame;

export type TerminalStatus = "completed" | "cancelled" | "failed";
export const TERMINAL: ReadonlySet<string> = new Set(["completed", "cancelled", "failed"]);

/** Close codes, and those after which the client reconnects: generated from the protocol. */
export { CloseCode, RECONNECT_CODES } from "../types/closeCodes";

/** A frame of a run's log: it has a run id and a sequence number. */
export function runSeq(frame: ServerFrame): { runId: string; seq: number } | null {
  if (!("run_id" in frame) || !("seq" in frame)) return null;
  const { run_id: runId, seq } = frame;
  if (typeof runId !== "string" || typeof seq !== "number") return null;
  return { runId, seq };
}

/** Parses a frame from the wire or from REST history; null when it is not a known frame. */
export function parseFrame(data: unknown): ServerFrame | null {
  const value: unknown = typeof data === "string" ? safeJson(data) : data;
  if (value === null || typeof value !== "object") return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === "string" && FRAME_TYPES.has(type) ? (value as ServerFrame) : null;
}

const FRAME_TYPES = new Set([
  "status",
  "agent_step",
  "tool_call",
  "tool_result",
  "progress",
  "result",
  "chart_generated",
  "error",
  "pong",
  "ping",
  "watchlist",
  "notification",
]);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
