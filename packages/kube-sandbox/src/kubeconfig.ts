import { stringify } from "yaml";

/** What a kubeconfig's user authenticates with: a client certificate and its key, or a bearer token. */
export type KubeconfigCredentials = { cert: string; key: string } | { token: string };

/** A kubeconfig for one cluster, one user and one context named after the sandbox. */
export function renderKubeconfig(options: {
  /** Names the cluster and the context; the user is `NAME-admin` unless `user` says otherwise. */
  name: string;
  server: string;
  caPem: string;
  namespace: string;
  credentials: KubeconfigCredentials;
  /** The user's name in the kubeconfig. */
  user?: string;
}): string {
  const { name, server, caPem, namespace, credentials } = options;
  const user = options.user ?? `${name}-admin`;
  const base64 = (pem: string) => Buffer.from(pem).toString("base64");
  const userEntry =
    "token" in credentials
      ? { token: credentials.token }
      : { "client-certificate-data": base64(credentials.cert), "client-key-data": base64(credentials.key) };
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": base64(caPem) } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name, context: { cluster: name, user, namespace } }],
    "current-context": name,
    preferences: {},
  });
}
