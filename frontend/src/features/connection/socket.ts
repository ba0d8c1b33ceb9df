/**
 * The connection that never loses work: one WebSocket at a time, reconnected with jittered
 * exponential backoff after a drop the protocol calls recoverable, resumed where the UI left off
 * (`target()` says which run and `after_seq`, or which conversation), and an outbox of chat
 * frames kept until the server answers them, resent on every reconnect. A resend carries the same
 * `client_msg_id`, so the server returns the same run instead of starting a second one.
 */
import { RECONNECT_CODES, parseFrame, type ChatFrame, type ServerFrame } from "../../lib/protocol";

export type ResumeTarget =
  | { runId: string; afterSeq: number }
  | { conversationId: string }
  | null;

export type ConnectionState =
  | { phase: "connecting"; attempt: number }
  | { phase: "open" }
  | { phase: "reconnecting"; attempt: number; retryAt: number; code: number }
  | { phase: "closed"; code: number; reason: string };

/** The part of the browser's WebSocket this class uses (a fake one in tests). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface DeskSocketOptions {
  /** Absolute ws:// URL of /ws/stream, without a query. */
  baseUrl: string;
  target: () => ResumeTarget;
  onFrame: (frame: ServerFrame) => void;
  onState: (state: ConnectionState) => void;
  /** Called with the client_msg_ids of chats written to an open socket. */
  onSent?: (clientMsgIds: string[]) => void;
  /** Last applied seq per run, sent as `acks` with each heartbeat. */
  acks?: () => Record<string, number>;
  createSocket?: SocketFactory;
  random?: () => number;
  now?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pingIntervalMs?: number;
}

const OPEN = 1;

export class DeskSocket {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private readonly outbox = new Map<string, ChatFrame>();
  private pendingCancel: string | null | undefined = undefined;
  private readonly opts: Required<
    Omit<DeskSocketOptions, "onSent" | "acks">
  > & Pick<DeskSocketOptions, "onSent" | "acks">;

  constructor(options: DeskSocketOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url),
      random: Math.random,
      now: Date.now,
      baseDelayMs: 500,
      maxDelayMs: 15_000,
      pingIntervalMs: 25_000,
      ...options,
    };
  }

  /** The URL of the next connection: resume a run after its last seq, or follow a conversation. */
  url(): string {
    const target = this.opts.target();
    const params = new URLSearchParams();
    if (target && "runId" in target) {
      params.set("run_id", target.runId);
      params.set("after_seq", String(target.afterSeq));
    } else if (target) {
      params.set("conversation_id", target.conversationId);
    }
    const query = params.toString();
    return query ? `${this.opts.baseUrl}?${query}` : this.opts.baseUrl;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  get queued(): string[] {
    return [...this.outbox.keys()];
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Stops for good (page unload, tests). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(1000, "client stopped");
    }
  }

  /** Drops the current socket and connects again at once, to the current `target()`. */
  reconnect(): void {
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(1000, "client resumes");
    }
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  /** Queues a chat; it is written now when connected, else on the next open, until acked. */
  sendChat(frame: ChatFrame): boolean {
    const id = frame.payload.client_msg_id;
    if (!id) throw new Error("a chat frame needs a client_msg_id to be resent safely");
    this.outbox.set(id, frame);
    if (!this.isOpen) return false;
    this.write(frame);
    this.opts.onSent?.([id]);
    return true;
  }

  /** The server answered this chat (with a run or an error): never resend it. */
  ack(clientMsgId: string): void {
    this.outbox.delete(clientMsgId);
  }

  cancel(runId: string | null): void {
    if (this.isOpen) this.write({ type: "cancel", payload: runId ? { run_id: runId } : {} });
    else this.pendingCancel = runId;
  }

  /** Test hook: cut the socket as a network failure would (close code 1006 on our side). */
  simulateDrop(): void {
    const socket = this.socket;
    if (!socket) return;
    detach(socket);
    this.socket = null;
    socket.close(4000, "simulated drop");
    this.handleClose(1006, "simulated drop");
  }

  private open(): void {
    if (this.stopped) return;
    this.opts.onState({ phase: "connecting", attempt: this.attempt });
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.url());
    } catch {
      this.handleClose(1006, "could not open the socket");
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.opts.onState({ phase: "open" });
      this.flush();
      this.pingTimer = setInterval(() => this.ping(), this.opts.pingIntervalMs);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return;
      const frame = parseFrame(event.data);
      if (frame) this.opts.onFrame(frame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handleClose(event.code, event.reason);
    };
    socket.onerror = () => {
      // A close event follows; it decides.
    };
  }

  private handleClose(code: number, reason: string): void {
    this.clearTimers();
    if (this.stopped) return;
    if (!RECONNECT_CODES.has(code)) {
      this.opts.onState({ phase: "closed", code, reason });
      return;
    }
    const delay = this.backoff(this.attempt);
    this.attempt += 1;
    this.opts.onState({
      phase: "reconnecting",
      attempt: this.attempt,
      retryAt: this.opts.now() + delay,
      code,
    });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  /** Full-jitter exponential backoff: between half and all of min(max, base * 2^attempt). */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (this.opts.random() * ceiling) / 2);
  }

  private flush(): void {
    const sent: string[] = [];
    for (const [id, frame] of this.outbox) {
      this.write(frame);
      sent.push(id);
    }
    if (sent.length > 0) this.opts.onSent?.(sent);
    if (this.pendingCancel !== undefined) {
      const runId = this.pendingCancel;
      this.pendingCancel = undefined;
      this.write({ type: "cancel", payload: runId ? { run_id: runId } : {} });
    }
  }

  private ping(): void {
    const acks = this.opts.acks?.() ?? {};
    this.write({ type: "ping", payload: Object.keys(acks).length > 0 ? { acks } : {} });
  }

  private write(frame: object): void {
    this.socket?.send(JSON.stringify(frame));
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onclose = null;
  socket.onmessage = null;
  socket.onerror = null;
}
