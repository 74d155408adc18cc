/** Kubernetes keeps at most this many characters of a generated name's prefix, leaving 5 for the random part (63 − 5). */
const MAX_GENERATED_PREFIX = 58;
const RANDOM_SUFFIX = /^[a-z0-9]{5}$/;
/** The pod-template-hash: up to 10 characters (older clusters used plain decimal digits). */
const TEMPLATE_HASH_DASH = /^[a-z0-9]{1,10}-$/;

/**
 * True when `pod` is a name Kubernetes gives the Pods of Deployment `deployment`: `DEPLOYMENT-HASH-XXXXX`,
 * where HASH is the ReplicaSet's pod-template-hash and XXXXX is random. Only the shape is checked, so a
 * Pod from an earlier ReplicaSet, long deleted, still matches. Long names are cut by Kubernetes to 58
 * characters before the random part; such a name matches when what is left is consistent with the Deployment.
 */
export function isPodOfDeployment(pod: string, deployment: string): boolean {
  if (deployment === "" || pod.length <= 5) return false;
  const prefix = pod.slice(0, -5);
  if (!RANDOM_SUFFIX.test(pod.slice(-5))) return false;
  const base = `${deployment}-`;
  if (prefix.length < MAX_GENERATED_PREFIX) {
    return prefix.startsWith(base) && TEMPLATE_HASH_DASH.test(prefix.slice(base.length));
  }
  if (prefix.length > MAX_GENERATED_PREFIX) return false;
  // Cut inside the Deployment name, or inside (or right after) the hash.
  if (base.startsWith(prefix)) return true;
  return prefix.startsWith(base) && /^[a-z0-9]{0,10}-?$/.test(prefix.slice(base.length));
}

/** A member's Deployment, as the Pod name convention needs it. */
export interface MemberDeployment {
  /** The cluster name. */
  cluster: string;
  /** The cluster's namespace. */
  namespace: string;
  /** Member index, 1-based. */
  member: number;
  /** The member's Deployment name. */
  deployment: string;
}

/**
 * The member whose Deployment the Pod name belongs to, among `deployments` in the Pod's namespace;
 * undefined when none matches, or when a name cut short by Kubernetes fits several.
 */
export function memberFromPodName(
  deployments: readonly MemberDeployment[],
  namespace: string,
  pod: string,
): { cluster: string; member: number } | undefined {
  const matches = deployments.filter((d) => d.namespace === namespace && isPodOfDeployment(pod, d.deployment));
  const only = matches.length === 1 ? matches[0] : undefined;
  return only ? { cluster: only.cluster, member: only.member } : undefined;
}
