/** A small line of the last day's prices: green when it ends above where it started. */
interface Props {
  points: readonly number[];
  width?: number;
  height?: number;
  label: string;
}

export function Sparkline({ points, width = 96, height = 28, label }: Props) {
  if (points.length < 2) return <span className="sparkline empty muted small">no history yet</span>;
  const low = Math.min(...points);
  const high = Math.max(...points);
  const span = high - low || 1;
  const step = width / (points.length - 1);
  const path = points
    .map((p, i) => `${(i * step).toFixed(1)},${(height - 2 - ((p - low) / span) * (height - 4)).toFixed(1)}`)
    .join(" ");
  const first = points[0] ?? 0;
  const last = points[points.length - 1] ?? 0;
  const tone = last > first ? "up" : last < first ? "down" : "flat";
  return (
    <svg className={`sparkline ${tone}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={path} fill="none" strokeWidth="1.5" />
    </svg>
  );
}
