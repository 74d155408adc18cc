/** Label naming the cluster a member belongs to. */
export const CLUSTER_LABEL = "etcd.responder.io/cluster";
/** Label holding the member number, as a string: `"3"`. */
export const MEMBER_LABEL = "etcd.responder.io/member";

/** Labels that pick exactly one member's Pods: the Deployment and Service selectors. */
export function memberSelectorLabels(cluster: string, index: number): Record<string, string> {
  return { [CLUSTER_LABEL]: cluster, [MEMBER_LABEL]: String(index) };
}

/** Every label a member's objects carry. */
export function memberLabels(cluster: string, index: number): Record<string, string> {
  return {
    "app.kubernetes.io/name": "etcd",
    "app.kubernetes.io/instance": cluster,
    ...memberSelectorLabels(cluster, index),
  };
}
