/**
 * Thumbs up or down on an answer, with optional reasons for a thumbs down (wrong number, wrong
 * coin, not useful, outdated data). Stored with the run, changeable, counted in the track record.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ThumbsDown, ThumbsUp } from "lucide-react";
import { api, type FeedbackIn, type FeedbackOut, type FeedbackReason } from "../../lib/api";
import { FEEDBACK_REASONS } from "../../lib/feedback";

export function feedbackKey(runId: string) {
  return ["feedback", runId] as const;
}

export function Feedback({ runId }: { runId: string }) {
  const queryClient = useQueryClient();
  const key = feedbackKey(runId);
  const current = useQuery({
    queryKey: key,
    queryFn: async (): Promise<FeedbackOut | null> => (await api.run(runId)).feedback ?? null,
    staleTime: Infinity,
  });
  const save = useMutation({
    mutationFn: async (body: FeedbackIn | null) => {
      if (body === null) {
        await api.deleteFeedback(runId);
        return null;
      }
      return api.putFeedback(runId, body);
    },
    onSuccess: (saved) => {
      queryClient.setQueryData(key, saved);
      void queryClient.invalidateQueries({ queryKey: ["record"] });
    },
  });
  const rating = current.data?.rating ?? null;
  const reasons = current.data?.reasons ?? [];
  const toggle = (reason: FeedbackReason) => {
    const next = reasons.includes(reason) ? reasons.filter((r) => r !== reason) : [...reasons, reason];
    save.mutate({ rating: "down", reasons: next });
  };

  return (
    <div className="feedback" role="group" aria-label="Feedback on this answer" data-testid="feedback" data-rating={rating ?? "none"}>
      <span className="muted small">Useful?</span>
      <button
        type="button"
        className="btn icon small ghost"
        aria-pressed={rating === "up"}
        aria-label="Good answer"
        title="Good answer"
        disabled={save.isPending || current.isLoading}
        onClick={() => save.mutate(rating === "up" ? null : { rating: "up", reasons: [] })}
        data-testid="thumbs-up"
      >
        <ThumbsUp size={15} aria-hidden="true" />
      </button>
      <button
        type="button"
        className="btn icon small ghost"
        aria-pressed={rating === "down"}
        aria-label="Bad answer"
        title="Bad answer"
        disabled={save.isPending || current.isLoading}
        onClick={() => save.mutate(rating === "down" ? null : { rating: "down", reasons: [] })}
        data-testid="thumbs-down"
      >
        <ThumbsDown size={15} aria-hidden="true" />
      </button>
      {rating === "down" && (
        <span className="feedback-reasons" role="group" aria-label="What was wrong (optional)">
          {FEEDBACK_REASONS.map((reason) => (
            <button
              key={reason.value}
              type="button"
              className="chip"
              aria-pressed={reasons.includes(reason.value)}
              disabled={save.isPending}
              onClick={() => toggle(reason.value)}
              data-testid={`reason-${reason.value}`}
            >
              {reason.text}
            </button>
          ))}
        </span>
      )}
      {save.isError && (
        <span className="down small" role="alert">
          Not saved: {save.error.message}
        </span>
      )}
    </div>
  );
}
