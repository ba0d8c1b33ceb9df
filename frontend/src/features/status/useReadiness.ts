/** The server's readiness (market data mode, engine), polled slowly and refreshed after changes. */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, type Readiness } from "../../lib/api";

export const READINESS_KEY = ["readiness"] as const;

async function readiness(): Promise<Readiness> {
  try {
    return await api.ready();
  } catch (error) {
    // 503 carries the same body: a component is not ready, and the body says which.
    if (error instanceof ApiError && error.status === 503 && error.body) return error.body as Readiness;
    throw error;
  }
}

export function useReadiness() {
  return useQuery({ queryKey: READINESS_KEY, queryFn: readiness, refetchInterval: 60_000, staleTime: 20_000 });
}
