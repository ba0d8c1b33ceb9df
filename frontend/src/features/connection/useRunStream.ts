/**
 * The socket wired to the frame reducer: frames in (batched), the resume point out (a run with a
 * gap, the active run, or the conversation), acks of the frames applied, and the outbox emptied
 * of the chats the server answered.
 */
import { useEffect, type Dispatch } from "react";
import { useLatest } from "../../lib/useLatest";
import type { DeskAction } from "../../state/reducer";
import type { DeskState } from "../../state/types";
import { resumeTarget } from "./resume";
import { useWebSocket, type DeskConnection } from "./useWebSocket";

export function useRunStream(state: DeskState, dispatch: Dispatch<DeskAction>): DeskConnection {
  const latest = useLatest(state);
  const connection = useWebSocket({
    target: () => resumeTarget(latest.current),
    onFrames: (frames) => dispatch({ type: "frames", frames }),
    onSent: (ids) => dispatch({ type: "sent", clientMsgIds: ids }),
    acks: () =>
      Object.fromEntries(Object.values(latest.current.runs).map((r) => [r.runId, r.lastSeq])),
  });
  const { reconnect, ack, queued } = connection;

  // A gap in a run's seq: resume it after the last frame applied.
  useEffect(() => {
    const runIds = Object.keys(state.gaps);
    if (runIds.length === 0) return;
    reconnect();
    dispatch({ type: "gap-handled", runIds });
  }, [state.gaps, reconnect, dispatch]);

  // Chats the server answered (with a run or an error) leave the outbox.
  useEffect(() => {
    const waiting = new Set(
      state.local.filter((m) => m.state !== "rejected").map((m) => m.clientMsgId),
    );
    for (const id of queued()) if (!waiting.has(id)) ack(id);
  }, [state.local, ack, queued]);

  return connection;
}
