/**
 * The conversation: each turn is the question, the team at work (a compact live trace), then the
 * answer with its charts. One scroll reads everything; it follows the newest turn (useFollow).
 */
import { memo, useCallback, useRef } from "react";
import { ChartCards } from "../features/charts/ChartCards";
import type { Workspace } from "../features/charts/useWorkspace";
import { Composer } from "../features/chat/Composer";
import { Examples } from "../features/chat/Examples";
import { PendingQuestion, Question } from "../features/chat/Question";
import { useFollow } from "../features/chat/useFollow";
import { Feedback } from "../features/feedback/Feedback";
import { Answer, type WatchCallbacks } from "../features/report/Answer";
import { RunTrace } from "../features/timeline/RunTrace";
import { isTimeframe } from "../features/charts/tabs";
import type { LocalMessage, Notice, RunView } from "../state/types";

interface Props {
  conversationId: string | null;
  runs: RunView[];
  local: LocalMessage[];
  notices: Notice[];
  busy: boolean;
  running: boolean;
  online: boolean;
  wide: boolean;
  theme: string;
  workspace: Workspace;
  onAsk: (text: string) => boolean;
  onCancel: () => void;
  onDismiss: (key: string) => void;
  onOpenTimeline: (runId: string) => void;
  onAlert: (symbol: string, kind: "level_cross", value: number) => void;
  watch: WatchCallbacks;
}

export function Conversation(props: Props) {
  const { runs, local, wide, workspace, theme } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const empty = runs.length === 0 && local.length === 0;
  const last = runs.at(-1) ?? null;

  const target = useCallback(() => {
    if (!last) return null;
    const turn = content.current?.querySelector<HTMLElement>(`[data-turn="${last.runId}"]`);
    const answer = turn?.querySelector<HTMLElement>(".answer");
    return turn && answer ? { turn, answer } : null;
  }, [last]);
  useFollow({
    scroller,
    content,
    generation: `${props.conversationId ?? "new"}|${runs.length + local.length}`,
    live: props.running || local.length > 0,
    revealKey: last?.final ? `${last.runId}:${last.result ? "answer" : last.phase}` : null,
    target,
  });

  const { openSymbol } = workspace;
  const showChart = useCallback(
    (symbol: string, timeframe: string) => openSymbol(symbol, isTimeframe(timeframe) ? timeframe : "4h"),
    [openSymbol],
  );

  return (
    <section className="conversation" aria-label="Conversation" data-testid="chat-panel">
      <div className="conversation-scroll" ref={scroller}>
        <div ref={content} className="turns-wrap">
          {empty ? (
            <Examples busy={props.busy} onAsk={props.onAsk} />
          ) : (
            <ol className="turns" aria-label="Questions and answers">
              {runs.map((run) => (
                <Turn
                  key={run.runId}
                  run={run}
                  wide={wide}
                  theme={theme}
                  shownChart={workspace.active?.key ?? null}
                  onOpenChart={workspace.open}
                  onShowChart={showChart}
                  onOpenTimeline={props.onOpenTimeline}
                  onAlert={props.onAlert}
                  watch={props.watch}
                />
              ))}
              {local.map((m) => (
                <li key={m.clientMsgId}>
                  <PendingQuestion message={m} />
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
      <Composer
        busy={props.busy}
        running={props.running}
        online={props.online}
        notices={props.notices}
        onAsk={props.onAsk}
        onCancel={props.onCancel}
        onDismiss={props.onDismiss}
      />
    </section>
  );
}

interface TurnProps {
  run: RunView;
  wide: boolean;
  theme: string;
  shownChart: string | null;
  onOpenChart: (key: string) => void;
  onShowChart: (symbol: string, timeframe: string) => void;
  onOpenTimeline: (runId: string) => void;
  onAlert: (symbol: string, kind: "level_cross", value: number) => void;
  watch: WatchCallbacks;
}

/** One question and its answer; drawn again only when its run changed (the reducer keeps the
 * other runs as they were), so a live run does not redraw the answers above it. */
const Turn = memo(function Turn({ run, wide, theme, shownChart, onOpenChart, onShowChart, onOpenTimeline, onAlert, watch }: TurnProps) {
  return (
    <li className="turn" data-turn={run.runId} data-testid="turn">
      <Question text={run.question} />
      <RunTrace run={run} onOpenPanel={wide ? () => onOpenTimeline(run.runId) : undefined} />
      <Answer
        run={run}
        onShowChart={wide ? onShowChart : undefined}
        feedback={run.final && run.result ? <Feedback runId={run.runId} /> : undefined}
        onAlert={onAlert}
        watch={watch}
        charts={
          <ChartCards charts={run.charts} inline={!wide} activeKey={shownChart} onOpen={onOpenChart} theme={theme} />
        }
      />
    </li>
  );
});
