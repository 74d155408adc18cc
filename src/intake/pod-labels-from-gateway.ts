import { CLUSTER_LABEL } from "../example-cluster/member-labels.js";
import type { KubernetesGateway } from "../gateways/kubernetes/index.js";
import type { ReadPodLabels } from "./member-of-pod.js";

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
