import { AppsV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { clusterShape } from "./etcd-cluster-checks.js";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";

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

/** The messages of the Warning Events `RecoveryRefused` about `target` in `namespace`. */
export async function refusalEvents(kc: KubeConfig, namespace: string, target: string): Promise<string[]> {
  const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace });
  return events.items
    .filter((e) => e.type === "Warning" && e.reason === "RecoveryRefused" && e.involvedObject.name === target)
    .map((e) => e.message ?? "");
}
