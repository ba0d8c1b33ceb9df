/**
 * The answer shows `bottom_line` above the report, and the report opens with the same sentences:
 * the report is shown without that first paragraph, so the answer never says it twice.
 */

/** How many opening blocks of the report may hold the bottom line. */
const LEAD_BLOCKS = 4;
/** A block that is the bottom line plus at most a short label ("**Bottom line:**") goes. */
const MAX_LABEL = 24;

function plain(text: string): string {
  return text
    .replace(/^\s*>\s?/gm, "")
    .replace(/[*_`]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}

export function reportBody(content: string, bottomLine: string | null | undefined): string {
  const lead = bottomLine ? plain(bottomLine) : "";
  if (!lead) return content;
  const blocks = content.split(/\n[ \t]*\n/);
  for (let i = 0; i < Math.min(blocks.length, LEAD_BLOCKS); i += 1) {
    const block = plain(blocks[i] ?? "");
    const at = block.indexOf(lead);
    if (at < 0) continue;
    const rest = (block.slice(0, at) + block.slice(at + lead.length)).trim();
    if (rest.length > MAX_LABEL) return content; // more than the bottom line: keep it all
    return blocks.filter((_, k) => k !== i).join("\n\n");
  }
  return content;
}
