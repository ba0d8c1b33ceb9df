/** The LLM cannot run the agent team (it cannot call tools or answer in JSON): said in the
 * header, so nobody waits for a team that will not answer. */
import { TriangleAlert } from "lucide-react";
import { Badge } from "../../components/Badge";
import type { Readiness } from "../../lib/api";

export function LlmProblem({ ready }: { ready: Readiness | undefined }) {
  const problem = ready?.llm_problem;
  if (!problem) return null;
  return (
    <Badge tone="warn" icon={TriangleAlert} title={problem} testId="llm-problem" className="llm-problem">
      <span className="clip long">LLM can't run the team: offline analyst answers</span>
      <span className="clip short">LLM unusable</span>
      <span className="sr-only">{problem}</span>
    </Badge>
  );
}
