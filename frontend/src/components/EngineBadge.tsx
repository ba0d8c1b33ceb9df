import { Bot, Calculator } from "lucide-react";
import { Badge } from "./Badge";

export function engineLabel(engine: string): string {
  return engine === "offline" ? "offline analyst" : engine;
}

/** The engine that answers (header) or answered (an answer). */
export function EngineBadge({ engine, title, testId }: { engine: string | null; title: string; testId?: string }) {
  if (!engine) {
    return (
      <Badge title={title} testId={testId} className="engine-badge">
        engine…
      </Badge>
    );
  }
  return (
    <Badge tone="info" title={`${title}: ${engineLabel(engine)}`} icon={engine === "offline" ? Calculator : Bot} testId={testId} className="engine-badge">
      <span className="clip">{engineLabel(engine)}</span>
    </Badge>
  );
}
