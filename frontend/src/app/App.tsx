/**
 * The desk: the conversation (answers in it) beside a chart workspace on wide screens, one column
 * on phones. History opens on the left, the full agent timeline on the right, settings in a dialog.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { Drawer } from "../components/Drawer";
import { ChartWorkspace } from "../features/charts/ChartWorkspace";
import { useWorkspace } from "../features/charts/useWorkspace";
import { ConnectionBanner } from "../features/connection/ConnectionBanner";
import { HistoryList } from "../features/history/HistoryList";
import { TrackRecord } from "../features/record/TrackRecord";
import { SettingsDialog } from "../features/settings/SettingsDialog";
import { useTheme } from "../features/settings/theme";
import { READINESS_KEY, useReadiness } from "../features/status/useReadiness";
import { TimelinePanel } from "../features/timeline/TimelinePanel";
import { AlertDialog, type AlertDraft } from "../features/watch/AlertDialog";
import { watchApi } from "../features/watch/api";
import { useBrowserNotifications } from "../features/watch/browserNotifications";
import { NotificationsPanel } from "../features/watch/NotificationsPanel";
import { WatchlistPanel } from "../features/watch/WatchlistPanel";
import { toLogin } from "../lib/api";
import { CloseCode } from "../lib/protocol";
import { useMediaQuery } from "../lib/useMediaQuery";
import { activeRun, orderedRuns } from "../state/reducer";
import { Conversation } from "./Conversation";
import { Header } from "./Header";
import { useDesk } from "./useDesk";

/** From this width the chart workspace stands beside the conversation. */
const WIDE = "(min-width: 1024px)";

type Panel = "history" | "timeline" | "watchlist" | "notifications" | null;

/** What an answer's watcher card does: the API calls, the same as the watchlist's. */
const WATCH_CALLBACKS = {
  onConfirm: async (id: string) => void (await watchApi.setAlertStatus(id, "active")),
  onDismiss: async (id: string) => void (await watchApi.deleteAlert(id)),
  onUndoWatch: async (coinId: string) => void (await watchApi.unwatch(coinId)),
};

