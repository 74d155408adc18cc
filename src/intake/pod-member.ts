import type { ClusterCatalog, ClusterMember } from "../core/catalog.js";
import { CLUSTER_LABEL } from "../core/labels.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";

/** Maps a Pod (namespace and name) to the configured member it belongs to; undefined when it belongs to none. */
export type MemberOfPod = (namespace: string, pod: string) => Promise<ClusterMember | undefined>;

/** The labels of a Pod, or undefined when there is no such Pod. */
export type ReadPodLabels = (namespace: string, pod: string) => Promise<Record<string, string> | undefined>;

/** What `createMemberOfPod` works from. */
export interface MemberOfPodOptions {
  /** The configured clusters; their member Deployment names drive the Pod name convention. */
  catalog: ClusterCatalog;
  /**
   * Asked only when the name convention finds no member and the namespace holds a configured cluster:
   * reads the Pod's `etcd.responder.io/cluster` and `etcd.responder.io/member` labels. Default none
   * (the name convention alone decides).
   */
  readPodLabels?: ReadPodLabels;
}

/**
 * Maps Pods to members: first by the Pod name convention (`DEPLOYMENT-HASH-XXXXX`), which needs no
 * Kubernetes call and still works for Pods that no longer exist; then, when given, by the Pod's labels.
 */
export function createMemberOfPod(options: MemberOfPodOptions): MemberOfPod {
  const { catalog, readPodLabels } = options;
  return async (namespace, pod) => {
    if (!catalog.hasNamespace(namespace)) return undefined;
    const byName = catalog.memberOfPodName(namespace, pod);
    if (byName || !readPodLabels) return byName;
    const labels = await readPodLabels(namespace, pod);
    return labels ? catalog.memberOfPodLabels(namespace, labels) : undefined;
  };
}

/**
 * Reads Pod labels through the Kubernetes gateway: lists the Pods of the namespace that carry the
 * cluster label and picks the one with the name. A Pod without the label is treated as missing, since
 * its labels could not map it to a member anyway.
 */
export function podLabelsFromGateway(gateway: Pick<KubernetesGateway, "listPods">): ReadPodLabels {
  return async (namespace, pod) => {
    const { pods } = await gateway.listPods(namespace, CLUSTER_LABEL);
    const found = pods.find((candidate) => candidate.metadata?.name === pod);
    return found ? { ...(found.metadata?.labels ?? {}) } : undefined;
  };
}
