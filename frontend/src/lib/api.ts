/** Typed REST calls; payload types come from the generated OpenAPI types. */
import type { components } from "../types/api";
import type { ChartSpec } from "../types/chart";

export type Schemas = components["schemas"];
export type ConversationDetail = Schemas["ConversationDetail"];
export type ConversationPage = Schemas["ConversationPage"];
export type ConversationOut = Schemas["ConversationOut"];
export type RunEvents = Schemas["RunEvents"];
export type RunOut = Schemas["RunOut"];
export type Readiness = Schemas["Readiness"];
export type ChartOut = Omit<Schemas["ChartOut"], "spec"> & { spec: ChartSpec };
export type LiveChartOut = Omit<Schemas["LiveChartOut"], "spec"> & { spec: ChartSpec };
export type Indicator = Schemas["LiveChartOut"]["indicators"][number];
export type Timeframe = Schemas["LiveChartOut"]["timeframe"];
export type CallOut = Schemas["CallOut"];
export type CallPage = Schemas["CallPage"];
export type CallSummary = Schemas["CallSummary"];
export type GroupStats = Schemas["GroupStats"];
export type Outcome = Schemas["SettlementOut"]["outcome"];
export type BacktestOut = Schemas["BacktestOut"];
export type BacktestDetail = Schemas["BacktestDetail"];
export type FeedbackIn = Schemas["FeedbackIn"];
export type FeedbackOut = Schemas["FeedbackOut"];
export type FeedbackReason = NonNullable<FeedbackIn["reasons"]>[number];

/** The filters of the track record (`GET /api/v1/calls`, `/calls/summary`). */
export interface CallQuery {
  asset?: string;
  timeframe?: Timeframe;
  engine?: string;
  outcome?: Outcome;
  backtest?: string;
  limit?: number;
  offset?: number;
}

function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export interface LiveChartQuery {
  symbol: string;
  timeframe: Timeframe;
  indicators: readonly Indicator[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The parsed JSON error body, when there was one (422s carry `reasons`). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** Behind an access token, a lost session sends the page to the login form. */
export function toLogin(): void {
  window.location.assign("/login");
}

export async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { Accept: "application/json", ...(init?.body ? { "Content-Type": "application/json" } : {}) },
  });
  if (!response.ok) {
    if (response.status === 401) toLogin();
    let detail = `${response.status} ${response.statusText}`;
    let parsed: unknown;
    try {
      parsed = await response.json();
      const body = parsed as { detail?: unknown };
      if (typeof body.detail === "string") detail = body.detail;
    } catch {
      // the body was not JSON: keep the status line
    }
    throw new ApiError(response.status, detail, parsed);
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  conversations: (limit = 100) =>
    request<ConversationPage>(`/api/v1/conversations?limit=${limit}`),
  conversation: (id: string) =>
    request<ConversationDetail>(`/api/v1/conversations/${encodeURIComponent(id)}`),
  rename: (id: string, title: string) =>
    request<ConversationOut>(`/api/v1/conversations/${encodeURIComponent(id)}`, {
      method: "PATCH",
      body: JSON.stringify({ title }),
    }),
  remove: (id: string) =>
    request<void>(`/api/v1/conversations/${encodeURIComponent(id)}`, { method: "DELETE" }),
  exportUrl: (id: string) => `/api/v1/conversations/${encodeURIComponent(id)}/export`,
  runEvents: (runId: string, afterSeq = 0) =>
    request<RunEvents>(`/api/v1/runs/${encodeURIComponent(runId)}/events?after_seq=${afterSeq}`),
  chart: (id: string) => request<ChartOut>(`/api/v1/charts/${encodeURIComponent(id)}`),
  chartPngUrl: (id: string) => `/api/v1/charts/${encodeURIComponent(id)}.png`,
  liveChart: ({ symbol, timeframe, indicators }: LiveChartQuery) => {
    const query = new URLSearchParams({ symbol, timeframe, indicators: indicators.join(",") });
    return request<LiveChartOut>(`/api/v1/charts/live?${query.toString()}`);
  },
  ready: () => request<Readiness>("/api/v1/health/ready"),
  run: (runId: string) => request<RunOut>(`/api/v1/runs/${encodeURIComponent(runId)}`),
  calls: (query: CallQuery) => request<CallPage>(`/api/v1/calls${queryString(query)}`),
  callSummary: ({ outcome: _outcome, limit: _limit, offset: _offset, ...query }: CallQuery) =>
    request<CallSummary>(`/api/v1/calls/summary${queryString(query)}`),
  backtests: () => request<BacktestOut[]>("/api/v1/backtests"),
  backtest: (id: string) => request<BacktestDetail>(`/api/v1/backtests/${encodeURIComponent(id)}`),
  putFeedback: (runId: string, body: FeedbackIn) =>
    request<FeedbackOut>(`/api/v1/runs/${encodeURIComponent(runId)}/feedback`, {
      method: "PUT",
      body: JSON.stringify(body),
    }),
  deleteFeedback: (runId: string) =>
    request<void>(`/api/v1/runs/${encodeURIComponent(runId)}/feedback`, { method: "DELETE" }),
};
