/**
 * Wires the reducer, the connection and REST history together. The current conversation id lives
 * in the URL hash (`#/c/<id>`), so a reload reopens it: its runs come back from REST through the
 * same reducer, and the socket follows the conversation to continue a run that is still going.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { useWebSocket, type DeskConnection } from "../features/connection/useWebSocket";
import { resumeTarget } from "./resume";
import { api, ApiError } from "../lib/api";
import { newId } from "../lib/ids";
import { MAX_MESSAGE_CHARS, parseFrame, type ServerFrame } from "../lib/protocol";
import { activeRun, deskReducer, initialState } from "../state/reducer";
import type { DeskState } from "../state/types";

const HASH = /^#\/c\/([A-Za-z0-9_-]{1,64})$/;

export function conversationFromHash(hash: string): string | null {
  return HASH.exec(hash)?.[1] ?? null;
}

function writeHash(conversationId: string | null): void {
  const hash = conversationId ? `#/c/${conversationId}` : "";
  if (window.location.hash === hash || (!hash && !window.location.hash)) return;
  const url = `${window.location.pathname}${window.location.search}${hash}`;
  window.history.pushState(null, "", url);
}

export interface Desk {
  state: DeskState;
  connection: DeskConnection;
  loading: boolean;
  loadError: string | null;
  ask: (text: string) => boolean;
  cancel: () => void;
  open: (conversationId: string | null) => void;
  dismissNotice: (key: string) => void;
}

export function useDesk(): Desk {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(
    deskReducer,
    conversationFromHash(window.location.hash),
    initialState,
  );
  const stateRef = useRef(state);
  stateRef.current = state;
  const [opened, setOpened] = useState({ id: state.conversationId, n: 0 });
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);

  const connection = useWebSocket({
    target: () => resumeTarget(stateRef.current),
    onFrames: (frames) => dispatch({ type: "frames", frames }),
    onSent: (ids) => dispatch({ type: "sent", clientMsgIds: ids }),
    acks: () =>
      Object.fromEntries(Object.values(stateRef.current.runs).map((r) => [r.runId, r.lastSeq])),
  });
  const { reconnect, ack, queued, sendChat, cancel: cancelRun } = connection;
  const online = connection.state.phase === "open";

  // Opening a conversation: follow it on a fresh socket, and load its past runs.
  useEffect(() => {
    if (opened.n > 0) reconnect();
    const id = opened.id;
    if (!id) return;
    let cancelled = false;
    setLoading(true);
    setLoadError(null);
    loadConversation(id, (action) => {
      if (!cancelled) dispatch(action);
    })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404) {
          setLoadError("That conversation no longer exists.");
          writeHash(null);
          setOpened((o) => ({ id: null, n: o.n + 1 }));
          dispatch({ type: "open", conversationId: null });
        } else {
          setLoadError(error instanceof Error ? error.message : String(error));
        }
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [opened, reconnect]);

  // A new conversation got its id from its first run: keep it in the URL.
  useEffect(() => {
    if (state.conversationId && conversationFromHash(window.location.hash) !== state.conversationId) {
      writeHash(state.conversationId);
      void queryClient.invalidateQueries({ queryKey: ["conversations"] });
    }
  }, [state.conversationId, queryClient]);

  // A gap in a run's seq: resume it after the last frame applied.
  useEffect(() => {
    const runIds = Object.keys(state.gaps);
    if (runIds.length === 0) return;
    reconnect();
    dispatch({ type: "gap-handled", runIds });
  }, [state.gaps, reconnect]);

  // Chats the server answered (with a run or an error) leave the outbox.
  useEffect(() => {
    const waiting = new Set(state.local.filter((m) => m.state !== "rejected").map((m) => m.clientMsgId));
    for (const id of queued()) if (!waiting.has(id)) ack(id);
  }, [state.local, ack, queued]);

  // Finished runs change titles and counts in the history list.
  const finished = Object.values(state.runs).filter((r) => r.final).length;
  useEffect(() => {
    if (finished > 0) void queryClient.invalidateQueries({ queryKey: ["conversations"] });
  }, [finished, queryClient]);

  // Back/forward between conversations.
  useEffect(() => {
    const onHash = () => {
      const id = conversationFromHash(window.location.hash);
      if (id !== stateRef.current.conversationId) {
        dispatch({ type: "open", conversationId: id });
        setOpened((o) => ({ id, n: o.n + 1 }));
      }
    };
    window.addEventListener("popstate", onHash);
    return () => window.removeEventListener("popstate", onHash);
  }, []);

  const open = useCallback((id: string | null) => {
    writeHash(id);
    dispatch({ type: "open", conversationId: id });
    setOpened((o) => ({ id, n: o.n + 1 }));
  }, []);

  const ask = useCallback(
    (text: string): boolean => {
      const current = stateRef.current;
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
    [online, sendChat],
  );

  const cancel = useCallback(() => {
    const run = activeRun(stateRef.current);
    cancelRun(run ? run.runId : null);
  }, [cancelRun]);

  const dismissNotice = useCallback((key: string) => dispatch({ type: "dismiss-notice", key }), []);

  return { state, connection, loading, loadError, ask, cancel, open, dismissNotice };
}

type Dispatch = (
  action: { type: "history"; detail: Awaited<ReturnType<typeof api.conversation>> } | {
    type: "frames";
    frames: ServerFrame[];
  },
) => void;

/** A conversation's runs, each from its stored frames, through the reducer like live frames. */
async function loadConversation(id: string, dispatch: Dispatch): Promise<void> {
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
