import { SendHorizontal, Square, X } from "lucide-react";
import { useState, type KeyboardEvent } from "react";
import { MAX_MESSAGE_CHARS } from "../../lib/protocol";
import type { Notice } from "../../state/types";

interface Props {
  busy: boolean;
  running: boolean;
  online: boolean;
  notices: Notice[];
  onAsk: (text: string) => boolean;
  onCancel: () => void;
  onDismiss: (key: string) => void;
}

export function validateMessage(text: string): string | null {
  if (text.length > MAX_MESSAGE_CHARS) {
    return `Too long: ${text.length.toLocaleString("en-US")} characters. The limit is ${MAX_MESSAGE_CHARS.toLocaleString("en-US")}.`;
  }
  return null;
}

export function Composer({ busy, running, online, notices, onAsk, onCancel, onDismiss }: Props) {
  const [text, setText] = useState("");
  const error = validateMessage(text);
  const blank = text.trim().length === 0;
  const canSend = !blank && !error && !busy;

  const send = () => {
    if (canSend && onAsk(text)) setText("");
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {notices.map((notice) => (
        <div key={notice.key} className="notice" role="alert" data-testid="notice">
          <span className="grow">
            <strong>{notice.message}</strong>
            {notice.details ? <span className="muted"> {notice.details}</span> : null}
          </span>
          <button type="button" className="btn icon ghost small" aria-label="Dismiss" title="Dismiss" onClick={() => onDismiss(notice.key)}>
            <X size={14} aria-hidden="true" />
          </button>
        </div>
      ))}
      <label htmlFor="question" className="sr-only">
        Your question
      </label>
      <div className="composer-row">
        <textarea
          id="question"
          data-testid="composer"
          value={text}
          rows={1}
          placeholder={running ? "The team is working… (Cancel to stop it)" : "Ask about a coin, a chart, a comparison…"}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "composer-hint composer-error" : "composer-hint"}
        />
        <div className="composer-actions">
          {running ? (
            <button type="button" className="btn danger" onClick={onCancel} data-testid="cancel">
              <Square size={14} aria-hidden="true" /> Cancel
            </button>
          ) : null}
          <button type="submit" className="btn primary" disabled={!canSend} data-testid="send" aria-label="Send" title="Send (Enter)">
            <SendHorizontal size={16} aria-hidden="true" />
            <span className="btn-text">Send</span>
          </button>
        </div>
      </div>
      {error && (
        <div id="composer-error" className="field-error" role="alert" data-testid="composer-error">
          {error}
        </div>
      )}
      <span id="composer-hint" className={`hint ${text.length > MAX_MESSAGE_CHARS * 0.9 || !online ? "" : "quiet"}`}>
        <span className="wide-only">Enter to send · Shift+Enter for a new line · </span>
        <span className={text.length > MAX_MESSAGE_CHARS ? "down" : ""}>
          {text.length.toLocaleString("en-US")} / {MAX_MESSAGE_CHARS.toLocaleString("en-US")}
        </span>
        {!online && " · offline: your question is sent on reconnect"}
      </span>
    </form>
  );
}
