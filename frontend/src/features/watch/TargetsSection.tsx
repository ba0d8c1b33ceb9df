/**
 * Where notifications go: Apprise URLs (Telegram, Discord, Slack, e-mail, ntfy, webhooks...).
 * A URL is sent once and never shown again (the server keeps it in the vault and answers with
 * its masked form); the Test button sends a real notification and says whether it arrived.
 */
import { Send, Trash2 } from "lucide-react";
import { useEffect, useState } from "react";
import { ApiError } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { watchApi, type TargetOut } from "./api";

export function TargetsSection() {
  const [targets, setTargets] = useState<TargetOut[] | null>(null);
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const reload = () => watchApi.targets().then(setTargets, () => setTargets([]));
  useEffect(() => {
    void reload();
  }, []);

  const add = async () => {
    setError(null);
    try {
      await watchApi.addTarget(name.trim(), url.trim());
      setName("");
      setUrl("");
      await reload();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The target could not be added.");
    }
  };
  const test = async (id: string) => {
    setTesting(id);
    try {
      await watchApi.testTarget(id);
    } finally {
      setTesting(null);
      await reload();
    }
  };

  return (
    <details className="targets" data-testid="targets">
      <summary>Where notifications go{targets ? ` (${targets.length})` : ""}</summary>
      <ul className="target-items" aria-label="Notification targets">
        {(targets ?? []).map((t) => (
          <li key={t.id} className="target" data-testid="target">
            <div className="target-name">
              <strong>{t.name}</strong> <span className="muted small">{t.service}</span>
              <div className="muted small target-url">{t.masked}</div>
              {t.tested_at && (
                <div className={`small ${t.test_ok ? "up" : "down"}`} data-testid="target-test-result">
                  Test {formatDateTime(t.tested_at)}: {t.test_detail}
                </div>
              )}
            </div>
            <button type="button" className="btn small" disabled={testing === t.id} onClick={() => void test(t.id)} data-testid="target-test">
              <Send size={13} aria-hidden="true" /> {testing === t.id ? "Testing…" : "Test"}
            </button>
            <button
              type="button"
              className="btn icon small ghost"
              onClick={() => void watchApi.deleteTarget(t.id).then(reload)}
              aria-label={`Delete the target ${t.name}`}
              title="Delete"
            >
              <Trash2 size={14} aria-hidden="true" />
            </button>
          </li>
        ))}
      </ul>
      <form
        className="target-add"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required data-testid="target-name" />
        </label>
        <label className="field">
          <span>Apprise URL (kept secret)</span>
          <input
            type="password"
            autoComplete="off"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="tgram://bot-token/chat-id, ntfy://topic, json://host/path…"
            required
            data-testid="target-url"
          />
        </label>
        <button type="submit" className="btn" disabled={!name.trim() || !url.trim()} data-testid="target-add">
          Add
        </button>
      </form>
      {error && (
        <p className="field-error" role="alert" data-testid="target-error">
          {error}
        </p>
      )}
    </details>
  );
}
