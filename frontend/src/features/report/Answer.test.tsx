import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { AnswerKind, ResultFrame } from "../../lib/protocol";
import { answeredRun, BOTTOM_LINE, chatRun, ETH_OUTLOOK, R } from "../../state/fixtures";
import { deskReducer, initialState } from "../../state/reducer";
import type { RunView } from "../../state/types";
import { Answer } from "./Answer";
import { OutlookCard } from "./OutlookCard";

function runOf(frames: ReturnType<typeof chatRun>): RunView {
  const state = deskReducer(initialState("c1"), { type: "frames", frames });
  const run = state.runs[R];
  if (!run) throw new Error("no run");
  return run;
}

function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

describe("the outlook card", () => {
  const html = renderToStaticMarkup(<OutlookCard outlook={ETH_OUTLOOK} />);
  const shown = text(html);

  it("shows the bias, its strength and the price at the price's precision", () => {
    expect(html).toContain('data-bias="bearish"');
    expect(shown).toContain("Bearish");
    expect(shown).toContain("strength 62%");
    expect(shown).toContain("1,642.31");
  });

  it("shows the nearest levels and the invalidation with their distance", () => {
    expect(shown).toMatch(/Support 1,580.20 −3.8%/);
    expect(shown).toMatch(/Resistance 1,720.50 \+4.8%/);
    expect(shown).toMatch(/Invalidation 1,760.00 \+7.2%/);
  });

  it("shows both scenarios, the signals with the tool each came from, and says it is no advice", () => {
    expect(shown).toContain("a 4h close above 1,720.50 (resistance)");
    expect(shown).toContain("target 1,805.00 · stop 1,640.00 · R/R 1.1");
    expect(shown).toContain("entry 1,575.00–1,585.00");
    expect(shown).toContain("RSI 38.2: weak, not oversold");
    expect(html.match(/data-testid="outlook-signal"/g)).toHaveLength(3);
    // Closed at first: how the signals lean is the summary, their readings a click away.
    expect(html).toMatch(/<details class="signals-box" data-testid="outlook-signals">/);
    expect(shown).toContain("3 signals 2 bearish 1 neutral");
    expect(shown).toContain("compute_indicators");
    expect(shown).toContain("about 2 days (12 × 4h candles)");
    expect(shown).toContain("Scenarios, not advice.");
  });

  it("says why a level is missing", () => {
    const none = text(
      renderToStaticMarkup(
        <OutlookCard outlook={{ ...ETH_OUTLOOK, support: null, levels_note: "no support in the window" }} />,
      ),
    );
    expect(none).toMatch(/Support — no support in the window/);
  });

  it("keeps a low-priced coin's digits", () => {
    const doge = text(
      renderToStaticMarkup(<OutlookCard outlook={{ ...ETH_OUTLOOK, symbol: "DOGE", price: 0.184123, support: 0.17412 }} />),
    );
    expect(doge).toContain("0.18412");
    expect(doge).toContain("0.17412");
  });
});

describe("the answer", () => {
  it("leads with the bottom line, then the outlook; the report does not repeat it", () => {
    const html = renderToStaticMarkup(<Answer run={runOf(answeredRun())} />);
    const shown = text(html);
    expect(html).toContain('data-testid="bottom-line"');
    expect(shown.split(BOTTOM_LINE)).toHaveLength(2);
    expect(shown.indexOf(BOTTOM_LINE)).toBeLessThan(shown.indexOf("Bearish"));
    expect(shown.indexOf("Bearish")).toBeLessThan(shown.indexOf("Ethereum (ETH) 4h"));
    expect(shown).toContain("Answered");
  });

  it.each<[AnswerKind, string]>([
    ["answered", "Answered"],
    ["partial", "Partial answer"],
    ["clarification", "Question back"],
    ["cannot_answer", "Can't answer from market data"],
  ])("says what kind of answer it is: %s", (kind, label) => {
    const frames = answeredRun().map((f) => (f.type === "result" ? ({ ...f, answer_kind: kind } as ResultFrame) : f));
    const html = renderToStaticMarkup(<Answer run={runOf(frames)} />);
    expect(html).toContain(`data-kind="${kind}"`);
    expect(text(html)).toContain(label);
  });

  it("claims no kind when the engine does not say, and lets the report lead", () => {
    const html = renderToStaticMarkup(<Answer run={runOf(chatRun())} />);
    expect(html).not.toContain('data-testid="answer-kind"');
    expect(html).toContain("report answer-lead");
    expect(text(html)).not.toContain("Report ready");
  });

  it("says a run was cancelled, without an answer", () => {
    const frames = chatRun().slice(0, 8);
    frames.push({ ...frames[0]!, seq: 9, type: "status", status: "cancelled", message: "Cancelled by the user", final: true, active_run: null, engine: null } as never);
    const html = renderToStaticMarkup(<Answer run={runOf(frames)} />);
    expect(text(html)).toContain("Cancelled: Cancelled by the user");
  });
});
