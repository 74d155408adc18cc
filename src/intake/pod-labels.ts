import type { ResolvedCluster } from "../config/index.js";
import { CLUSTER_LABEL, MEMBER_LABEL } from "../example-cluster/member-labels.js";

/**
 * The member a Pod's labels name (`etcd.responder.io/cluster` and `etcd.responder.io/member`), when that
 * cluster is configured in the Pod's namespace and has that member; undefined otherwise.
 */
export function memberFromPodLabels(
  clusters: readonly Pick<ResolvedCluster, "name" | "namespace" | "members">[],
  namespace: string,
  labels: Readonly<Record<string, string>>,
): { cluster: string; member: number } | undefined {
  const name = own(labels, CLUSTER_LABEL);
  const memberText = own(labels, MEMBER_LABEL);
  if (name === undefined || memberText === undefined || !/^[1-9][0-9]{0,2}$/.test(memberText)) return undefined;
  const member = Number(memberText);
  const cluster = clusters.find((c) => c.name === name && c.namespace === namespace);
  return cluster && member <= cluster.members.length ? { cluster: cluster.name, member } : undefined;
}

function own(labels: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}
