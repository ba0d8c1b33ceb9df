import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { R, teamRun } from "../../state/fixtures";
import { deskReducer, initialState } from "../../state/reducer";
import { RunProgress } from "./RunProgress";

function progressAfter(count: number): string {
  const state = deskReducer(initialState("c1"), { type: "frames", frames: teamRun().slice(0, count) });
  const run = state.runs[R];
  if (!run) throw new Error("no run");
  return renderToStaticMarkup(<RunProgress run={run} />).replace(/<[^>]+>/g, "");
}

describe("the live cost meter", () => {
  it("shows the estimate before the first LLM call", () => {
    const shown = progressAfter(4);
    expect(shown).toContain("Estimated ~8,100 tokens, $0.0017 (6 LLM calls)");
    expect(shown).toContain("Waiting for the first turn");
  });

  it("then the spend so far against the estimate", () => {
    expect(progressAfter(5)).toContain("Spent 1,040 tokens, $0.0002 of ~8,100 tokens, $0.0017 estimated");
  });
});
