/** A small recorded run for the reducer and connection tests. */
import type { Outlook, ServerFrame } from "../lib/protocol";

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
    { ...base(4), type: "progress", current_turn: 1, max_turns: 15, percentage: 6.67, spent: null, estimate: null },
    { ...base(5), type: "tool_call", agent: "CryptoMarketAnalyst", tool_name: "get_crypto_price", arguments: { coin: "ethereum" }, call_id: "t1" },
    { ...base(6), type: "agent_step", agent: "CryptoMarketAnalyst", emoji: "📊", status: "working", message: "", step_id: "s1", delta: "Hello world" },
    { ...base(7), type: "tool_result", tool_name: "get_crypto_price", call_id: "t1", success: true, result_preview: "ethereum: $1,642", duration_ms: 41, error: null },
    { ...base(8), type: "chart_generated", chart_id: "ch1", url: "/api/v1/charts/ch1", symbol: "ETH", interval: "4h", title: "ETH 4h" },
    { ...base(9), type: "agent_step", agent: "CryptoMarketAnalyst", emoji: "📊", status: "completed", message: "ETH $1,642", step_id: "s1", delta: null },
    { ...base(10), type: "result", content: "# ETH\n\n| a | b |\n|---|---|\n| 1 | +2% |", format: "markdown", agents_used: ["CryptoMarketAnalyst"], charts: ["ch1"], engine: "offline", usage: { prompt_tokens: 0, completion_tokens: 0, cost_usd: null }, data_labels: ["replay"], outlook: null, answer_kind: null, bottom_line: null, grounding: null, watch_actions: null },
    { ...base(11), type: "status", status: "completed", message: "Analysis completed", final: true, active_run: null, engine: null },
  ];
}

/** A technical answer as the answers engine gives it: bottom line, outlook, answer kind. */
export const ETH_OUTLOOK: Outlook = {
  symbol: "ETH",
  coin_id: "ethereum",
  timeframe: "4h",
  as_of: "2026-06-01T12:00:00Z",
  price: 1642.3149,
  bias: "bearish",
  strength: 0.62,
  signals: [
    { name: "trend", value: -30.2, reading: "Downtrend: −30.2% over the window, below SMA200", lean: "bearish", weight: 0.35, tool_name: "compute_indicators", call_id: "t2" },
    { name: "rsi", value: 38.2, reading: "RSI 38.2: weak, not oversold", lean: "bearish", weight: 0.2, tool_name: "compute_indicators", call_id: "t2" },
    { name: "macd", value: -12.4, reading: "MACD below its signal, histogram rising", lean: "neutral", weight: 0.15, tool_name: "compute_indicators", call_id: "t2" },
  ],
  horizon: { bars: 12, hours: 48, ends_at: "2026-06-03T12:00:00Z", label: "about 2 days (12 × 4h candles)" },
  support: 1580.2,
  resistance: 1720.5,
  levels_note: null,
  levels: [
    { price: 1580.2, kind: "support", touches: 3, distance_pct: -3.78 },
    { price: 1720.5, kind: "resistance", touches: 2, distance_pct: 4.76 },
  ],
  invalidation: 1760,
  invalidation_note: "a 4h close above resistance",
  scenarios: [
    { kind: "bull", trigger: "a 4h close above 1,720.50 (resistance)", trigger_price: 1720.5, target: 1805, entry_zone: null, stop: 1640, risk_reward: 1.1 },
    { kind: "bear", trigger: "a 4h close below 1,580.20 (support)", trigger_price: 1580.2, target: 1467.1, entry_zone: [1575, 1585], stop: 1645, risk_reward: 1.8 },
  ],
  source: "replay",
  data_labels: ["replay"],
};

export const BOTTOM_LINE = "ETH leans bearish on the 4h (62%): below its SMA200 with RSI 38.2.";

export function answeredRun(): ServerFrame[] {
  return chatRun().map((frame) =>
    frame.type === "result"
      ? {
          ...frame,
          content: `# Ethereum (ETH) 4h\n\n${BOTTOM_LINE}\n\n## Levels\n\n| level | price |\n|---|---|\n| support | 1,580.20 |`,
          outlook: [ETH_OUTLOOK],
          answer_kind: "answered",
          bottom_line: BOTTOM_LINE,
        }
      : frame,
  );
}

/** An LLM team's run: the estimate first, the spend after each call, a figure without a source. */
export function teamRun(): ServerFrame[] {
  const estimate = { llm_calls: 6, prompt_tokens: 7000, completion_tokens: 1100, cost_usd: 0.0017 };
  const spent = { prompt_tokens: 1000, completion_tokens: 40, cost_usd: 0.0002 };
  const frames: ServerFrame[] = [];
  for (const frame of chatRun()) {
    if (frame.type === "progress") {
      frames.push({ ...frame, current_turn: 0, percentage: 0, estimate }, { ...frame, spent });
    } else if (frame.type === "result") {
      frames.push({
        ...frame,
        content: "# BTC\n\nBTC at $64,468.01, target $71,250.",
        grounding: { checked: 2, matched: 1, unmatched: [{ text: "$71,250", value: 71250 }] },
      });
    } else {
      frames.push(frame);
    }
  }
  // Numbered again: the run's log has no gaps.
  return frames.map((frame, index) => ({ ...frame, seq: index + 1 }) as ServerFrame);
}
