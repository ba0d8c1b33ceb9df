/**
 * The notifications: what fired (or ran on a schedule), with the values that triggered it, the
 * follow-up analysis' answer once it came, and where each delivery stands (sent, pending,
 * failed with the reason). Opening the list marks everything read.
 */
import { BellRing, CalendarClock, CheckCheck, MessageSquare } from "lucide-react";
import { useEffect, useState } from "react";
import { DataLabel } from "../../components/Badge";
import { formatDateTime } from "../../lib/format";
import type { Notification } from "../../lib/protocol";
import { BrowserNotificationsToggle } from "./browserNotifications";
import { TargetsSection } from "./TargetsSection";

interface Props {
  notifications: Notification[];
  unread: number;
  onOpenConversation: (conversationId: string) => void;
  onMarkRead: () => Promise<void>;
}

const DELIVERY: Record<string, string> = {
  pending: "pending",
  sending: "sending",
  sent: "sent",
  failed: "failed",
};

export function NotificationsPanel({ notifications, unread, onOpenConversation, onMarkRead }: Props) {
  // Opening the list reads it: the unread ones keep their mark until it is closed.
  const [shownUnread] = useState(() => new Set(notifications.filter((n) => !n.read).map((n) => n.id)));
  useEffect(() => {
    if (shownUnread.size > 0) void onMarkRead().catch(() => undefined);
  }, [shownUnread, onMarkRead]);
  return (
    <div className="notifications" data-testid="notifications">
      <div className="notifications-head">
        <span className="muted small" data-testid="unread-count">
          {unread === 0 ? "All read" : `${unread} unread`}
        </span>
        <span className="grow" />
        <BrowserNotificationsToggle />
        {unread > 0 && (
          <button type="button" className="btn small" onClick={() => void onMarkRead()}>
            <CheckCheck size={14} aria-hidden="true" /> Mark all read
          </button>
        )}
      </div>
      <TargetsSection />
      {notifications.length === 0 && (
        <p className="muted">Nothing yet. Alerts you set fire here (and wherever you send them).</p>
      )}
      <ol className="notification-items" aria-label="Notifications">
        {notifications.map((n) => (
          <li key={n.id} className={`notification ${shownUnread.has(n.id) || !n.read ? "unread" : "read"}`} data-testid="notification">
            <header>
              {n.kind === "schedule" ? <CalendarClock size={15} aria-hidden="true" /> : <BellRing size={15} aria-hidden="true" />}
              <strong>{n.title.replace(/^\S+\s/, "")}</strong>
              <span className="grow" />
              <time className="muted small" dateTime={n.fired_at}>
                {formatDateTime(n.fired_at)}
              </time>
            </header>
            <p className="notification-message">{n.message}</p>
            {n.follow_up && (
              <div className="follow-up small">
                {n.follow_up.bottom_line ? null : (
                  <span className="muted">
                    {n.follow_up.error
                      ? `Analysis: ${n.follow_up.error}`
                      : `Analysis ${n.follow_up.status ?? "starting"}…`}
                  </span>
                )}
                {n.follow_up.conversation_id && (
                  <button
                    type="button"
                    className="btn small ghost"
                    onClick={() => onOpenConversation(n.follow_up?.conversation_id ?? "")}
                    data-testid="open-follow-up"
                  >
                    <MessageSquare size={14} aria-hidden="true" /> Open the analysis
                  </button>
                )}
              </div>
            )}
            <footer className="muted small">
              {(n.data_labels ?? []).map((label) => (
                <DataLabel key={label} label={label} />
              ))}
              {(n.deliveries ?? []).map((d) => (
                <span key={d.target_id} className={`delivery ${d.status}`} title={d.last_error ?? undefined}>
                  delivery {DELIVERY[d.status] ?? d.status}
                  {d.status === "failed" && d.last_error ? `: ${d.last_error}` : ""}
                </span>
              ))}
            </footer>
          </li>
        ))}
      </ol>
    </div>
  );
}
