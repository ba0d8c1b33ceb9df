import { Check, CircleCheck, CircleX, X } from "lucide-react";
import { useState } from "react";
import { settingsApi, type CheckTarget, type Verdict } from "./api";

/** A Test button for one section and the verdict it got: what worked, what failed and why. */
export function TestButton({ target, label }: { target: CheckTarget; label: string }) {
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setVerdict(await settingsApi.test(target));
    } catch (e) {
      setVerdict(null);
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="verdict-box" data-testid={`test-${target}`}>
      <button type="button" className="btn small" onClick={() => void run()} disabled={busy}>
        {busy ? "Testing…" : `Test ${label}`}
      </button>
      {error && (
        <p className="verdict bad" role="alert">
          {error}
        </p>
      )}
      {verdict && (
        <div className={`verdict ${verdict.ok ? "good" : "bad"}`} role="status" data-ok={verdict.ok}>
          <strong>
            {verdict.ok ? <CircleCheck size={15} aria-hidden="true" /> : <CircleX size={15} aria-hidden="true" />}{" "}
            {verdict.ok ? "Works" : "Failed"}
          </strong>
          : {verdict.summary}
          {verdict.latency_ms != null && <span className="muted"> ({verdict.latency_ms} ms)</span>}
          <ul>
            {verdict.steps.map((step) => (
              <li key={step.name}>
                {step.ok ? <Check size={13} aria-label="ok" /> : <X size={13} aria-label="failed" />} {step.name}:{" "}
                {step.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
