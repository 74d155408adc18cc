import { AppsV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { clusterShape, clusterShapeSeenBy } from "./etcd-cluster-checks.js";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";
import { readStatefulSet } from "./statefulset-member.js";

/**
 * What a refusal must leave as it was: the member list, the generation and replicas of the member's Deployment,
 * and the namespace's Leases with their holders.
 */
export async function memberWorld(kc: KubeConfig, info: SandboxInfo, cluster: SandboxClusterInfo, deployment: string) {
  const namespace = cluster.namespace;
  const read = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: deployment, namespace });
  const leases = await kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace });
  return {
    shape: await clusterShape(info, cluster),
    generation: read.metadata?.generation,
    replicas: read.spec?.replicas,
    leases: leases.items.map((lease) => [lease.metadata?.name, lease.spec?.holderIdentity ?? ""]),
  };
}

/**
 * What a refusal must leave as it was on a StatefulSet cluster: the member list, the StatefulSet's spec and
 * annotations, and its Pods (by name, their UIDs). The member list is the first member's view: the refusal tests
 * keep that member's data, and it answers even when quorum is lost.
 */
export async function statefulSetWorld(kc: KubeConfig, info: SandboxInfo, cluster: SandboxClusterInfo) {
  const name = cluster.statefulSet?.name;
  if (!name) throw new Error(`cluster ${cluster.name} is not run by a StatefulSet`);
  const first = cluster.members[0];
  if (!first) throw new Error(`cluster ${cluster.name} has no members`);
  const set = await readStatefulSet(kc, cluster.namespace, name);
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: `app.kubernetes.io/instance=${cluster.name}`,
  });
  return {
    members: (await clusterShapeSeenBy(info, first.clientURL)).ids,
    spec: set.spec,
    annotations: set.metadata?.annotations ?? {},
    pods: Object.fromEntries(pods.items.map((p): [string, string] => [p.metadata?.name ?? "", p.metadata?.uid ?? ""])),
  };
}

/** The messages of the Warning Events `RecoveryRefused` about `target` in `namespace`. */
export async function refusalEvents(kc: KubeConfig, namespace: string, target: string): Promise<string[]> {
  const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return events.items
    .filter((e) => e.type === "Warning" && e.reason === "RecoveryRefused" && e.involvedObject.name === target)
    .map((e) => e.message ?? "");
}
