import { describe, expect, it } from "vitest";
import type { Notification, ServerFrame } from "../lib/protocol";
import { deskReducer, initialState } from "./reducer";

const notification = (id: string, firedAt: string, read = false): Notification => ({
  id,
  kind: "alert",
  title: "🔔 BTC price below $60,000.00",
  message: "BTC is at $59,500.00, below $60,000.00",
  symbol: "BTC",
  fired_at: firedAt,
  market_time: firedAt,
  rule_id: "r1",
  schedule_id: null,
  values: { price: 59500 },
  data_labels: [],
  read,
  follow_up: null,
  deliveries: [],
});

describe("watch frames", () => {
  it("replace the watchlist and keep the newest notification first", () => {
    const frames: ServerFrame[] = [
      { type: "watchlist", v: 1, timestamp: "t", items: [{ coin_id: "bitcoin", symbol: "BTC", name: "Bitcoin", price: 64000, change_24h_pct: 1.5, as_of: null, sparkline: [1, 2], source: "coingecko", data_labels: [] }] },
      { type: "notification", v: 1, timestamp: "t", notification: notification("a", "2026-01-01T10:00:00Z"), unread: 1 },
      { type: "notification", v: 1, timestamp: "t", notification: notification("b", "2026-01-01T11:00:00Z"), unread: 2 },
      // an update of "a" (its analysis answered) replaces it, and is not announced again
      { type: "notification", v: 1, timestamp: "t", notification: notification("a", "2026-01-01T10:00:00Z", true), unread: 1 },
    ];
    const state = deskReducer(initialState(), { type: "frames", frames });
    expect(state.watch.items?.map((i) => i.price)).toEqual([64000]);
    expect(state.watch.notifications.map((n) => n.id)).toEqual(["b", "a"]);
    expect(state.watch.notifications[1]?.read).toBe(true);
    expect(state.watch.unread).toBe(1);
    expect(state.watch.fresh).toEqual(["a", "b"]);
    expect(state.runOrder).toEqual([]); // connection-level frames belong to no run
  });

  it("outlive opening another conversation", () => {
    const loaded = deskReducer(initialState(), { type: "notifications-loaded", items: [notification("a", "x")], unread: 1 });
    const opened = deskReducer(loaded, { type: "open", conversationId: "c2" });
    expect(opened.watch.notifications).toHaveLength(1);
    expect(opened.conversationId).toBe("c2");
  });
});
