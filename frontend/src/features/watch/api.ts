/** The watcher's REST calls: watchlist, alerts, notification targets, notifications. */
import { request, type Schemas } from "../../lib/api";

export type WatchlistOut = Schemas["WatchlistOut"];
export type AlertIn = Schemas["AlertIn"];
export type AlertOut = Schemas["AlertOut"];
export type ConditionKind = AlertIn["condition"]["kind"];
export type TargetOut = Schemas["TargetOut"];
export type NotificationPage = Schemas["NotificationPage"];

const BASE = "/api/v1";

export const watchApi = {
  watchlist: () => request<WatchlistOut>(`${BASE}/watchlist`),
  watch: (symbol: string) =>
    request<Schemas["WatchEntryOut"]>(`${BASE}/watchlist`, {
      method: "POST",
      body: JSON.stringify({ symbol }),
    }),
  unwatch: (symbol: string) =>
    request<Schemas["WatchEntryOut"]>(`${BASE}/watchlist/${encodeURIComponent(symbol)}`, {
      method: "DELETE",
    }),
  createAlert: (alert: AlertIn) =>
    request<AlertOut>(`${BASE}/alerts`, { method: "POST", body: JSON.stringify(alert) }),
  setAlertStatus: (id: string, status: "active" | "paused") =>
    request<AlertOut>(`${BASE}/alerts/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body: JSON.stringify({ status }),
    }),
  deleteAlert: (id: string) =>
    request<void>(`${BASE}/alerts/${encodeURIComponent(id)}`, { method: "DELETE" }),
  targets: () => request<TargetOut[]>(`${BASE}/notify/targets`),
  addTarget: (name: string, url: string) =>
    request<TargetOut>(`${BASE}/notify/targets`, {
      method: "POST",
      body: JSON.stringify({ name, url }),
    }),
  testTarget: (id: string) =>
    request<Schemas["TargetTest"]>(`${BASE}/notify/targets/${encodeURIComponent(id)}/test`, {
      method: "POST",
    }),
  deleteTarget: (id: string) =>
    request<void>(`${BASE}/notify/targets/${encodeURIComponent(id)}`, { method: "DELETE" }),
  notifications: () => request<NotificationPage>(`${BASE}/notifications?limit=100`),
  markRead: (ids: string[] | null) =>
    request<Schemas["ReadOut"]>(`${BASE}/notifications/read`, {
      method: "POST",
      body: JSON.stringify({ ids }),
    }),
};
