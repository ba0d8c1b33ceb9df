/**
 * The settings dialog: LLM provider and models per role, keys (write-only), market data,
 * exchange, budgets and limits; a Test button per section. Saved changes apply to the next run.
 */
import { Settings, X } from "lucide-react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError } from "../../lib/api";
import { SecretField } from "./SecretField";
import { TestButton } from "./VerdictView";
import {
  settingsApi,
  useSettings,
  useSettingsChange,
  type EditableSettings,
  type SecretName,
  type SettingsOut,
} from "./api";

type Draft = Record<keyof EditableSettings, string>;
type FieldName = keyof EditableSettings;

const NUMBERS = new Set<FieldName>([
  "llm_timeout_s",
  "run_budget_tokens",
  "run_budget_usd",
  "http_timeout_s",
  "exchange_timeout_s",
  "max_turns",
  "run_timeout_s",
  "tool_timeout_s",
]);

function toDraft(values: EditableSettings): Draft {
  const draft = {} as Draft;
  for (const [key, value] of Object.entries(values)) {
    draft[key as FieldName] = value == null ? "" : String(value);
  }
  return draft;
}

/** The fields that differ from the server's values; an emptied field is `null` (back to the
 * environment or the default). */
function changes(draft: Draft, values: EditableSettings): Partial<EditableSettings> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(draft) as FieldName[]) {
    const before = values[key] == null ? "" : String(values[key]);
    const text = draft[key].trim();
    if (text === before) continue;
    patch[key] = text === "" ? null : NUMBERS.has(key) ? Number(text) : text;
  }
  return patch as Partial<EditableSettings>;
}

export function SettingsDialog({ open, onClose, onApplied }: { open: boolean; onClose: () => void; onApplied: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const query = useSettings(open);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog ref={ref} className="settings-dialog" onClose={onClose} aria-labelledby="settings-title" data-testid="settings-dialog">
      <header>
        <h2 id="settings-title">
          <Settings size={18} aria-hidden="true" /> Settings
        </h2>
        <button type="button" className="btn icon ghost" onClick={onClose} aria-label="Close settings" title="Close">
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      {query.isPending && <p className="muted">Loading…</p>}
      {query.error && (
        <p className="field-error" role="alert">
          {query.error.message}
        </p>
      )}
      {query.data && <SettingsForm data={query.data} onApplied={onApplied} />}
    </dialog>
  );
}

function SettingsForm({ data, onApplied }: { data: SettingsOut; onApplied: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(data.values));
  const [saved, setSaved] = useState(false);
  const [shownValues, setShownValues] = useState(data.values);
  // New values from the server (after a save) replace the draft.
  if (shownValues !== data.values) {
    setShownValues(data.values);
    setDraft(toDraft(data.values));
  }
  const form = useRef<HTMLFormElement>(null);
  const save = useSettingsChange((patch: Partial<EditableSettings>) => settingsApi.put(patch), onApplied);
  const reasons =
    save.error instanceof ApiError
      ? ((save.error.body as { reasons?: Record<string, string> } | undefined)?.reasons ?? {})
      : {};
  const problems = Object.keys(reasons).length;
  // A refused save: the first field to fix comes into view (the buttons stay in the footer).
  useEffect(() => {
    if (!save.error) return;
    const field = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    field?.scrollIntoView({ block: "center" });
    field?.focus({ preventScroll: true });
  }, [save.error]);
  const patch = changes(draft, data.values);
  const dirty = Object.keys(patch).length > 0;
  const secret = (name: SecretName) => {
    const status = data.secrets.find((s) => s.name === name);
    return status ? <SecretField key={name} status={status} onApplied={onApplied} /> : null;
  };
  const field = (name: FieldName, label: string, props: Partial<FieldProps> = {}) => (
    <Field
      name={name}
      label={label}
      value={draft[name]}
      source={data.sources[name]}
      error={reasons[name]}
      onChange={(value) => {
        setSaved(false);
        setDraft((d) => ({ ...d, [name]: value }));
      }}
      {...props}
    />
  );
  const provider = draft.llm_provider;

  return (
    <form
      ref={form}
      className="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(patch, { onSuccess: () => setSaved(true) });
      }}
    >
      <div className="settings-body">
      <p className="muted">
        Engine for the next question: <strong data-testid="settings-engine">{data.engine}</strong>. Secrets:{" "}
        {data.vault.location}
        {!data.vault.writable && " (read-only)"}.
      </p>
      {data.vault.error && (
        <p className="field-error" role="alert">
          Vault: {data.vault.error}
        </p>
      )}
      <Section title="LLM" test={<TestButton target="llm" label="LLM" />}>
        {field("engine", "Engine", { options: ["auto", "offline", "magentic"] })}
        {field("llm_provider", "Provider", { options: ["", "openai", "azure", "ollama", "openai-compatible"] })}
        {provider !== "azure" && field("llm_base_url", "Endpoint (base URL)", { placeholder: "https://api.openai.com/v1" })}
        {field("llm_model", provider === "azure" ? "Default deployment" : "Default model")}
        {field("llm_orchestrator_model", "Orchestrator model", { placeholder: "default model" })}
        {field("llm_worker_model", "Specialist agents' model", { placeholder: "default model" })}
        {provider === "azure" && field("azure_openai_endpoint", "Azure endpoint", { placeholder: "https://NAME.openai.azure.com" })}
        {provider === "azure" && field("azure_openai_deployment", "Azure deployment")}
        {provider === "azure" && field("azure_openai_api_version", "Azure API version")}
        {(provider === "ollama" || provider === "") && field("ollama_url", "Ollama URL")}
        {provider === "azure" ? secret("azure_openai_api_key") : secret("openai_api_key")}
      </Section>
      <Section title="Market data" test={<TestButton target="market" label="market data" />}>
        {field("market_data", "Source", { options: ["auto", "live", "replay", "demo"] })}
        {draft.market_data === "replay" && field("replay_dir", "Replay folder (CSV files)")}
        {field("coingecko_plan", "CoinGecko plan", { options: ["keyless", "demo", "pro"] })}
        {secret("coingecko_api_key")}
      </Section>
      <Section title="Exchange" test={<TestButton target="exchange" label="exchange" />}>
        {field("exchange", "Exchange (ccxt id)", { placeholder: "bitget" })}
        {field("exchange_quote", "Quote currency")}
        {secret("exchange_api_key")}
        {secret("exchange_api_secret")}
        {secret("exchange_api_passphrase")}
      </Section>
      <Section title="Budgets and limits">
        {field("max_turns", "Rounds per run", { type: "number" })}
        {field("run_budget_tokens", "Token budget per run", { type: "number", placeholder: "none" })}
        {field("run_budget_usd", "Cost budget per run (USD)", { type: "number", placeholder: "none" })}
        {field("run_timeout_s", "Run timeout (s)", { type: "number" })}
        {field("tool_timeout_s", "Tool timeout (s)", { type: "number" })}
        {field("llm_timeout_s", "LLM request timeout (s)", { type: "number" })}
      </Section>
      </div>
      <footer className="settings-actions">
        {save.error && (
          <span className="field-error" role="alert" data-testid="settings-error">
            {problems
              ? `Not saved: ${problems === 1 ? "one field needs" : `${problems} fields need`} a fix (${Object.keys(reasons)
                  .map((name) => LABELS[name] ?? name)
                  .join(", ")}).`
              : `Not saved: ${save.error.message}`}
          </span>
        )}
        {saved && !dirty && (
          <span className="muted" role="status">
            Saved: applies to the next question.
          </span>
        )}
        <button type="submit" className="btn primary" disabled={!dirty || save.isPending} data-testid="settings-save">
          Save settings
        </button>
      </footer>
    </form>
  );
}

