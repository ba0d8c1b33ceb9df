/** The reasons a person can give with a thumbs down, as the API names them and people read them. */
import type { FeedbackReason } from "./api";

export const FEEDBACK_REASONS: { value: FeedbackReason; text: string }[] = [
  { value: "wrong_number", text: "Wrong number" },
  { value: "wrong_coin", text: "Wrong coin" },
  { value: "not_useful", text: "Not useful" },
  { value: "outdated_data", text: "Outdated data" },
];

export const REASON_TEXT: Record<string, string> = Object.fromEntries(
  FEEDBACK_REASONS.map((reason) => [reason.value, reason.text]),
);
