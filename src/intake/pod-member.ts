import type { ClusterCatalog, ClusterMember } from "../core/catalog.js";
import { CLUSTER_LABEL } from "../core/labels.js";
import { ConfigError } from "../core/errors.js";
import { HttpError } from "./http.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";

/** Maps a Pod (namespace and name) to the configured member it belongs to; undefined when it belongs to none. */
export type MemberOfPod = (namespace: string, pod: string) => Promise<ClusterMember | undefined>;

/** The labels of the Pods of a namespace that carry the cluster label, by Pod name. */
export type PodLabelsByName = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Reads the labels of every Pod of a namespace that carries the cluster label: one Kubernetes LIST. */
export type ReadPodLabels = (namespace: string) => Promise<PodLabelsByName>;

/** Where the intake maps Pods to members. */
export interface PodMembers {
  /**
   * A lookup for one request (a notification, a manual recovery): its calls share one read of each
   * namespace's Pod labels, so a request naming any number of Pods makes at most one Kubernetes LIST per
   * namespace with a configured cluster. The next request reads again, and sees Pods created since.
   */
  lookup(): MemberOfPod;
}

/** What `createPodMembers` works from. */
export interface PodMembersOptions {
  /** The configured clusters; their member Deployment names drive the Pod name convention. */
  catalog: ClusterCatalog;
  /**
   * Asked only when the name convention finds no member and the namespace holds a configured cluster, at
   * most once per namespace and lookup: reads the `etcd.responder.io/cluster` and `etcd.responder.io/member`
   * labels of the namespace's Pods. Default none (the name convention alone decides).
   */
  readPodLabels?: ReadPodLabels;
}

/**
 * Maps Pods to members: first by the Pod name convention (`DEPLOYMENT-HASH-XXXXX`), which needs no
 * Kubernetes call and still works for Pods that no longer exist; then, when given, by the Pod's labels.
 */
export function createPodMembers(options: PodMembersOptions): PodMembers {
  const { catalog, readPodLabels } = options;
  return {
    lookup: () => {
      const namespaces = new Map<string, Promise<PodLabelsByName>>();
      return async (namespace, pod) => {
        if (!catalog.hasNamespace(namespace)) return undefined;
        const byName = catalog.memberOfPodName(namespace, pod);
        if (byName || !readPodLabels) return byName;
        let labelled = namespaces.get(namespace);
        if (!labelled) {
          labelled = readPodLabels(namespace);
          namespaces.set(namespace, labelled);
        }
        const labels = (await labelled).get(pod);
        return labels ? catalog.memberOfPodLabels(namespace, labels) : undefined;
      };
    },
  };
}

/**
 * Reads Pod labels through the Kubernetes gateway, made on first use: lists the Pods of the namespace that carry
 * the cluster label. A Pod without the label is missing from the answer, since its labels could not map it to
 * a member anyway. A Kubernetes configuration that cannot be used (broken since start-up) is a 503 saying why,
 * so Alertmanager sends the notification again once it is fixed.
 */
export function podLabelsFromGateway(gateway: () => Promise<Pick<KubernetesGateway, "listPods">>): ReadPodLabels {
  return async (namespace) => {
    let kubernetes: Pick<KubernetesGateway, "listPods">;
    try {
      kubernetes = await gateway();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new HttpError(503, `cannot read the labels of the Pods in ${namespace}: ${error.message}`);
    }
    const { pods } = await kubernetes.listPods(namespace, CLUSTER_LABEL);
    const byName = new Map<string, Readonly<Record<string, string>>>();
    for (const pod of pods) {
      const name = pod.metadata?.name;
      if (name !== undefined) byName.set(name, { ...(pod.metadata?.labels ?? {}) });
    }
    return byName;
  };
}
