import type { ResponderConfig } from "../config/index.js";
import { resolveMember } from "../config/index.js";
import { memberFromPodLabels } from "./pod-labels.js";
import { memberFromPodName, type MemberDeployment } from "./pod-name-convention.js";

/** The configured member a Pod belongs to. */
export interface PodMember {
  /** The cluster name; the cluster is in the Pod's namespace. */
  cluster: string;
  /** Member index, 1-based. */
  member: number;
}

/** Maps a Pod (namespace and name) to the configured member it belongs to; undefined when it belongs to none. */
export type MemberOfPod = (namespace: string, pod: string) => Promise<PodMember | undefined>;

/** The labels of a Pod, or undefined when there is no such Pod. */
export type ReadPodLabels = (namespace: string, pod: string) => Promise<Record<string, string> | undefined>;

/** What `createMemberOfPod` works from. */
export interface MemberOfPodOptions {
  /** The configured clusters; their member Deployment names drive the Pod name convention. */
  config: Pick<ResponderConfig, "clusters">;
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
  const { clusters } = options.config;
  const deployments: MemberDeployment[] = clusters.flatMap((cluster) =>
    cluster.members.map((_, position) => ({
      cluster: cluster.name,
      namespace: cluster.namespace,
      member: position + 1,
      deployment: resolveMember(cluster, position + 1).deployment,
    })),
  );
  const namespaces = new Set(clusters.map((cluster) => cluster.namespace));

  return async (namespace, pod) => {
    if (!namespaces.has(namespace)) return undefined;
    const byName = memberFromPodName(deployments, namespace, pod);
    if (byName || !options.readPodLabels) return byName;
    const labels = await options.readPodLabels(namespace, pod);
    return labels ? memberFromPodLabels(clusters, namespace, labels) : undefined;
  };
}
