import { Bot, Calculator } from "lucide-react";
import { Badge } from "./Badge";

export function engineLabel(engine: string): string {
  return engine === "offline" ? "offline analyst" : engine;
}

/** A few characters for narrow screens: "offline", or the model of "magentic:provider/model". */
export function engineShort(engine: string): string {
  if (engine === "offline") return "offline";
  return engine.split("/").at(-1) ?? engine;
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
      <span className="clip long">{engineLabel(engine)}</span>
      <span className="clip short">{engineShort(engine)}</span>
    </Badge>
  );
}
