import { describe, expect, it } from "vitest";
import { figurePattern, rehypeUngrounded, splitFigures } from "./grounding";

describe("splitFigures", () => {
  it("cuts out whole figures only", () => {
    const pattern = figurePattern(["$71,250", "+3.5%"]);
    const parts = splitFigures("Target $71,250 (+3.5%), not $71,2500 or $71,250.50.", pattern);
    expect(parts.filter((p) => p.ungrounded).map((p) => p.text)).toEqual(["$71,250", "+3.5%"]);
    expect(parts.map((p) => p.text).join("")).toBe("Target $71,250 (+3.5%), not $71,2500 or $71,250.50.");
  });

  it("leaves text alone without figures to mark", () => {
    expect(splitFigures("BTC at $64,468.01", figurePattern([]))).toEqual([{ text: "BTC at $64,468.01", ungrounded: false }]);
  });

  it("escapes the figure's characters", () => {
    const parts = splitFigures("a 1.5x move and 1a5x", figurePattern(["1.5x"]));
    expect(parts.filter((p) => p.ungrounded).map((p) => p.text)).toEqual(["1.5x"]);
  });
});

describe("rehypeUngrounded", () => {
  it("wraps figures of text nodes and skips code", () => {
    const tree = {
      type: "root",
      children: [
        { type: "element", tagName: "p", children: [{ type: "text", value: "Target $71,250 today" }] },
        { type: "element", tagName: "code", children: [{ type: "text", value: "$71,250" }] },
      ],
    };
    rehypeUngrounded(["$71,250"])()(tree);
    const paragraph = tree.children[0]!.children!;
    expect(paragraph.map((n) => n.type)).toEqual(["text", "element", "text"]);
    const span = paragraph[1] as { tagName?: string; properties?: Record<string, unknown>; children?: { value?: string }[] };
    expect(span.tagName).toBe("span");
    expect(span.properties?.title).toBe("no tool result has this figure");
    expect(span.children?.[0]?.value).toBe("$71,250");
    expect(tree.children[1]!.children).toEqual([{ type: "text", value: "$71,250" }]);
  });
});
