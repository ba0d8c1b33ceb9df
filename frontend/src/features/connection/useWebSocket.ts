/**
 * `useWebSocket`: one `DeskSocket` for the page's lifetime. Frames are handed to `onFrames` in
 * batches, once per animation frame, so a burst of frames costs one render.
 */
import { useEffect, useMemo, useState } from "react";
import type { ChatFrame, ServerFrame } from "../../lib/protocol";
import { exposeForTests } from "../../lib/testHooks";
import { useLatest } from "../../lib/useLatest";
import { DeskSocket, type ConnectionState, type ResumeTarget } from "./socket";

export interface UseWebSocketOptions {
  target: () => ResumeTarget;
  onFrames: (frames: ServerFrame[]) => void;
  onSent: (clientMsgIds: string[]) => void;
  acks: () => Record<string, number>;
}

export interface DeskConnection {
  state: ConnectionState;
  sendChat: (frame: ChatFrame) => boolean;
  cancel: (runId: string | null) => void;
  ack: (clientMsgId: string) => void;
  queued: () => string[];
  reconnect: () => void;
}

export function streamUrl(location: Location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/stream`;
}

/** Hands frames over in batches: once per animation frame, or at once while the page is hidden. */
class FrameBatcher {
  private buffer: ServerFrame[] = [];
  private scheduled = false;

  constructor(private readonly deliver: (frames: ServerFrame[]) => void) {}

  push(frame: ServerFrame): void {
    this.buffer.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    if (document.visibilityState === "visible") requestAnimationFrame(this.flush);
    else setTimeout(this.flush, 0);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const frames = this.buffer;
    this.buffer = [];
    if (frames.length > 0) this.deliver(frames);
  };
}

export function useWebSocket(options: UseWebSocketOptions): DeskConnection {
  const latest = useLatest(options);
  const [state, setState] = useState<ConnectionState>({ phase: "connecting", attempt: 0 });

  // One socket for the page's lifetime; its callbacks read the latest options when they run.
  const [socket] = useState(() => {
    const batcher = new FrameBatcher((frames) => latest.current.onFrames(frames));
    return new DeskSocket({
      baseUrl: streamUrl(window.location),
      target: () => latest.current.target(),
      acks: () => latest.current.acks(),
      onSent: (ids) => latest.current.onSent(ids),
      onState: setState,
      onFrame: (frame) => batcher.push(frame),
    });
  });

  useEffect(() => {
    socket.start();
    const hidden = [
      exposeForTests("socket", socket),
      exposeForTests("drop", () => socket.simulateDrop()),
      exposeForTests("reconnect", () => socket.reconnect()),
    ];
    return () => {
      socket.stop();
      for (const hide of hidden) hide();
    };
  }, [socket]);

  // Stable functions: effects may depend on them without re-running on every state change.
  const actions = useMemo(
    () => ({
      sendChat: (frame: ChatFrame) => socket.sendChat(frame),
      cancel: (runId: string | null) => socket.cancel(runId),
      ack: (id: string) => socket.ack(id),
      queued: () => socket.queued,
      reconnect: () => socket.reconnect(),
    }),
    [socket],
  );
  return useMemo(() => ({ state, ...actions }), [state, actions]);
}
