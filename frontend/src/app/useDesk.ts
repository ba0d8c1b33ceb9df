/**
 * The desk's state: one frame reducer fed by the socket (live and replayed frames) and by REST
 * history, the conversation in the URL, and the actions the page offers.
 */
import { useCallback, useReducer } from "react";
import { useAsk } from "../features/chat/useAsk";
import { useRunStream } from "../features/connection/useRunStream";
import { useWatchData } from "../features/watch/useWatchData";
import type { DeskConnection } from "../features/connection/useWebSocket";
import {
  useConversationListRefresh,
  useConversationLoader,
} from "../features/history/useConversationLoader";
import { deskReducer, initialState } from "../state/reducer";
import type { DeskState } from "../state/types";
import { conversationFromHash, useConversationRoute } from "./useConversationRoute";

export interface Desk {
  state: DeskState;
  connection: DeskConnection;
  loading: boolean;
  loadError: string | null;
  ask: (text: string) => boolean;
  cancel: () => void;
  open: (conversationId: string | null) => void;
  dismissNotice: (key: string) => void;
  markAllRead: () => Promise<void>;
}

export function useDesk(): Desk {
  const [state, dispatch] = useReducer(
    deskReducer,
    conversationFromHash(window.location.hash),
    initialState,
  );
  const connection = useRunStream(state, dispatch);
  const { opened, open } = useConversationRoute(state.conversationId, dispatch);
  const { reconnect } = connection;
  const { loading, loadError } = useConversationLoader({
    opened,
    dispatch,
    reconnect,
    onMissing: () => open(null),
  });
  useConversationListRefresh(state);
  const markAllRead = useWatchData(connection.state.phase === "open", dispatch);

  const { ask, cancel } = useAsk({
    state,
    dispatch,
    online: connection.state.phase === "open",
    sendChat: connection.sendChat,
    cancelRun: connection.cancel,
  });
  const dismissNotice = useCallback(
    (key: string) => dispatch({ type: "dismiss-notice", key }),
    [],
  );

  return { state, connection, loading, loadError, ask, cancel, open, dismissNotice, markAllRead };
}
