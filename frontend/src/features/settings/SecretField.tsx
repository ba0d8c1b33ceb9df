import { useState } from "react";
import { formatChanged } from "./format";
import { settingsApi, useSettingsChange, type SecretStatus } from "./api";

/** A write-only key: a masked input that is never pre-filled, and the key's status only. */
export function SecretField({ status, onApplied }: { status: SecretStatus; onApplied: () => void }) {
  const [value, setValue] = useState("");
  const save = useSettingsChange((v: string) => settingsApi.putSecret(status.name, v), onApplied);
  const remove = useSettingsChange(() => settingsApi.deleteSecret(status.name), onApplied);
  const id = `secret-${status.name}`;
  const error = save.error ?? remove.error;

  const submit = () => {
    const trimmed = value.trim();
    if (!trimmed) return;
    save.mutate(trimmed, { onSuccess: () => setValue("") });
    setValue("");
  };

  return (
    <div className="field secret" data-testid={id}>
      <label htmlFor={id}>
        {status.label}
        {!status.used && <span className="muted"> (not used by the chosen provider)</span>}
      </label>
      <div className="secret-row">
        <input
          id={id}
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          value={value}
          placeholder={status.is_set ? "enter a new value to replace it" : "not set"}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="button" className="btn small" disabled={!value.trim() || save.isPending} onClick={submit}>
          Save key
        </button>
        {status.is_set && status.source === "vault" && (
          <button
            type="button"
            className="btn small danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate(undefined)}
          >
            Remove
          </button>
        )}
      </div>
      <span className="hint" data-testid={`${id}-status`}>
        {status.is_set
          ? `set ${status.last4 ? `••••${status.last4}` : "(short: no hint shown)"}${
              status.updated_at ? `, changed ${formatChanged(status.updated_at)}` : ""
            }${status.source === "env" ? " (from the environment)" : ""}`
          : "not set"}
      </span>
      {error && (
        <span className="field-error" role="alert">
          {error.message}
        </span>
      )}
    </div>
  );
}
