/**
 * What an answer did to the watcher: an alert it proposed (inactive until saved here or by
 * replying "yes"), one it saved, a coin it added to the watchlist (with an undo) or removed.
 */
import { BellPlus, BellRing, Eye, EyeOff } from "lucide-react";
import { useState } from "react";
import { formatPrice } from "../../lib/format";
import type { WatchAction } from "../../lib/protocol";

export interface WatchCallbacks {
  onConfirm: (alertId: string) => Promise<void>;
  onDismiss: (alertId: string) => Promise<void>;
  onUndoWatch: (coinId: string) => Promise<void>;
}

type Outcome = "saved" | "dismissed" | "undone" | { error: string };

export function WatchActions({ actions, callbacks }: { actions: WatchAction[]; callbacks?: WatchCallbacks }) {
  return (
    <ul className="watch-actions-card" aria-label="Watcher" data-testid="watch-actions">
      {actions.map((action) => (
        <ActionRow key={`${action.action}-${action.alert_id ?? action.coin_id}`} action={action} callbacks={callbacks} />
      ))}
    </ul>
  );
}

function ActionRow({ action, callbacks }: { action: WatchAction; callbacks?: WatchCallbacks }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const run = async (work: () => Promise<void>, done: Outcome) => {
    try {
      await work();
      setOutcome(done);
    } catch (e) {
      setOutcome({ error: e instanceof Error ? e.message : "it did not work" });
    }
  };
  const price = action.price != null ? ` (now ${formatPrice(action.price)})` : "";
  const alertId = action.alert_id ?? "";
  if (action.action === "alert_proposed") {
    return (
      <li className="watch-action proposed" data-testid="proposed-alert">
        <BellPlus size={16} aria-hidden="true" />
        <span>
          <strong>{action.label}</strong>
          <span className="muted">{price}</span>
          <span className="small muted"> · proposed, not active yet</span>
        </span>
        <span className="grow" />
        {outcome === null && callbacks && (
          <>
            <button type="button" className="btn small primary" onClick={() => void run(() => callbacks.onConfirm(alertId), "saved")} data-testid="confirm-alert">
              Save alert
            </button>
            <button type="button" className="btn small ghost" onClick={() => void run(() => callbacks.onDismiss(alertId), "dismissed")}>
              Dismiss
            </button>
          </>
        )}
        <OutcomeText outcome={outcome} />
      </li>
    );
  }
  const Icon = action.action === "alert_confirmed" ? BellRing : action.action === "watched" ? Eye : EyeOff;
  return (
    <li className={`watch-action ${action.action}`} data-testid="watch-action">
      <Icon size={16} aria-hidden="true" />
      <span>
        <strong>{action.label}</strong>
        <span className="muted">{price}</span>
      </span>
      <span className="grow" />
      {action.action === "watched" && outcome === null && callbacks && (
        <button type="button" className="btn small ghost" onClick={() => void run(() => callbacks.onUndoWatch(action.coin_id), "undone")}>
          Undo
        </button>
      )}
      <OutcomeText outcome={outcome} />
    </li>
  );
}

function OutcomeText({ outcome }: { outcome: Outcome | null }) {
  if (outcome === null) return null;
  if (typeof outcome === "object") {
    return (
      <span className="field-error small" role="alert">
        {outcome.error}
      </span>
    );
  }
  const text = { saved: "Saved: watching now", dismissed: "Dismissed", undone: "Undone" }[outcome];
  return (
    <span className="small muted" role="status" data-testid="watch-outcome">
      {text}
    </span>
  );
}
