/**
 * The browser's Notification API, when the person allows it: a fired alert pops up even while
 * the tab is in the background. Asked for with a button (browsers refuse a prompt nobody asked
 * for), remembered by the browser.
 */
import { Bell, BellOff } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import type { Notification as DeskNotification } from "../../lib/protocol";

function supported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

export function BrowserNotificationsToggle() {
  const [permission, setPermission] = useState(() => (supported() ? window.Notification.permission : "denied"));
  if (!supported()) return null;
  if (permission === "granted") {
    return (
      <span className="muted small" title="Fired alerts also pop up from the browser">
        <Bell size={13} aria-hidden="true" /> Browser notifications on
      </span>
    );
  }
  if (permission === "denied") {
    return (
      <span className="muted small" title="Allow notifications for this site in the browser's settings">
        <BellOff size={13} aria-hidden="true" /> Browser notifications blocked
      </span>
    );
  }
  return (
    <button
      type="button"
      className="btn small ghost"
      onClick={() => void window.Notification.requestPermission().then(setPermission)}
      data-testid="enable-browser-notifications"
    >
      <Bell size={14} aria-hidden="true" /> Browser notifications
    </button>
  );
}

/** Pops up each notification pushed live on this page (never the ones read from history). */
export function useBrowserNotifications(notifications: DeskNotification[], fresh: string[]): void {
  const shown = useRef(new Set<string>());
  useEffect(() => {
    if (!supported() || window.Notification.permission !== "granted") return;
    for (const id of fresh) {
      if (shown.current.has(id)) continue;
      shown.current.add(id);
      const n = notifications.find((item) => item.id === id);
      if (n) new window.Notification(n.title, { body: n.message, tag: n.id });
    }
  }, [notifications, fresh]);
}
