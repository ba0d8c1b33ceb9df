/** A small recorded run for the reducer and connection tests. */
import type { ServerFrame } from "../lib/protocol";

export const R = "r1";
export const C = "c1";

const base = (seq: number) => ({
  v: 1 as const,
  timestamp: `2026-01-01T00:00:${String(seq).padStart(2, "0")}Z`,
  run_id: R,
  conversation_id: C,
  seq,
  replay: false,
});

export function chatRun(): ServerFrame[] {
  return [
    { ...base(1), type: "status", status: "initializing", message: "Initializing agent team...", final: false, active_run: null, engine: null },
    { ...base(2), type: "status", status: "processing", message: "Agent team ready", final: false, active_run: null, engine: null },
    { ...base(3), type: "agent_step", agent: "CryptoMarketAnalyst", emoji: "📊", status: "working", message: "Get the price", step_id: "s1", delta: null },
    { ...base(4), type: "progress", current_turn: 1, max_turns: 15, percentage: 6.67 },
    { ...base(5), type: "tool_call", agent: "CryptoMarketAnalyst", tool_name: "get_crypto_price", arguments: { coin: "ethereum" }, call_id: "t1" },
    { ...base(6), type: "agent_step", agent: "CryptoMarketAnalyst", emoji: "📊", status: "working", message: "", step_id: "s1", delta: "Hello world" },
    { ...base(7), type: "tool_result", tool_name: "get_crypto_price", call_id: "t1", success: true, result_preview: "ethereum: $1,642", duration_ms: 41, error: null },
    { ...base(8), type: "chart_generated", chart_id: "ch1", url: "/api/v1/charts/ch1", symbol: "ETH", interval: "4h", title: "ETH 4h" },
    { ...base(9), type: "agent_step", agent: "CryptoMarketAnalyst", emoji: "📊", status: "completed", message: "ETH $1,642", step_id: "s1", delta: null },
    { ...base(10), type: "result", content: "# ETH\n\n| a | b |\n|---|---|\n| 1 | +2% |", format: "markdown", agents_used: ["CryptoMarketAnalyst"], charts: ["ch1"], engine: "offline", usage: { prompt_tokens: 0, completion_tokens: 0, cost_usd: null }, data_labels: ["replay"], outlook: null, answer_kind: null, bottom_line: null },
    { ...base(11), type: "status", status: "completed", message: "Analysis completed", final: true, active_run: null, engine: null },
  ];
}
