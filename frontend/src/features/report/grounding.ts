/**
 * Figures of an answer that no tool result holds (`result.grounding.unmatched`), marked where they
 * appear: the same whole-figure rule as the server's export (`$12` is not marked inside `$123` or
 * `$12.50`), applied to the report's text nodes after sanitizing, never to code.
 */

export const NO_SOURCE = "no tool result has this figure";

export interface FigurePart {
  text: string;
  ungrounded: boolean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A pattern that finds the given figures as whole figures, longest first; null for none. */
export function figurePattern(texts: readonly string[]): RegExp | null {
  const unique = [...new Set(texts.filter((t) => t.trim() !== ""))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return null;
  return new RegExp(`(?<![\\w$.,])(?:${unique.map(escapeRegExp).join("|")})(?![\\w%]|[.,]\\d)`, "g");
}

/** `text` cut into the figures no tool result holds and the text around them. */
export function splitFigures(text: string, pattern: RegExp | null): FigurePart[] {
  if (!pattern) return [{ text, ungrounded: false }];
  const parts: FigurePart[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0;
    if (at > last) parts.push({ text: text.slice(last, at), ungrounded: false });
    parts.push({ text: match[0], ungrounded: true });
    last = at + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), ungrounded: false });
  return parts.length > 0 ? parts : [{ text, ungrounded: false }];
}

/** The few fields of a hast node this plugin reads and writes. */
interface HastNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

const SKIPPED = new Set(["code", "pre"]);

function markedSpan(text: string): HastNode {
  return {
    type: "element",
    tagName: "span",
    properties: { className: ["ungrounded"], title: NO_SOURCE, dataTestid: "ungrounded" },
    children: [
      { type: "text", value: text },
      {
        type: "element",
        tagName: "span",
        properties: { className: ["sr-only"] },
        children: [{ type: "text", value: ` (${NO_SOURCE})` }],
      },
    ],
  };
}

function mark(node: HastNode, pattern: RegExp): void {
  if (!node.children || (node.tagName && SKIPPED.has(node.tagName))) return;
  const children: HastNode[] = [];
  for (const child of node.children) {
    if (child.type === "text" && typeof child.value === "string") {
      for (const part of splitFigures(child.value, pattern)) {
        children.push(part.ungrounded ? markedSpan(part.text) : { type: "text", value: part.text });
      }
    } else {
      mark(child, pattern);
      children.push(child);
    }
  }
  node.children = children;
}

/** A rehype plugin (run after sanitizing) that underlines the given figures. */
export function rehypeUngrounded(texts: readonly string[]) {
  const pattern = figurePattern(texts);
  return () => (tree: HastNode) => {
    if (pattern) mark(tree, pattern);
  };
}
