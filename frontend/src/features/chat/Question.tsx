/** A question in the conversation: asked (with a run), or typed here and still on its way. */
import { Clock } from "lucide-react";
import type { LocalMessage } from "../../state/types";

export function Question({ text }: { text: string | null }) {
  return (
    <div className="msg user" data-testid="user-message">
      {text ?? <span className="muted">(question)</span>}
    </div>
  );
}

export function PendingQuestion({ message }: { message: LocalMessage }) {
  return (
    <div className={`turn pending ${message.state}`}>
      <div className={`msg user ${message.state}`} data-testid="user-message">
        {message.text}
      </div>
      <div className="meta">
        {message.state === "queued" && (
          <span>
            <Clock size={13} aria-hidden="true" /> Queued: sent when the connection is back
          </span>
        )}
        {message.state === "sent" && <span>Sending…</span>}
        {message.state === "rejected" && (
          <span className="down" role="alert">
            Not sent: {message.error}
          </span>
        )}
      </div>
    </div>
  );
}
