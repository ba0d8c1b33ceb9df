import { useEffect, useMemo, useState } from "react";
import { Badge } from "../components/Badge";
import { ChatPanel } from "../features/chat/ChatPanel";
import { ChartsPanel } from "../features/charts/ChartsPanel";
import { ConnectionBanner, ConnectionDot } from "../features/connection/ConnectionBanner";
import { HistorySidebar } from "../features/history/HistorySidebar";
import { ReportPanel, engineLabel } from "../features/report/ReportPanel";
import { SettingsDialog } from "../features/settings/SettingsDialog";
import { useTheme } from "../features/settings/theme";
import { toLogin } from "../lib/api";
import { TimelinePanel } from "../features/timeline/TimelinePanel";
import { activeRun, orderedRuns } from "../state/reducer";
import { useDesk } from "./useDesk";

const WIDE = "(min-width: 1500px)";

export function App() {
  const desk = useDesk();
  const { state, connection } = desk;
  const [theme, toggleTheme] = useTheme();
  const [showHistory, setShowHistory] = useState(() => window.matchMedia(WIDE).matches);
  const [pickedRun, setPickedRun] = useState<string | null>(null);
  const [showSettings, setShowSettings] = useState(false);
  // A change of settings applies to the next run: a fresh `connected` frame names its engine
  // (a run in progress resumes on the new socket where it stopped).
  const settingsApplied = connection.reconnect;
  // Behind an access token, a socket closed with 4401 means the session is gone.
  const closedCode = connection.state.phase === "closed" ? connection.state.code : null;
  useEffect(() => {
    if (closedCode === 4401) toLogin();
  }, [closedCode]);

  const runs = useMemo(() => orderedRuns(state), [state]);
  const active = activeRun(state);
  const latest = runs.at(-1) ?? null;
  // The timeline and report follow the newest run unless an earlier one was picked.
  const selected = (pickedRun ? state.runs[pickedRun] : undefined) ?? latest;
  useEffect(() => setPickedRun(null), [latest?.runId, state.conversationId]);
  const charts = useMemo(() => runs.flatMap((r) => r.charts), [runs]);
  const busy = active !== null || state.local.some((m) => m.state !== "rejected");
  const online = connection.state.phase === "open";

  const openConversation = (id: string | null) => {
    desk.open(id);
    if (!window.matchMedia(WIDE).matches) setShowHistory(false);
  };

  return (
    <div className="app">
      <header className="topbar">
        <button
          type="button"
          className="btn"
          aria-expanded={showHistory}
          aria-controls="history-column"
          onClick={() => setShowHistory((v) => !v)}
          data-testid="toggle-history"
        >
          ☰ <span className="hide-narrow">History</span>
        </button>
        <span className="brand">
          <span aria-hidden="true">📈</span> CryptoDesk
        </span>
        {state.engine && (
          <span className="hide-narrow">
            <Badge tone="info" title="Engine answering new questions">
              {engineLabel(state.engine)}
            </Badge>
          </span>
        )}
        <span className="spacer" />
        <ConnectionDot state={connection.state} />
        <button
          type="button"
          className="btn"
          onClick={() => setShowSettings(true)}
          aria-label="Settings"
          data-testid="open-settings"
        >
          ⚙️
        </button>
        <button
          type="button"
          className="btn"
          onClick={toggleTheme}
          aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
          data-testid="theme"
        >
          {theme === "dark" ? "☀️" : "🌙"}
        </button>
      </header>
      <ConnectionBanner state={connection.state} onRetry={connection.reconnect} />
      {desk.loadError && (
        <div className="banner closed" role="alert">
          {desk.loadError}
        </div>
      )}
      <main className={`layout ${showHistory ? "with-history" : ""}`}>
        {showHistory && (
          <>
            <button
              type="button"
              className="drawer-backdrop"
              aria-label="Close history"
              tabIndex={-1}
              onClick={() => setShowHistory(false)}
            />
            <div className="column history-column" id="history-column">
              <HistorySidebar
                currentId={state.conversationId}
                onOpen={openConversation}
                onClose={() => setShowHistory(false)}
              />
            </div>
          </>
        )}
        <div className="column chat-column">
          <ChatPanel
            runs={runs}
            local={state.local}
            notices={state.notices}
            busy={busy}
            running={active !== null}
            online={online}
            selectedRunId={selected?.runId ?? null}
            onAsk={desk.ask}
            onCancel={desk.cancel}
            onSelectRun={setPickedRun}
            onDismiss={desk.dismissNotice}
          />
        </div>
        <div className="column timeline-column">
          <TimelinePanel run={selected} />
        </div>
        <div className="column results-column">
          <ChartsPanel charts={charts} theme={theme} />
          <ReportPanel run={selected} />
        </div>
      </main>
      <SettingsDialog open={showSettings} onClose={() => setShowSettings(false)} onApplied={settingsApplied} />
      {desk.loading && <span className="sr-only" role="status">Loading conversation…</span>}
    </div>
  );
}
