/** Asking and cancelling: one question at a time; offline, a question waits in the outbox. */
import { useCallback, type Dispatch } from "react";
import { newId } from "../../lib/ids";
import { MAX_MESSAGE_CHARS, type ChatFrame } from "../../lib/protocol";
import { useLatest } from "../../lib/useLatest";
import { activeRun, type DeskAction } from "../../state/reducer";
import type { DeskState } from "../../state/types";

interface Options {
  state: DeskState;
  dispatch: Dispatch<DeskAction>;
  online: boolean;
  sendChat: (frame: ChatFrame) => boolean;
  cancelRun: (runId: string | null) => void;
}

export function useAsk({ state, dispatch, online, sendChat, cancelRun }: Options) {
  const latest = useLatest(state);

  const ask = useCallback(
    (text: string): boolean => {
      const current = latest.current;
      const message = text.trim();
      if (!message || message.length > MAX_MESSAGE_CHARS) return false;
      if (activeRun(current) || current.local.some((m) => m.state !== "rejected")) return false;
      const clientMsgId = newId();
      dispatch({
        type: "ask",
        clientMsgId,
        text: message,
        queued: !online,
        at: new Date().toISOString(),
      });
      sendChat({
        type: "chat",
        payload: {
          message,
          client_msg_id: clientMsgId,
          ...(current.conversationId ? { conversation_id: current.conversationId } : {}),
        },
      });
      return true;
    },
    [latest, dispatch, online, sendChat],
  );

  const cancel = useCallback(() => {
    const run = activeRun(latest.current);
    cancelRun(run ? run.runId : null);
  }, [latest, cancelRun]);

  return { ask, cancel };
}
