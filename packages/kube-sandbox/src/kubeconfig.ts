import { stringify } from "yaml";

/** A kubeconfig for one cluster, one user and one context named after the sandbox. */
export function renderKubeconfig(options: { name: string; server: string; caPem: string; namespace: string }): string {
  const { name, server, caPem, namespace } = options;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    // The sandbox does not authenticate; a token keeps clients that insist on credentials happy.
    users: [{ name: `${name}-admin`, user: { token: "sandbox" } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace } }],
    "current-context": name,
    preferences: {},
  });
}
