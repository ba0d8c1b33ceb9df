import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatFrame, ServerFrame } from "../../lib/protocol";
import { chatRun, C, R } from "../../state/fixtures";
import { applyFrames, initialState } from "../../state/reducer";
import type { DeskState } from "../../state/types";
import { resumeTarget } from "./resume";
import { DeskSocket, type ConnectionState, type SocketLike } from "./socket";

/** A WebSocket the test drives: it opens, delivers and closes when told to. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  deliver(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent);
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" } as CloseEvent);
  }
  static last(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error("no socket");
    return socket;
  }
}

function chat(id: string, message = "Analyze ETH"): ChatFrame {
  return { type: "chat", payload: { message, client_msg_id: id } };
}

function make(state: { current: DeskState }) {
  const states: ConnectionState[] = [];
  const socket = new DeskSocket({
    baseUrl: "ws://desk/ws/stream",
    target: () => resumeTarget(state.current),
    onFrame: (frame) => {
      state.current = applyFrames(state.current, [frame]);
    },
    onState: (s) => states.push(s),
    createSocket: (url) => new FakeSocket(url),
    random: () => 0.5,
  });
  return { socket, states };
}

describe("DeskSocket", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("queues a chat typed offline and sends it once the socket opens", () => {
    const state = { current: initialState() };
    const { socket } = make(state);
    socket.start();
    expect(socket.sendChat(chat("m1"))).toBe(false);
    expect(FakeSocket.last().sent).toEqual([]);
    FakeSocket.last().open();
    expect(FakeSocket.last().sent).toEqual([chat("m1")]);
  });

  it("resends an unanswered chat with the same client_msg_id after a drop, not an answered one", () => {
    const state = { current: initialState() };
    const { socket } = make(state);
    socket.start();
    FakeSocket.last().open();
    socket.sendChat(chat("m1"));
    FakeSocket.last().drop(1006);
    vi.runOnlyPendingTimers();
    FakeSocket.last().open();
    expect(FakeSocket.last().sent).toEqual([chat("m1")]);
    socket.ack("m1");
    FakeSocket.last().drop(1006);
    vi.runOnlyPendingTimers();
    FakeSocket.last().open();
    expect(FakeSocket.last().sent).toEqual([]);
  });

  it("reconnects with jittered, growing, capped backoff on recoverable codes only", () => {
    const state = { current: initialState() };
    const { socket, states } = make(state);
    expect([0, 1, 2, 3, 10].map((n) => socket.backoff(n))).toEqual([375, 750, 1500, 3000, 11250]);
    socket.start();
    for (const code of [1001, 1006, 1011, 1012, 1013, 4008]) {
      const before = FakeSocket.all.length;
      FakeSocket.last().drop(code);
      expect(states.at(-1)?.phase).toBe("reconnecting");
      vi.runOnlyPendingTimers();
      expect(FakeSocket.all.length).toBe(before + 1);
    }
    for (const code of [1000, 4401, 4403, 4404]) {
      const fresh = make(state);
      fresh.socket.start();
      const before = FakeSocket.all.length;
      FakeSocket.last().drop(code);
      vi.runAllTimers();
      expect(FakeSocket.all.length).toBe(before);
      expect(fresh.states.at(-1)).toMatchObject({ phase: "closed", code });
    }
  });

  it("resumes the active run after its last applied seq", () => {
    const frames = chatRun();
    const state = { current: initialState(C) };
    const { socket } = make(state);
    socket.start();
    expect(FakeSocket.last().url).toBe(`ws://desk/ws/stream?conversation_id=${C}`);
    FakeSocket.last().open();
    for (const frame of frames.slice(0, 6)) FakeSocket.last().deliver(frame);
    FakeSocket.last().drop(1006);
    vi.runOnlyPendingTimers();
    expect(FakeSocket.last().url).toBe(`ws://desk/ws/stream?run_id=${R}&after_seq=6`);
    FakeSocket.last().open();
    // The server replays from 7; a stray duplicate of 5 is ignored.
    FakeSocket.last().deliver({ ...frames[4], replay: true } as ServerFrame);
    for (const frame of frames.slice(6)) FakeSocket.last().deliver({ ...frame, replay: true } as ServerFrame);
    const run = state.current.runs[R];
    expect(run?.lastSeq).toBe(11);
    expect(run?.final).toBe(true);
    expect(state.current.ignored).toBe(1);
    // Finished: the next connection follows the conversation, not the run.
    FakeSocket.last().drop(1001);
    vi.runOnlyPendingTimers();
    expect(FakeSocket.last().url).toBe(`ws://desk/ws/stream?conversation_id=${C}`);
  });

  it("on a gap, reconnects to resume after the last seq applied", () => {
    const frames = chatRun();
    const state = { current: initialState(C) };
    const { socket } = make(state);
    socket.start();
    FakeSocket.last().open();
    for (const frame of [...frames.slice(0, 3), ...frames.slice(4)]) FakeSocket.last().deliver(frame);
    expect(state.current.gaps).toEqual({ [R]: 3 });
    const first = FakeSocket.last();
    socket.reconnect(); // what useDesk does when it sees a gap
    expect(first.closedWith).toBe(1000);
    expect(FakeSocket.last().url).toBe(`ws://desk/ws/stream?run_id=${R}&after_seq=3`);
  });

  it("keeps a cancel typed offline and sends it on reconnect", () => {
    const state = { current: initialState() };
    const { socket } = make(state);
    socket.start();
    socket.cancel("r9");
    FakeSocket.last().open();
    expect(FakeSocket.last().sent).toEqual([{ type: "cancel", payload: { run_id: "r9" } }]);
  });

  it("simulateDrop behaves like a network failure: it reconnects", () => {
    const state = { current: initialState() };
    const { socket, states } = make(state);
    socket.start();
    FakeSocket.last().open();
    socket.simulateDrop();
    expect(states.at(-1)).toMatchObject({ phase: "reconnecting", code: 1006 });
    vi.runOnlyPendingTimers();
    expect(FakeSocket.all.length).toBe(2);
  });
});
