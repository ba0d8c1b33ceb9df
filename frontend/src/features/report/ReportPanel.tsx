import { useState } from "react";
import { Badge, DataLabel } from "../../components/Badge";
import { formatNumber } from "../../lib/format";
import type { RunView } from "../../state/types";
import { Markdown } from "./Markdown";

export function ReportPanel({ run }: { run: RunView | null }) {
  const result = run?.result ?? null;
  const [copied, setCopied] = useState(false);

  const copy = async () => {
    if (!result) return;
    try {
      await navigator.clipboard.writeText(result.content);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };

  const download = () => {
    if (!result || !run) return;
    const blob = new Blob([result.content], { type: "text/markdown;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `cryptodesk-report-${run.runId.slice(0, 8)}.md`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const usage = result?.usage;
  return (
    <section className="panel report-panel" aria-labelledby="report-title" data-testid="report-panel">
      <header>
        <h2 id="report-title">Report</h2>
        {result && (
          <>
            <Badge tone="info" title="The engine that wrote this report">
              {engineLabel(result.engine)}
            </Badge>
            {(result.data_labels ?? []).map((label) => (
              <DataLabel key={label} label={label} />
            ))}
            <span className="grow" />
            <button type="button" className="btn small" onClick={() => void copy()}>
              {copied ? "✓ Copied" : "Copy"}
            </button>
            <button type="button" className="btn small" onClick={download} data-testid="download-md">
              ⬇ .md
            </button>
          </>
        )}
      </header>
      <div className="panel-body">
        {result ? (
          <>
            <Markdown content={result.content} />
            <div className="usage" data-testid="usage">
              <span>Agents: {result.agents_used.join(", ") || "none"}</span>
              <span>
                Tokens: {formatNumber(usage?.prompt_tokens ?? 0, 0)} in · {formatNumber(usage?.completion_tokens ?? 0, 0)} out
              </span>
              <span>Cost: {usage?.cost_usd == null ? "n/a" : `$${usage.cost_usd.toFixed(4)}`}</span>
            </div>
          </>
        ) : (
          <p className="empty">
            {run && !run.final
              ? "The report appears here when the team finishes."
              : run
                ? "This run ended without a report."
                : "The final markdown report appears here."}
          </p>
        )}
      </div>
    </section>
  );
}

export function engineLabel(engine: string): string {
  return engine === "offline" ? "🧮 offline analyst" : `🤖 ${engine}`;
}
