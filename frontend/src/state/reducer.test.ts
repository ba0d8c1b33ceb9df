import { describe, expect, it } from "vitest";
import type { ConversationDetail } from "../lib/api";
import type { ServerFrame } from "../lib/protocol";
import { activeRun, deskReducer, initialState, orderedRuns } from "./reducer";
import type { DeskState } from "./types";
import { answeredRun, BOTTOM_LINE, chatRun, C, ETH_OUTLOOK, R, teamRun } from "./fixtures";

function apply(state: DeskState, frames: ServerFrame[]): DeskState {
  return deskReducer(state, { type: "frames", frames });
}

function asked(): DeskState {
  return deskReducer(initialState(), {
    type: "ask",
    clientMsgId: "m1",
    text: "Analyze ETH",
    queued: false,
    at: "2026-01-01T00:00:00Z",
  });
}

describe("deskReducer", () => {
  it("builds a run from its frames in seq order and binds it to the question asked", () => {
    const state = apply(asked(), chatRun());
    const run = state.runs[R];
    expect(state.conversationId).toBe(C);
    expect(state.local).toEqual([]);
    expect(run?.question).toBe("Analyze ETH");
    expect(run?.lastSeq).toBe(11);
    expect(run?.phase).toBe("completed");
    expect(run?.final).toBe(true);
    expect(run?.progress).toEqual({ current: 1, max: 15, percentage: 6.67 });
    expect(run?.result?.content).toContain("# ETH");
    expect(run?.charts.map((c) => c.chart_id)).toEqual(["ch1"]);
    expect(run?.timeline.map((i) => i.kind)).toEqual(["step", "tool"]);
    const step = run?.timeline[0];
    expect(step?.kind === "step" && [step.instruction, step.streamed, step.outcome]).toEqual([
      "Get the price",
      "Hello world",
      "ETH $1,642",
    ]);
    const tool = run?.timeline[1];
    expect(tool?.kind === "tool" && tool.result).toEqual({
      success: true,
      preview: "ethereum: $1,642",
      durationMs: 41,
      error: null,
    });
    expect(activeRun(state)).toBeNull();
  });

  it("keeps the LLM team's estimate, its spend so far and the result's grounding", () => {
    const frames = teamRun();
    const started = apply(asked(), frames.slice(0, 4));
    expect(started.runs[R]?.estimate).toEqual({ llm_calls: 6, prompt_tokens: 7000, completion_tokens: 1100, cost_usd: 0.0017 });
    expect(started.runs[R]?.spent).toBeNull();
    expect(started.runs[R]?.progress?.current).toBe(0);
    const run = apply(started, frames.slice(4)).runs[R];
    // A later progress without an estimate keeps the one that came first.
    expect(run?.estimate?.cost_usd).toBe(0.0017);
    expect(run?.spent).toEqual({ prompt_tokens: 1000, completion_tokens: 40, cost_usd: 0.0002 });
    expect(run?.result?.grounding?.unmatched).toEqual([{ text: "$71,250", value: 71250 }]);
  });

  it("ignores duplicates: the same frames twice give the same state", () => {
    const frames = chatRun();
    const once = apply(asked(), frames);
    const twice = apply(once, frames.map((f) => ({ ...f, replay: true }) as ServerFrame));
    expect(twice.runs[R]?.timeline).toEqual(once.runs[R]?.timeline);
    expect(twice.runs[R]?.lastSeq).toBe(11);
    expect(twice.ignored).toBe(frames.length);
  });

  it("keeps the answer's bottom line, kind and outlook the same live, replayed and from REST", () => {
    const frames = answeredRun();
    const live = apply(asked(), frames).runs[R];
    const replayed = apply(asked(), frames.map((f) => ({ ...f, replay: true }) as ServerFrame)).runs[R];
    const rest = apply(initialState(C), JSON.parse(JSON.stringify(frames)) as ServerFrame[]).runs[R];
    for (const run of [live, replayed, rest]) {
      expect(run?.result?.bottom_line).toBe(BOTTOM_LINE);
      expect(run?.result?.answer_kind).toBe("answered");
      expect(run?.result?.outlook).toEqual([ETH_OUTLOOK]);
      expect(run?.phase).toBe("completed");
    }
  });

  it("records a gap and applies nothing past it until the missing frames arrive", () => {
    const frames = chatRun();
    const withGap = apply(asked(), [...frames.slice(0, 3), ...frames.slice(5)]);
    expect(withGap.runs[R]?.lastSeq).toBe(3);
    expect(withGap.gaps).toEqual({ [R]: 3 });
    expect(withGap.runs[R]?.result).toBeNull();
    // The resume replays from seq 4; frames already applied are dropped.
    const handled = deskReducer(withGap, { type: "gap-handled", runIds: [R] });
    const resumed = apply(handled, frames.slice(3).map((f) => ({ ...f, replay: true }) as ServerFrame));
    expect(resumed.gaps).toEqual({});
    expect(resumed.runs[R]?.lastSeq).toBe(11);
    expect(resumed.runs[R]?.replayed).toBe(true);
    expect(resumed.runs[R]?.timeline).toEqual(apply(asked(), frames).runs[R]?.timeline);
  });

  it("gives the same state frame by frame, in one batch, or split anywhere", () => {
    const frames = chatRun();
    const batch = apply(asked(), frames);
    let single = asked();
    for (const frame of frames) single = apply(single, [frame]);
    expect(single.runs).toEqual(batch.runs);
    const split = apply(apply(asked(), frames.slice(0, 6)), frames.slice(6));
    expect(split.runs).toEqual(batch.runs);
  });

  it("ends a run once: nothing after its terminal status is applied", () => {
    const frames = chatRun();
    const done = apply(asked(), frames);
    const late = { ...frames[3], seq: 12 } as ServerFrame;
    const after = apply(done, [late]);
    expect(after.runs[R]).toBe(done.runs[R]);
    expect(after.ignored).toBe(done.ignored + 1);
    const cancelled = apply(asked(), [
      ...frames.slice(0, 4),
      status("cancelled", 5, true),
    ]);
    expect(cancelled.runs[R]?.phase).toBe("cancelled");
    expect(cancelled.runs[R]?.final).toBe(true);
    expect(cancelled.runs[R]?.timeline.at(-1)).toMatchObject({ kind: "status", status: "cancelled" });
    expect(activeRun(cancelled)).toBeNull();
  });

  it("loads REST history through the same path: the same state as live frames", () => {
    const frames = chatRun();
    const live = apply(asked(), frames);
    const detail: ConversationDetail = {
      id: C,
      title: "Analyze ETH",
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      messages: [],
      charts: [],
      active_run_id: null,
      runs: [
        {
          id: R,
          conversation_id: C,
          question: "Analyze ETH",
          status: "completed",
          engine: "offline",
          last_seq: 10,
          error_code: null,
          error_message: null,
          usage: null,
          created_at: "2026-01-01T00:00:00Z",
          finished_at: null,
        },
      ],
    };
    let history = deskReducer(initialState(C), { type: "history", detail });
    // As from GET /api/v1/runs/{id}/events: plain JSON objects.
    history = apply(history, JSON.parse(JSON.stringify(frames)) as ServerFrame[]);
    const { startedAt: _a, ...historyRun } = history.runs[R]!;
    const { startedAt: _b, ...liveRun } = live.runs[R]!;
    expect(historyRun).toEqual(liveRun);
    expect(orderedRuns(history).map((r) => r.runId)).toEqual([R]);
  });

  it("merges history that arrives after live frames without losing them", () => {
    const frames = chatRun();
    let state = apply(initialState(C), frames.slice(0, 5));
    expect(state.runs[R]?.question).toBeNull();
    state = deskReducer(state, {
      type: "history",
      detail: {
        id: C,
        title: "t",
        created_at: "",
        updated_at: "",
        messages: [],
        charts: [],
        active_run_id: R,
        runs: [
          {
            id: R,
            conversation_id: C,
            question: "Analyze ETH",
            status: "running",
            engine: "offline",
            last_seq: 5,
            error_code: null,
            error_message: null,
            usage: null,
            created_at: "",
            finished_at: null,
          },
        ],
      },
    });
    expect(state.runs[R]?.question).toBe("Analyze ETH");
    expect(state.runs[R]?.lastSeq).toBe(5);
    expect(activeRun(state)?.runId).toBe(R);
  });

  it("ignores frames of another conversation", () => {
    const state = apply(initialState("other"), chatRun());
    expect(state.runs).toEqual({});
    expect(state.ignored).toBe(11);
  });

  it("turns a run-less error into a notice and marks the question in flight as refused", () => {
    const state = apply(asked(), [
      {
        type: "error",
        v: 1,
        timestamp: "2026-01-01T00:00:00Z",
        code: "run_active",
        message: "A run is already active",
        details: null,
        recoverable: true,
        run_id: null,
        conversation_id: null,
        seq: null,
        replay: false,
      },
    ]);
    expect(state.notices.map((n) => n.code)).toEqual(["run_active"]);
    expect(state.local[0]).toMatchObject({ state: "rejected", error: "A run is already active" });
  });

  it("restarts a run on resync and applies the whole run again", () => {
    const frames = chatRun();
    let state = apply(asked(), frames.slice(0, 4));
    state = apply(state, [
      {
        type: "status",
        v: 1,
        timestamp: "2026-01-01T00:00:00Z",
        status: "resync",
        message: "replaying the whole run",
        final: false,
        run_id: R,
        conversation_id: C,
        seq: null,
        replay: false,
        active_run: null,
        engine: null,
      },
    ]);
    expect(state.runs[R]?.lastSeq).toBe(0);
    state = apply(state, frames);
    expect(state.runs[R]?.timeline).toEqual(apply(asked(), frames).runs[R]?.timeline);
  });
});

function status(value: "cancelled" | "completed", seq: number, final: boolean): ServerFrame {
  return {
    type: "status",
    v: 1,
    timestamp: "2026-01-01T00:00:09Z",
    status: value,
    message: value,
    final,
    run_id: R,
    conversation_id: C,
    seq,
    replay: false,
    active_run: null,
    engine: null,
  };
}
