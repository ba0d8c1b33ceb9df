/**
 * The alert dialog: a coin, a condition and its threshold, how often it may fire, whether an
 * analysis follows, and where the notification goes. Opened from the watchlist, the header or an
 * answer's outlook card ("alert me when BTC breaks 65,530"), prefilled from where it was opened.
 * The server checks it again and says why when it refuses.
 */
import { BellPlus, X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { ApiError } from "../../lib/api";
import { priceDecimals } from "../../lib/format";
import { watchApi, type AlertIn, type ConditionKind, type TargetOut } from "./api";
import { KIND_ORDER, KINDS, parseValue, valueProblem } from "./conditions";

export interface AlertDraft {
  symbol: string;
  kind: ConditionKind;
  value: number | null;
}

interface Props {
  draft: AlertDraft | null;
  onClose: () => void;
}

const WINDOWS = ["5m", "15m", "1h", "4h", "24h"] as const;
const TIMEFRAMES = ["5m", "15m", "1h", "4h", "1d", "1w"] as const;

export function AlertDialog({ draft, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (draft && !dialog.open) dialog.showModal();
    if (!draft && dialog.open) dialog.close();
  }, [draft]);
  return (
    <dialog ref={ref} className="alert-dialog" onClose={onClose} aria-labelledby="alert-title" data-testid="alert-dialog">
      <header>
        <h2 id="alert-title">
          <BellPlus size={18} aria-hidden="true" /> New alert
        </h2>
        <button type="button" className="btn icon ghost" onClick={onClose} aria-label="Close the alert dialog" title="Close">
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      {draft && <AlertForm key={`${draft.symbol}-${draft.kind}-${draft.value}`} draft={draft} onDone={onClose} />}
    </dialog>
  );
}

function AlertForm({ draft, onDone }: { draft: AlertDraft; onDone: () => void }) {
  const [symbol, setSymbol] = useState(draft.symbol);
  const [kind, setKind] = useState<ConditionKind>(draft.kind);
  const [value, setValue] = useState(draft.value == null ? "" : draft.value.toFixed(priceDecimals(draft.value)));
  const [window_, setWindow] = useState<(typeof WINDOWS)[number]>("1h");
  const [timeframe, setTimeframe] = useState<(typeof TIMEFRAMES)[number]>("1h");
  const [cooldownMin, setCooldownMin] = useState("60");
  const [once, setOnce] = useState(false);
  const [followUp, setFollowUp] = useState(false);
  const [targets, setTargets] = useState<TargetOut[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    watchApi.targets().then(setTargets, () => setTargets([]));
  }, []);
  const problem = valueProblem(kind, value);
  const info = KINDS[kind];

  const submit = async () => {
    setTouched(true);
    if (problem || !symbol.trim()) return;
    const condition: AlertIn["condition"] = { kind, value: parseValue(value) };
    if (kind === "pct_move") condition.window = window_;
    if (kind === "rsi_above" || kind === "rsi_below" || kind === "volume_spike") condition.timeframe = timeframe;
    setBusy(true);
    setError(null);
    try {
      await watchApi.createAlert({
        symbol: symbol.trim(),
        condition,
        target_ids: chosen,
        follow_up: followUp,
        once,
        cooldown_s: Math.max(0, Math.round(Number(cooldownMin || "0") * 60)),
      });
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The alert could not be saved.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="alert-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="alert-grid">
        <label className="field">
          <span>Coin</span>
          <input value={symbol} onChange={(e) => setSymbol(e.target.value)} maxLength={64} required data-testid="alert-symbol" />
        </label>
        <label className="field">
          <span>Condition</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as ConditionKind)} data-testid="alert-kind">
            {KIND_ORDER.map((k) => (
              <option key={k} value={k}>
                {KINDS[k].label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Value ({info.unit})</span>
          <input
            value={value}
            onChange={(e) => setValue(e.target.value)}
            inputMode="decimal"
            aria-invalid={touched && problem ? true : undefined}
            aria-describedby={touched && problem ? "alert-value-problem" : undefined}
            data-testid="alert-value"
          />
          {touched && problem && (
            <span id="alert-value-problem" className="field-error">
              {problem}
            </span>
          )}
        </label>
        {kind === "pct_move" && (
          <label className="field">
            <span>Within</span>
            <select value={window_} onChange={(e) => setWindow(e.target.value as (typeof WINDOWS)[number])}>
              {WINDOWS.map((w) => (
                <option key={w}>{w}</option>
              ))}
            </select>
          </label>
        )}
        {(kind === "rsi_above" || kind === "rsi_below" || kind === "volume_spike") && (
          <label className="field">
            <span>Candles</span>
            <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as (typeof TIMEFRAMES)[number])}>
              {TIMEFRAMES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>Quiet for (minutes)</span>
          <input value={cooldownMin} onChange={(e) => setCooldownMin(e.target.value)} inputMode="numeric" />
        </label>
      </div>
      <div className="alert-options">
        <label className="check">
          <input type="checkbox" checked={once} onChange={(e) => setOnce(e.target.checked)} /> Fire once, then stop
        </label>
        <label className="check">
          <input type="checkbox" checked={followUp} onChange={(e) => setFollowUp(e.target.checked)} /> Run an
          analysis when it fires
        </label>
      </div>
      <fieldset className="alert-targets">
        <legend>Also send to</legend>
        {targets.length === 0 && <p className="muted small">No notification targets yet: add one under Notifications, "Where notifications go".</p>}
        {targets.map((t) => (
          <label key={t.id} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(t.id)}
              onChange={(e) => setChosen((c) => (e.target.checked ? [...c, t.id] : c.filter((id) => id !== t.id)))}
            />{" "}
            {t.name} <span className="muted small">{t.masked}</span>
          </label>
        ))}
      </fieldset>
      {error && (
        <p className="field-error" role="alert" data-testid="alert-error">
          {error}
        </p>
      )}
      <footer>
        <span className="muted small">Checked by the server on every price update; no LLM involved.</span>
        <span className="grow" />
        <button type="button" className="btn ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn primary" disabled={busy} data-testid="alert-save">
          Save alert
        </button>
      </footer>
    </form>
  );
}
