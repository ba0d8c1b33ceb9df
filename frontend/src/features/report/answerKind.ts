import { Ban, CircleCheck, CircleHelp, TriangleAlert, type LucideIcon } from "lucide-react";
import type { Tone } from "../../components/Badge";
import type { AnswerKind } from "../../lib/protocol";

export interface KindView {
  text: string;
  title: string;
  tone: Tone;
  icon: LucideIcon;
}

/** What kind of answer a run gave, said plainly instead of a blanket "report ready". */
export const ANSWER_KINDS: Record<AnswerKind, KindView> = {
  answered: {
    text: "Answered",
    title: "Answered from the market data",
    tone: "up",
    icon: CircleCheck,
  },
  partial: {
    text: "Partial answer",
    title: "Answered, but some data was missing (the report says which)",
    tone: "warn",
    icon: TriangleAlert,
  },
  clarification: {
    text: "Question back",
    title: "The desk needs to know more before it can answer",
    tone: "info",
    icon: CircleHelp,
  },
  cannot_answer: {
    text: "Can't answer from market data",
    title: "Outside what market data can answer; the report says what the desk can do",
    tone: "neutral",
    icon: Ban,
  },
};
