import { describe, expect, it } from "vitest";
import { reportBody } from "./bottomLine";

const LINE = "ETH leans bearish on the 4h: below its SMA200, RSI 38.2.";

describe("reportBody", () => {
  it("drops the opening paragraph that is the bottom line", () => {
    const content = `# Ethereum (ETH) 4h\n\n${LINE}\n\n## Indicators\n\n| a | b |\n|---|---|`;
    expect(reportBody(content, LINE)).toBe("# Ethereum (ETH) 4h\n\n## Indicators\n\n| a | b |\n|---|---|");
  });

  it("recognises it with a label and emphasis", () => {
    const content = `# ETH\n\n**Bottom line:** *${LINE}*\n\nMore text.`;
    expect(reportBody(content, LINE)).toBe("# ETH\n\nMore text.");
  });

  it("keeps a paragraph that says more than the bottom line", () => {
    const content = `# ETH\n\n${LINE} The rest of a long paragraph that adds a point of its own.\n\nMore.`;
    expect(reportBody(content, LINE)).toBe(content);
  });

  it("leaves the report whole without a bottom line, or when it is not near the top", () => {
    const content = "# ETH\n\nA\n\nB\n\nC\n\nD\n\n" + LINE;
    expect(reportBody(content, null)).toBe(content);
    expect(reportBody(content, LINE)).toBe(content);
  });
});