export function App() {
  const desk = useDesk();
  const { state, connection } = desk;
  const [theme, toggleTheme] = useTheme();
  const wide = useMediaQuery(WIDE);
  const [panel, setPanel] = useState<Panel>(null);
  const [panelRun, setPanelRun] = useState<string | null>(null);
  const [showSettings, setShowSettings] = useState(false);
  const [showRecord, setShowRecord] = useState(false);
  const [alertDraft, setAlertDraft] = useState<AlertDraft | null>(null);
  useBrowserNotifications(state.watch.notifications, state.watch.fresh);
  const alertOn = useCallback((symbol: string, kind: "level_cross", value: number) => {
    setAlertDraft({ symbol, kind, value });
  }, []);
  const readiness = useReadiness();
  const queryClient = useQueryClient();

  // Behind an access token, a socket closed as unauthorized (4401) means the session is gone.
  const closedCode = connection.state.phase === "closed" ? connection.state.code : null;
  useEffect(() => {
    if (closedCode === CloseCode.UNAUTHORIZED) toLogin();
  }, [closedCode]);

  const runs = useMemo(() => orderedRuns(state), [state]);
  const active = activeRun(state);
  const charts = useMemo(() => runs.flatMap((r) => r.charts), [runs]);
  const workspace = useWorkspace(charts);
  const busy = active !== null || state.local.some((m) => m.state !== "rejected");

  // A run may have changed what the market data is (a fallback); settings change it too.
  const finished = runs.filter((r) => r.final).length;
  const refreshStatus = useCallback(() => void queryClient.invalidateQueries({ queryKey: READINESS_KEY }), [queryClient]);
  useEffect(() => {
    if (finished > 0) refreshStatus();
  }, [finished, refreshStatus]);

  const { open: openConversation } = desk;
  const { clear: clearWorkspace } = workspace;
  const open = useCallback(
    (id: string | null) => {
      openConversation(id);
      clearWorkspace();
      setPanel(null);
      setPanelRun(null);
      setShowRecord(false);
    },
    [openConversation, clearWorkspace],
  );
  // A change of settings applies to the next run: a fresh `connected` frame names its engine
  // (a run in progress resumes on the new socket where it stopped).
  const { reconnect } = connection;
  const settingsApplied = useCallback(() => {
    reconnect();
    refreshStatus();
  }, [reconnect, refreshStatus]);
  const openTimeline = useCallback((runId: string) => {
    setPanelRun(runId);
    setPanel("timeline");
  }, []);
  const timelineRun = (panelRun ? state.runs[panelRun] : undefined) ?? runs.at(-1) ?? null;

  return (
    <div className={`app ${wide ? "wide" : "narrow"}`}>
      <Header
        engine={state.engine}
        readiness={readiness.data}
        connection={connection.state}
        theme={theme}
        historyOpen={panel === "history"}
        recordOpen={showRecord}
        onHistory={() => setPanel((p) => (p === "history" ? null : "history"))}
        onRecord={() => setShowRecord((shown) => !shown)}
        onNew={() => open(null)}
        onTimeline={() => {
          setPanelRun(null);
          setPanel((p) => (p === "timeline" ? null : "timeline"));
        }}
        onSettings={() => setShowSettings(true)}
        onTheme={toggleTheme}
        unread={state.watch.unread}
        onWatchlist={() => setPanel((p) => (p === "watchlist" ? null : "watchlist"))}
        onNotifications={() => setPanel((p) => (p === "notifications" ? null : "notifications"))}
      />
      <ConnectionBanner state={connection.state} onRetry={connection.reconnect} />
      {desk.loadError && (
        <div className="banner closed" role="alert">
          {desk.loadError}
        </div>
      )}
      {showRecord && (
        <main className="record-page">
          <TrackRecord onBack={() => setShowRecord(false)} onOpenRun={(conversationId) => open(conversationId)} />
        </main>
      )}
      <main className="desk" hidden={showRecord}>
        <Conversation
          conversationId={state.conversationId}
          runs={runs}
          local={state.local}
          notices={state.notices}
          busy={busy}
          running={active !== null}
          online={connection.state.phase === "open"}
          wide={wide}
          theme={theme}
          workspace={workspace}
          onAsk={desk.ask}
          onCancel={desk.cancel}
          onDismiss={desk.dismissNotice}
          onOpenTimeline={openTimeline}
          onAlert={alertOn}
          watch={WATCH_CALLBACKS}
        />
        {wide && <ChartWorkspace workspace={workspace} theme={theme} />}
      </main>
      <Drawer side="left" title="History" open={panel === "history"} onClose={() => setPanel(null)} testId="history-drawer">
        <HistoryList currentId={state.conversationId} onOpen={open} />
      </Drawer>
      <Drawer side="right" title="Agent timeline" open={panel === "timeline"} onClose={() => setPanel(null)} testId="timeline-drawer">
        <TimelinePanel run={timelineRun} />
      </Drawer>
      <Drawer side="right" title="Watchlist" open={panel === "watchlist"} onClose={() => setPanel(null)} testId="watchlist-drawer">
        <WatchlistPanel
          items={state.watch.items}
          onAlert={(symbol, price) => setAlertDraft({ symbol, kind: "price_above", value: price ? Number((price * 1.05).toPrecision(4)) : null })}
        />
      </Drawer>
      <Drawer side="right" title="Notifications" open={panel === "notifications"} onClose={() => setPanel(null)} testId="notifications-drawer">
        <NotificationsPanel
          notifications={state.watch.notifications}
          unread={state.watch.unread}
          onOpenConversation={(id) => open(id)}
          onMarkRead={desk.markAllRead}
        />
      </Drawer>
      <AlertDialog draft={alertDraft} onClose={() => setAlertDraft(null)} />
      <SettingsDialog open={showSettings} onClose={() => setShowSettings(false)} onApplied={settingsApplied} />
      {desk.loading && (
        <span className="sr-only" role="status">
          Loading conversation…
        </span>
      )}
    </div>
  );
}