function Section({ title, test, children }: { title: string; test?: ReactNode; children: ReactNode }) {
  return (
    <fieldset className="settings-section">
      <legend>{title}</legend>
      <div className="settings-grid">{children}</div>
      {test}
    </fieldset>
  );
}

/** Field names as the form labels them, for the summary of a refused save. */
const LABELS: Record<string, string> = {
  engine: "Engine",
  llm_provider: "Provider",
  llm_base_url: "Endpoint (base URL)",
  llm_model: "Default model",
  llm_orchestrator_model: "Orchestrator model",
  llm_worker_model: "Specialist agents' model",
  azure_openai_endpoint: "Azure endpoint",
  azure_openai_deployment: "Azure deployment",
  azure_openai_api_version: "Azure API version",
  ollama_url: "Ollama URL",
  market_data: "Source",
  replay_dir: "Replay folder",
  coingecko_plan: "CoinGecko plan",
  exchange: "Exchange",
  exchange_quote: "Quote currency",
  max_turns: "Rounds per run",
  run_budget_tokens: "Token budget per run",
  run_budget_usd: "Cost budget per run",
  run_timeout_s: "Run timeout",
  tool_timeout_s: "Tool timeout",
  llm_timeout_s: "LLM request timeout",
};

const SOURCES: Record<string, { text: string; title: string }> = {
  default: { text: "default", title: "CryptoDesk's default: neither set in the environment nor saved here" },
  env: { text: "environment", title: "From the server's environment (CRYPTODESK_* variables, .env) or its start-up options" },
  store: { text: "saved here", title: "Saved from this page; empty the field and save to go back" },
};

interface FieldProps {
  name: FieldName;
  label: string;
  value: string;
  source: string | undefined;
  error: string | undefined;
  onChange: (value: string) => void;
  options?: string[];
  type?: "text" | "number";
  placeholder?: string;
}

function Field({ name, label, value, source, error, onChange, options, type = "text", placeholder }: FieldProps) {
  const id = `setting-${name}`;
  return (
    <div className="field">
      <div className="field-head">
        <label htmlFor={id}>{label}</label>
        {source && (
          <span className={`source ${source}`} id={`${id}-source`} title={SOURCES[source]?.title} data-testid={`source-${name}`}>
            {SOURCES[source]?.text ?? source}
          </span>
        )}
      </div>
      {options ? (
        <select
          id={id}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={[source ? `${id}-source` : "", error ? `${id}-error` : ""].join(" ").trim() || undefined}
        >
          {options.map((o) => (
            <option key={o} value={o}>
              {o || "none"}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type={type}
          step="any"
          value={value}
          placeholder={placeholder}
          autoComplete="off"
          onChange={(e) => onChange(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={[source ? `${id}-source` : "", error ? `${id}-error` : ""].join(" ").trim() || undefined}
        />
      )}
      {error && (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}
