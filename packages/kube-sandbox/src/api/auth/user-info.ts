/** Who a request comes from, as authentication found it and authorization reads it. */
export interface UserInfo {
  /** `kubernetes-admin`, `system:serviceaccount:NS:NAME`, `system:anonymous`. */
  username: string;
  /** The user's uid: a ServiceAccount's, for its tokens. */
  uid?: string;
  /** Every group the user is in, `system:authenticated` included for authenticated users. */
  groups: string[];
  /** What else the authenticator knows, e.g. the Pod a token is bound to. */
  extra?: Record<string, string[]>;
}

/** The group RBAC always allows everything, as kube-apiserver's superuser group. */
export const SYSTEM_MASTERS = "system:masters";

/** The group of every authenticated user. */
export const AUTHENTICATED_GROUP = "system:authenticated";

/** The group of requests without credentials. */
export const UNAUTHENTICATED_GROUP = "system:unauthenticated";

/** The user of requests without credentials where they are let in (health checks). */
export const ANONYMOUS_USER: UserInfo = { username: "system:anonymous", groups: [UNAUTHENTICATED_GROUP] };

/** The user name of a ServiceAccount: `system:serviceaccount:NS:NAME`. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The namespace and name of a ServiceAccount's user name; undefined for any other user. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  const parts = username.split(":");
  if (parts.length !== 4 || parts[0] !== "system" || parts[1] !== "serviceaccount") return undefined;
  const [, , namespace, name] = parts;
  return namespace && name ? { namespace, name } : undefined;
}

/** The groups of a ServiceAccount's user: all ServiceAccounts, those of its namespace, and authenticated. */
export function serviceAccountGroups(namespace: string): string[] {
  return ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, AUTHENTICATED_GROUP];
}
