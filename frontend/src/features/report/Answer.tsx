/**
 * The answer inside a turn of the conversation: what kind of answer it is, the bottom line, the
 * outlook card(s), the run's charts, then the report's markdown. No inner scroll box: the
 * conversation's own scrolling reads it all (wide tables scroll sideways inside themselves).
 */
import { Check, CircleStop, CircleX, Copy, Download } from "lucide-react";
import { forwardRef, memo, useState, type ReactNode } from "react";
import { Badge, DataLabel } from "../../components/Badge";
import { EngineBadge } from "../../components/EngineBadge";
import { formatNumber } from "../../lib/format";
import type { ResultFrame } from "../../lib/protocol";
import type { RunView } from "../../state/types";
import { ANSWER_KINDS } from "./answerKind";
import { reportBody } from "./bottomLine";
import { Markdown } from "./Markdown";
import { OutlookCard } from "./OutlookCard";
import { WatchActions, type WatchCallbacks } from "./WatchActions";

export type { WatchCallbacks };

interface Props {
  run: RunView;
  /** The run's charts, drawn by the charts feature. */
  charts?: ReactNode;
  onShowChart?: (symbol: string, timeframe: string) => void;
  /** Opens the alert dialog prefilled ("alert me when BTC breaks 65,530"). */
  onAlert?: (symbol: string, kind: "level_cross", value: number) => void;
  watch?: WatchCallbacks;
}

export const Answer = forwardRef<HTMLElement, Props>(function Answer({ run, charts, onShowChart, onAlert, watch }, ref) {
  const result = run.result;
  if (!result) {
    if (!run.final) return null;
    const cancelled = run.phase === "cancelled";
    return (
      <article ref={ref} className={`answer ended ${run.phase}`} data-testid="answer" data-phase={run.phase}>
        <p className="answer-lead" data-kind="status">
          {cancelled ? <CircleStop size={16} aria-hidden="true" /> : <CircleX size={16} aria-hidden="true" />}{" "}
          {cancelled ? "Cancelled" : "Failed"}
          {run.statusMessage ? `: ${run.statusMessage}` : ""}
        </p>
        {charts}
      </article>
    );
  }
  const kind = result.answer_kind ? ANSWER_KINDS[result.answer_kind] : null;
  const outlooks = result.outlook ?? [];
  return (
    <article ref={ref} className="answer" data-testid="answer" data-kind={result.answer_kind ?? "unknown"} aria-label="Answer">
      <header className="answer-head">
        {kind && (
          <Badge tone={kind.tone} icon={kind.icon} title={kind.title} testId="answer-kind">
            {kind.text}
          </Badge>
        )}
        <EngineBadge engine={result.engine} title="The engine that wrote this answer" />
        {(result.data_labels ?? []).map((label) => (
          <DataLabel key={label} label={label} />
        ))}
        <span className="grow" />
        <ReportActions result={result} runId={run.runId} />
      </header>
      {result.bottom_line ? (
        <p className="bottom-line answer-lead" data-testid="bottom-line" data-kind="bottom-line">
          {result.bottom_line}
        </p>
      ) : null}
      {(result.watch_actions ?? []).length > 0 && <WatchActions actions={result.watch_actions ?? []} callbacks={watch} />}
      {outlooks.map((outlook) => (
        <OutlookCard key={`${outlook.symbol}-${outlook.timeframe}`} outlook={outlook} onShowChart={onShowChart} onAlert={onAlert} />
      ))}
      {charts}
      {/* Without a bottom line (older runs, engines that do not fill it) the report leads. */}
      <div className={result.bottom_line ? "report" : "report answer-lead"} data-testid="report" data-kind="report">
        <Report content={result.content} bottomLine={result.bottom_line} />
      </div>
      <footer className="usage" data-testid="usage">
        <span>Agents: {result.agents_used.join(", ") || "none"}</span>
        <span>
          Tokens: {formatNumber(result.usage.prompt_tokens, 0)} in · {formatNumber(result.usage.completion_tokens, 0)} out
        </span>
        <span>Cost: {result.usage.cost_usd == null ? "n/a" : `$${result.usage.cost_usd.toFixed(4)}`}</span>
      </footer>
    </article>
  );
});

function ReportActions({ result, runId }: { result: ResultFrame; runId: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(result.content);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  const download = () => {
    const blob = new Blob([result.content], { type: "text/markdown;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `cryptodesk-report-${runId.slice(0, 8)}.md`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <span className="answer-actions">
      <button
        type="button"
        className="btn icon small ghost"
        onClick={() => void copy()}
        aria-label={copied ? "Copied" : "Copy the report as markdown"}
        title={copied ? "Copied" : "Copy the report as markdown"}
      >
        {copied ? <Check size={15} aria-hidden="true" /> : <Copy size={15} aria-hidden="true" />}
      </button>
      <button
        type="button"
        className="btn icon small ghost"
        onClick={download}
        data-testid="download-md"
        aria-label="Download the report as a markdown file"
        title="Download the report (.md)"
      >
        <Download size={15} aria-hidden="true" />
      </button>
    </span>
  );
}

/** The report's markdown, parsed again only when it changes. */
const Report = memo(function Report({ content, bottomLine }: { content: string; bottomLine: string | null }) {
  return <Markdown content={reportBody(content, bottomLine)} />;
});
