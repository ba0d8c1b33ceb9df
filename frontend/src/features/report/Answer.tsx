/**
 * The answer inside a turn of the conversation: what kind of answer it is, the bottom line, the
 * outlook card(s), the run's charts, then the report's markdown. No inner scroll box: the
 * conversation's own scrolling reads it all (wide tables scroll sideways inside themselves).
 */
import { Check, CircleStop, CircleX, Copy, Download, ShieldAlert, ShieldCheck } from "lucide-react";
import { forwardRef, memo, useState, type ReactNode } from "react";
import { Badge, DataLabel } from "../../components/Badge";
import { EngineBadge } from "../../components/EngineBadge";
import { formatNumber } from "../../lib/format";
import type { Grounding, ResultFrame } from "../../lib/protocol";
import type { RunView } from "../../state/types";
import { ANSWER_KINDS } from "./answerKind";
import { reportBody } from "./bottomLine";
import { figurePattern, NO_SOURCE, splitFigures } from "./grounding";
import { Markdown } from "./Markdown";
import { OutlookCard } from "./OutlookCard";
import { WatchActions, type WatchCallbacks } from "./WatchActions";

export type { WatchCallbacks };

interface Props {
  run: RunView;
  /** The run's charts, drawn by the charts feature. */
  charts?: ReactNode;
  /** Thumbs up or down on the answer, from the feedback feature. */
  feedback?: ReactNode;
  onShowChart?: (symbol: string, timeframe: string) => void;
  /** Opens the alert dialog prefilled ("alert me when BTC breaks 65,530"). */
  onAlert?: (symbol: string, kind: "level_cross", value: number) => void;
  watch?: WatchCallbacks;
}

export const Answer = forwardRef<HTMLElement, Props>(function Answer({ run, charts, feedback, onShowChart, onAlert, watch }, ref) {
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
  const ungrounded = (result.grounding?.unmatched ?? []).map((u) => u.text);
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
        <GroundingBadge grounding={result.grounding} />
        <span className="grow" />
        <ReportActions result={result} runId={run.runId} />
      </header>
      {result.bottom_line ? (
        <p className="bottom-line answer-lead" data-testid="bottom-line" data-kind="bottom-line">
          <Figures text={result.bottom_line} ungrounded={ungrounded} />
        </p>
      ) : null}
      {(result.watch_actions ?? []).length > 0 && <WatchActions actions={result.watch_actions ?? []} callbacks={watch} />}
      {outlooks.map((outlook) => (
        <OutlookCard key={`${outlook.symbol}-${outlook.timeframe}`} outlook={outlook} onShowChart={onShowChart} onAlert={onAlert} />
      ))}
      {charts}
      {/* Without a bottom line (older runs, engines that do not fill it) the report leads. */}
      <div className={result.bottom_line ? "report" : "report answer-lead"} data-testid="report" data-kind="report">
        <Report content={result.content} bottomLine={result.bottom_line} ungrounded={ungrounded} />
      </div>
      <footer className="usage" data-testid="usage">
        <span>Agents: {result.agents_used.join(", ") || "none"}</span>
        <span>
          Tokens: {formatNumber(result.usage.prompt_tokens, 0)} in · {formatNumber(result.usage.completion_tokens, 0)} out
        </span>
        <span data-testid="usage-cost">
          Cost: {result.usage.cost_usd == null ? "n/a" : `$${result.usage.cost_usd.toFixed(4)}`}
          {run.estimate ? ` (estimated ${estimateText(run.estimate.cost_usd, run.estimate.prompt_tokens + run.estimate.completion_tokens)})` : ""}
        </span>
        {feedback && <span className="grow" />}
        {feedback}
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
const Report = memo(function Report({
  content,
  bottomLine,
  ungrounded,
}: {
  content: string;
  bottomLine: string | null;
  ungrounded: readonly string[];
}) {
  return <Markdown content={reportBody(content, bottomLine)} ungrounded={ungrounded} />;
});

/** Plain text (the bottom line) with its figures that no tool result holds underlined. */
function Figures({ text, ungrounded }: { text: string; ungrounded: readonly string[] }) {
  const parts = splitFigures(text, figurePattern(ungrounded));
  return (
    <>
      {parts.map((part, i) =>
        part.ungrounded ? (
          <span key={i} className="ungrounded" title={NO_SOURCE} data-testid="ungrounded">
            {part.text}
            <span className="sr-only"> ({NO_SOURCE})</span>
          </span>
        ) : (
          part.text
        ),
      )}
    </>
  );
}

/** Whether the report's figures come from the tool results: flagged when some do not. */
function GroundingBadge({ grounding }: { grounding: Grounding | null | undefined }) {
  if (!grounding || grounding.checked === 0) return null;
  const unmatched = grounding.unmatched ?? [];
  if (unmatched.length === 0) {
    return (
      <Badge
        tone="up"
        icon={ShieldCheck}
        title="Every figure of this answer comes from a tool result"
        testId="grounding"
        className="grounding-badge checked"
      >
        {grounding.checked} figures checked
      </Badge>
    );
  }
  const listed = unmatched.map((u) => u.text).join(", ");
  return (
    <Badge tone="warn" icon={ShieldAlert} title={`${NO_SOURCE}: ${listed}`} testId="grounding" className="grounding-badge">
      <BadgeText
        long={`${unmatched.length} figure${unmatched.length === 1 ? "" : "s"} without a source`}
        short={String(unmatched.length)}
      />
    </Badge>
  );
}

/** A phone keeps the answer's head on one row: the count beside the icon there (the tooltip
 * and the marks in the text say the rest), the long text read aloud. */
function BadgeText({ long, short }: { long: string; short: string }) {
  return (
    <>
      <span className="long">{long}</span>
      <span className="short" aria-hidden="true">
        {short}
      </span>
    </>
  );
}

function estimateText(cost: number | null | undefined, tokens: number): string {
  return cost == null ? `~${formatNumber(tokens, 0)} tokens` : `~$${cost.toFixed(4)}`;
}
