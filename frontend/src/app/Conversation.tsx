/**
 * The conversation: each turn is the question, the team at work (a compact live trace), then the
 * answer with its charts. One scroll reads everything; it follows the newest turn (useFollow).
 */
import { useCallback, useRef } from "react";
import { ChartCards } from "../features/charts/ChartCards";
import type { Workspace } from "../features/charts/useWorkspace";
import { Composer } from "../features/chat/Composer";
import { Examples } from "../features/chat/Examples";
import { PendingQuestion, Question } from "../features/chat/Question";
import { useFollow } from "../features/chat/useFollow";
import { Answer } from "../features/report/Answer";
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

  const showChart = (symbol: string, timeframe: string) =>
    workspace.openSymbol(symbol, isTimeframe(timeframe) ? timeframe : "4h");

  return (
    <section className="conversation" aria-label="Conversation" data-testid="chat-panel">
      <div className="conversation-scroll" ref={scroller}>
        <div ref={content} className="turns-wrap">
          {empty ? (
            <Examples busy={props.busy} onAsk={props.onAsk} />
          ) : (
            <ol className="turns" aria-label="Questions and answers">
              {runs.map((run) => (
                <li key={run.runId} className="turn" data-turn={run.runId} data-testid="turn">
                  <Question text={run.question} />
                  <RunTrace run={run} onOpenPanel={wide ? () => props.onOpenTimeline(run.runId) : undefined} />
                  <Answer
                    run={run}
                    onShowChart={wide ? showChart : undefined}
                    charts={
                      <ChartCards
                        charts={run.charts}
                        inline={!wide}
                        activeKey={workspace.active?.key ?? null}
                        onOpen={workspace.open}
                        theme={theme}
                      />
                    }
                  />
                </li>
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
