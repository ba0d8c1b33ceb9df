/**
 * The conversation follows its newest turn: while a run goes on, its live trace stays in view;
 * once it is complete, its answer's lead (bottom line and outlook) is brought into view, with the
 * question above it when all of that fits. Unless the user scrolled away meanwhile: then nothing
 * moves until the next question. Works for a scrolling column (wide screens) and for the page
 * (phones), whichever scrolls.
 */
import { useEffect, useRef, type RefObject } from "react";

/** Within this distance of the end, the user is "at the end" and the view keeps following. */
const AT_END_PX = 64;
const OURS_PX = 2;

interface Options {
  /** The conversation's scrolling element on wide screens (the page scrolls on phones). */
  scroller: RefObject<HTMLElement | null>;
  /** The turns, observed for growth. */
  content: RefObject<HTMLElement | null>;
  /** Changes when the user asks or opens a conversation: start following. */
  generation: string | number;
  /** A run is going on: keep its end in view. */
  live: boolean;
  /** The newest complete run with its answer; a change reveals that answer. */
  revealKey: string | null;
  /** The element of the answer to reveal, and the turn it belongs to. */
  target: () => { answer: HTMLElement; turn: HTMLElement } | null;
}

function scrollingElement(own: HTMLElement | null): HTMLElement {
  if (own) {
    const overflow = getComputedStyle(own).overflowY;
    if (overflow === "auto" || overflow === "scroll") return own;
  }
  return (document.scrollingElement as HTMLElement | null) ?? document.documentElement;
}

export function useFollow({ scroller, content, generation, live, revealKey, target }: Options): void {
  const following = useRef(true);
  const expected = useRef<number | null>(null);
  const latest = useRef({ live, target });
  useEffect(() => {
    latest.current = { live, target };
  });

  const place = (top: number) => {
    const el = scrollingElement(scroller.current);
    el.scrollTop = top;
    expected.current = el.scrollTop;
  };
  const toEnd = () => {
    const el = scrollingElement(scroller.current);
    place(el.scrollHeight);
  };

  // A scroll we did not make is the user's: follow only while they stay at the end.
  useEffect(() => {
    const onScroll = () => {
      const el = scrollingElement(scroller.current);
      if (expected.current !== null && Math.abs(el.scrollTop - expected.current) <= OURS_PX) return;
      expected.current = null;
      following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX;
    };
    const own = scroller.current;
    own?.addEventListener("scroll", onScroll, { passive: true });
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      own?.removeEventListener("scroll", onScroll);
      window.removeEventListener("scroll", onScroll);
    };
  }, [scroller]);

  // A new question, or another conversation: follow again.
  useEffect(() => {
    following.current = true;
    toEnd();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [generation]);

  // While a run goes on, its newest lines stay in view as the turns grow.
  useEffect(() => {
    const el = content.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      if (following.current && latest.current.live) toEnd();
    });
    observer.observe(el);
    return () => observer.disconnect();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [content]);

  // A complete answer: its lead in view (with its question when everything fits), then rest.
  useEffect(() => {
    if (!revealKey || !following.current) return;
    const found = latest.current.target();
    if (!found) return;
    const el = scrollingElement(scroller.current);
    const { answer, turn } = found;
    const leads = answer.querySelectorAll<HTMLElement>(".answer-lead, .outlook");
    const leadBottom = Math.max(answer.getBoundingClientRect().top, ...[...leads].map((n) => n.getBoundingClientRect().bottom));
    const fits = leadBottom - turn.getBoundingClientRect().top <= el.clientHeight - 16;
    (fits ? turn : answer).scrollIntoView({ block: "start", behavior: "instant" });
    expected.current = el.scrollTop;
    following.current = false;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revealKey]);
}
