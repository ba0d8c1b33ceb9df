/**
 * The current conversation lives in the URL hash (`#/c/<id>`): a reload reopens it, back and
 * forward move between conversations. `opened` changes each time a conversation is opened (the
 * same one again too), which reloads its runs and follows it on a fresh socket.
 */
import { useCallback, useEffect, useState, type Dispatch } from "react";
import { useLatest } from "../lib/useLatest";
import type { DeskAction } from "../state/reducer";

const HASH = /^#\/c\/([A-Za-z0-9_-]{1,64})$/;

export interface Opened {
  id: string | null;
  /** How many times a conversation was opened on this page (0: the one the page loaded with). */
  n: number;
}

export function conversationFromHash(hash: string): string | null {
  return HASH.exec(hash)?.[1] ?? null;
}

function writeHash(conversationId: string | null): void {
  const hash = conversationId ? `#/c/${conversationId}` : "";
  if (window.location.hash === hash || (!hash && !window.location.hash)) return;
  const url = `${window.location.pathname}${window.location.search}${hash}`;
  window.history.pushState(null, "", url);
}

export function useConversationRoute(
  conversationId: string | null,
  dispatch: Dispatch<DeskAction>,
): { opened: Opened; open: (id: string | null) => void } {
  const [opened, setOpened] = useState<Opened>({ id: conversationId, n: 0 });
  const current = useLatest(conversationId);

  const open = useCallback(
    (id: string | null) => {
      writeHash(id);
      dispatch({ type: "open", conversationId: id });
      setOpened((o) => ({ id, n: o.n + 1 }));
    },
    [dispatch],
  );

  // A new conversation got its id from its first run: keep it in the URL.
  useEffect(() => {
    if (conversationId && conversationFromHash(window.location.hash) !== conversationId) {
      writeHash(conversationId);
    }
  }, [conversationId]);

  // Back/forward between conversations.
  useEffect(() => {
    const onPop = () => {
      const id = conversationFromHash(window.location.hash);
      if (id === current.current) return;
      dispatch({ type: "open", conversationId: id });
      setOpened((o) => ({ id, n: o.n + 1 }));
    };
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, [dispatch, current]);

  return { opened, open };
}
