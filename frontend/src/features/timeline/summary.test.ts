import { describe, expect, it } from "vitest";
import { chatRun, R } from "../../state/fixtures";
import { deskReducer, initialState } from "../../state/reducer";
import type { ServerFrame } from "../../lib/protocol";
import { currentActivity, describeSummary, traceSummary } from "./summary";

function run(frames: ServerFrame[]) {
  const asked = deskReducer(initialState(), {
    type: "ask",
    clientMsgId: "m1",
    text: "price of ETH",
    queued: false,
    at: "2026-01-01T00:00:00Z",
  });
  const state = deskReducer(asked, { type: "frames", frames });
  const view = state.runs[R];
  if (!view) throw new Error("no run");
  return view;
}

describe("the trace line", () => {
  it("sums up a finished run: steps, tools, duration", () => {
    const summary = traceSummary(run(chatRun()));
    expect(summary).toEqual({ steps: 1, tools: 1, failedTools: 0, errors: 0, durationMs: 10_000 });
    expect(describeSummary(summary)).toBe("1 step · 1 tool · 10 s");
  });

  it("names failed tools and errors", () => {
    expect(describeSummary({ steps: 5, tools: 7, failedTools: 2, errors: 1, durationMs: 812 })).toBe(
      "5 steps · 7 tools (2 failed) · 1 error · 812 ms",
    );
  });

  it("shows the step at work and its tool in flight", () => {
    const frames = chatRun();
    const live = run(frames.slice(0, 5));
    expect(currentActivity(live)).toEqual({
      agent: "CryptoMarketAnalyst",
      text: "Get the price",
      tool: "get_crypto_price",
    });
    const answered = run(frames.slice(0, 7));
    expect(currentActivity(answered)?.tool).toBeNull();
    expect(traceSummary(answered).durationMs).toBeNull();
    expect(currentActivity(run(frames.slice(0, 2)))).toBeNull();
  });
});
