import type { ResumeTarget } from "./socket";
import { activeRun } from "../../state/reducer";
import type { DeskState } from "../../state/types";

/** Where the next connection starts: a run with a gap, the active run, or the conversation. */
export function resumeTarget(state: DeskState): ResumeTarget {
  const gap = Object.entries(state.gaps)[0];
  if (gap) return { runId: gap[0], afterSeq: gap[1] };
  const active = activeRun(state);
  if (active) return { runId: active.runId, afterSeq: active.lastSeq };
  return state.conversationId ? { conversationId: state.conversationId } : null;
}
