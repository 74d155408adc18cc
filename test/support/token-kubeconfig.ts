import { stringify } from "yaml";

/**
 * A kubeconfig (YAML) with one cluster at `server`, one user with a bearer token and a current context
 * joining them; `overrides` replace top-level fields (e.g. `"current-context": undefined`).
 */
export function tokenKubeconfig(server: string, overrides: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server } }],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
    ...overrides,
  });
}
