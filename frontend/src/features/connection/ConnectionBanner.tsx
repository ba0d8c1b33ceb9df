import { useEffect, useState } from "react";
import { CloseCode } from "../../lib/protocol";
import type { ConnectionState } from "./socket";

const CLOSE_REASONS: Record<number, string> = {
  [CloseCode.NORMAL]: "The connection was closed.",
  [CloseCode.POLICY]: "The server closed the connection (policy).",
  [CloseCode.TOO_BIG]: "The server closed the connection: a message was too large.",
  [CloseCode.UNAUTHORIZED]: "Not authorized.",
  [CloseCode.FORBIDDEN]: "Forbidden.",
  [CloseCode.NOT_FOUND]: "That run or conversation does not exist.",
};

const PHASES: Record<ConnectionState["phase"], string> = {
  open: "Connected",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

/** The connection to the server (not the market data: see the data-mode badge). */
export function ConnectionStatus({ state }: { state: ConnectionState }) {
  const label = PHASES[state.phase];
  return (
    <span
      className={`conn ${state.phase}`}
      data-testid="connection"
      data-phase={state.phase}
      title={`Connection to the CryptoDesk server: ${label}`}
      role="status"
    >
      <span className={`conn-dot ${state.phase}`} aria-hidden="true" />
      <span className="conn-text">{label}</span>
    </span>
  );
}

/** Shown while the socket is not open; says what happens next and offers to retry now. */
export function ConnectionBanner({ state, onRetry }: { state: ConnectionState; onRetry: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.phase !== "reconnecting") return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [state.phase]);

  if (state.phase === "open") return null;
  if (state.phase === "connecting" && state.attempt === 0) return null;
  let text: string;
  if (state.phase === "reconnecting") {
    const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
    text = `Connection lost (code ${state.code}). Reconnecting in ${seconds} s (attempt ${state.attempt}); your work is kept and resumes where it stopped.`;
  } else if (state.phase === "connecting") {
    text = `Reconnecting (attempt ${state.attempt})…`;
  } else {
    text = CLOSE_REASONS[state.code] ?? `Disconnected (code ${state.code}).`;
  }
  return (
    <div className={`banner ${state.phase}`} role="status" data-testid="connection-banner">
      <span className="grow">{text}</span>
      <button type="button" className="btn small" onClick={onRetry}>
        Retry now
      </button>
    </div>
  );
}
