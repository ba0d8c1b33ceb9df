/**
 * A small chart of what happened after a call: a few candles before its as-of (dimmed), the
 * horizon's candles, and the call's price, target and invalidation as lines. SVG: dozens of them
 * on a page cost nothing.
 */
import type { CallOut } from "../../lib/api";
import { chartGeometry, chartSummary } from "./recordView";

const WIDTH = 240;
const HEIGHT = 84;

export function AfterChart({ call }: { call: CallOut }) {
  const g = chartGeometry(call, WIDTH, HEIGHT);
  if (!g) return null;
  return (
    <svg
      className="after-chart"
      viewBox={`0 0 ${g.width} ${g.height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={chartSummary(call)}
      data-testid="after-chart"
    >
      {g.asOfX !== null && (
        <rect className="before" x={0} y={0} width={g.asOfX} height={g.height} />
      )}
      {g.lines.map((line) => (
        <line key={line.key} className={`level ${line.key}`} x1={0} x2={g.width} y1={line.y} y2={line.y} />
      ))}
      {g.candles.map((c, i) => (
        <g key={i} className={`candle ${c.up ? "up" : "down"} ${c.after ? "after" : "before"}`}>
          <line x1={c.x} x2={c.x} y1={c.high} y2={c.low} />
          <rect
            x={c.x - g.bodyWidth / 2}
            y={Math.min(c.open, c.close)}
            width={g.bodyWidth}
            height={Math.max(1, Math.abs(c.close - c.open))}
          />
        </g>
      ))}
      {g.asOfX !== null && <line className="as-of" x1={g.asOfX} x2={g.asOfX} y1={0} y2={g.height} />}
    </svg>
  );
}
