import { useRef } from "react";

/** A ref that always holds the latest value: callbacks made once can read current state. */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  // Written during render on purpose: event handlers and socket callbacks read it afterwards.
  // eslint-disable-next-line react-hooks/refs
  ref.current = value;
  return ref;
}
