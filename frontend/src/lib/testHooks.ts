/**
 * `window.__cryptodesk`: hooks the browser tests and the benchmark read (the socket, the charts
 * drawn). Read-only views of what the page already shows; nothing secret is reachable from here.
 */

type Hooks = Record<string, unknown>;

declare global {
  interface Window {
    __cryptodesk?: Hooks;
  }
}

/** Sets `name` and returns a function that removes it again (if it was not replaced meanwhile). */
export function exposeForTests(name: string, value: unknown): () => void {
  const hooks = (window.__cryptodesk ??= {});
  hooks[name] = value;
  return () => {
    const current = window.__cryptodesk;
    if (current && current[name] === value) delete current[name];
  };
}
