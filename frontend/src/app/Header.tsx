/** One row at every width: history, brand, the engine and data-mode badges, a new conversation,
 * the connection, the side panel, settings and theme. Room is left for more views (track record,
 * watchlist, notifications) between the badges and the actions. */
import { Bell, ChartCandlestick, Eye, Menu, Moon, PanelRight, Plus, Settings, Sun, Target } from "lucide-react";
import { EngineBadge } from "../components/EngineBadge";
import { IconButton } from "../components/IconButton";
import type { Readiness } from "../lib/api";
import { ConnectionStatus } from "../features/connection/ConnectionBanner";
import type { ConnectionState } from "../features/connection/socket";
import { DataModeBadge } from "../features/status/DataModeBadge";
import { LlmProblem } from "../features/status/LlmProblem";

interface Props {
  engine: string | null;
  readiness: Readiness | undefined;
  connection: ConnectionState;
  theme: string;
  historyOpen: boolean;
  recordOpen: boolean;
  onHistory: () => void;
  onRecord: () => void;
  onNew: () => void;
  onTimeline: () => void;
  onSettings: () => void;
  onTheme: () => void;
  unread: number;
  onWatchlist: () => void;
  onNotifications: () => void;
}

export function Header(props: Props) {
  const { theme } = props;
  return (
    <header className="topbar">
      <IconButton
        icon={Menu}
        label="History"
        iconOnly
        className="ghost"
        aria-expanded={props.historyOpen}
        onClick={props.onHistory}
        testId="toggle-history"
      />
      <span className="brand">
        <ChartCandlestick size={20} aria-hidden="true" className="brand-mark" />
        <span className="brand-name">CryptoDesk</span>
      </span>
      <EngineBadge engine={props.engine} title="Engine answering new questions" testId="engine-badge" />
      <DataModeBadge ready={props.readiness} />
      <LlmProblem ready={props.readiness} />
      <span className="spacer" />
      <button type="button" className="btn new" onClick={props.onNew} data-testid="new-conversation" aria-label="New conversation" title="New conversation">
        <Plus size={16} aria-hidden="true" />
        <span className="btn-text">New conversation</span>
      </button>
      <button
        type="button"
        className="btn ghost record-toggle"
        onClick={props.onRecord}
        aria-pressed={props.recordOpen}
        data-testid="open-record"
        aria-label="Track record"
        title="Track record: how the desk's calls worked out"
      >
        <Target size={16} aria-hidden="true" />
        <span className="btn-text">Track record</span>
      </button>
      <ConnectionStatus state={props.connection} />
      <IconButton icon={Eye} label="Watchlist" iconOnly className="ghost" onClick={props.onWatchlist} testId="open-watchlist" />
      <span className="bell">
        <IconButton
          icon={Bell}
          label={props.unread > 0 ? `Notifications (${props.unread} unread)` : "Notifications"}
          iconOnly
          className="ghost"
          onClick={props.onNotifications}
          testId="open-notifications"
        />
        {props.unread > 0 && (
          <span className="unread-badge" aria-hidden="true" data-testid="unread-badge">
            {props.unread > 99 ? "99+" : props.unread}
          </span>
        )}
      </span>
      <IconButton icon={PanelRight} label="Agent timeline" iconOnly className="ghost wide-only" onClick={props.onTimeline} testId="toggle-timeline" />
      <IconButton icon={Settings} label="Settings" iconOnly className="ghost" onClick={props.onSettings} testId="open-settings" />
      <IconButton
        icon={theme === "dark" ? Sun : Moon}
        label={`Switch to the ${theme === "dark" ? "light" : "dark"} theme`}
        iconOnly
        className="ghost"
        onClick={props.onTheme}
        testId="theme"
      />
    </header>
  );
}
