/** The watchlist and the notifications from the API when the page connects (and reconnects:
 * frames pushed while it was away are not replayed); later changes arrive as frames. */
import { useCallback, useEffect, type Dispatch } from "react";
import type { DeskAction } from "../../state/reducer";
import { watchApi } from "./api";

export function useWatchData(online: boolean, dispatch: Dispatch<DeskAction>): () => Promise<void> {
  useEffect(() => {
    if (!online) return;
    let live = true;
    watchApi.watchlist().then(
      (list) => live && dispatch({ type: "watch-loaded", items: list.items }),
      () => undefined, // the next frame brings it
    );
    watchApi.notifications().then(
      (page) => live && dispatch({ type: "notifications-loaded", items: page.items, unread: page.unread }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [online, dispatch]);

  /** Marks every notification read, then shows the list as the server has it. */
  return useCallback(async () => {
    await watchApi.markRead(null);
    const page = await watchApi.notifications();
    dispatch({ type: "notifications-loaded", items: page.items, unread: page.unread });
  }, [dispatch]);
}
