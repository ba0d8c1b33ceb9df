/** The settings REST calls. Secrets go out (write-only) and never come back: the server answers
 * with their status (set, last four characters, when changed). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { request, type Schemas } from "../../lib/api";

export type SettingsOut = Schemas["SettingsOut"];
export type EditableSettings = Schemas["EditableSettings"];
export type SecretStatus = Schemas["SecretStatus"];
export type SecretName = SecretStatus["name"];
export type Verdict = Schemas["Verdict"];
export type CheckTarget = Verdict["target"];

const BASE = "/api/v1/settings";
export const SETTINGS_KEY = ["settings"] as const;

export const settingsApi = {
  get: () => request<SettingsOut>(BASE),
  put: (patch: Partial<EditableSettings>) =>
    request<SettingsOut>(BASE, { method: "PUT", body: JSON.stringify(patch) }),
  putSecret: (name: SecretName, value: string) =>
    request<SecretStatus>(`${BASE}/secrets/${name}`, {
      method: "PUT",
      body: JSON.stringify({ value }),
    }),
  deleteSecret: (name: SecretName) =>
    request<void>(`${BASE}/secrets/${name}`, { method: "DELETE" }),
  test: (target: CheckTarget) => request<Verdict>(`${BASE}/test/${target}`, { method: "POST" }),
};

export function useSettings(enabled: boolean) {
  return useQuery({ queryKey: SETTINGS_KEY, queryFn: settingsApi.get, enabled, staleTime: 0 });
}

/** A change applies to the next run: re-read the settings, and tell the app (engine badge). */
export function useSettingsChange<A>(fn: (arg: A) => Promise<unknown>, onApplied: () => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: SETTINGS_KEY });
      onApplied();
    },
  });
}
