/**
 * Opening a conversation follows it on a fresh socket and loads its past runs from REST, each from its stored frames, through the
 * same reducer as live frames. The conversation list is refreshed when a conversation starts or
 * a run finishes (titles and counts change).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type Dispatch } from "react";
import { useLatest } from "../../lib/useLatest";
import { api, ApiError } from "../../lib/api";
import { parseFrame } from "../../lib/protocol";
import type { DeskAction } from "../../state/reducer";
import type { DeskState } from "../../state/types";

export const CONVERSATIONS_KEY = ["conversations"] as const;

interface Options {
  /** The conversation to load, and a counter that changes each time it is opened. */
  opened: { id: string | null; n: number };
  dispatch: Dispatch<DeskAction>;
  /** Opens a fresh socket, which follows the conversation now in the state. */
  reconnect: () => void;
  /** Called when the conversation no longer exists (deleted elsewhere). */
  onMissing: () => void;
}

interface Outcome {
  opened: Options["opened"];
  error: string | null;
  missing: boolean;
}

export function useConversationLoader({ opened, dispatch, reconnect, onMissing }: Options) {
  // What became of the last opening: loading is over when it is the current one.
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const latestMissing = useLatest(onMissing);

  useEffect(() => {
    // Not for the conversation the page loaded with: the first socket already follows it.
    if (opened.n > 0) reconnect();
    const id = opened.id;
    if (!id) return;
    let cancelled = false;
    loadConversation(id, (action) => {
      if (!cancelled) dispatch(action);
    })
      .then(() => {
        if (!cancelled) setOutcome({ opened, error: null, missing: false });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404) {
          setOutcome({ opened, error: "That conversation no longer exists.", missing: true });
          latestMissing.current();
        } else {
          setOutcome({ opened, error: error instanceof Error ? error.message : String(error), missing: false });
        }
      });
    return () => {
      cancelled = true;
    };
  }, [opened, dispatch, reconnect, latestMissing]);

  const settled = outcome !== null && outcome.opened === opened;
  // A missing conversation opens a new one: its message stays through that opening too.
  const shownUntil = outcome ? outcome.opened.n + (outcome.missing ? 1 : 0) : -1;
  return {
    loading: opened.id !== null && !settled,
    loadError: outcome && opened.n <= shownUntil ? outcome.error : null,
  };
}

/** Keeps the history list in step with this page: a new conversation, a finished run. */
export function useConversationListRefresh(state: DeskState): void {
  const queryClient = useQueryClient();
  const finished = Object.values(state.runs).filter((r) => r.final).length;
  useEffect(() => {
    if (state.conversationId || finished > 0) {
      void queryClient.invalidateQueries({ queryKey: CONVERSATIONS_KEY });
    }
  }, [state.conversationId, finished, queryClient]);
}

async function loadConversation(id: string, dispatch: Dispatch<DeskAction>): Promise<void> {
  const detail = await api.conversation(id);
  dispatch({ type: "history", detail });
  const pages = await Promise.all(detail.runs.map((run) => api.runEvents(run.id)));
  for (const page of pages) {
    const frames = page.events.flatMap((event) => {
      const frame = parseFrame(event);
      return frame ? [frame] : [];
    });
    dispatch({ type: "frames", frames });
  }
}
