import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { RECOVERY_UNDER_WAY_ANNOTATION } from "../src/core/labels.js";
import type { SandboxClusterInfo } from "../test/support/etcd-sandbox.js";

/**
 * What a finished recovery must not leave on the cluster's workloads, one line each: a Deployment not at 1 replica
 * or still marked as under recovery; a StatefulSet not back on RollingUpdate or still carrying a mark of the
 * responder's.
 */
export async function workloadLeftovers(kc: KubeConfig, cluster: SandboxClusterInfo): Promise<string[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const namespace = cluster.namespace;
  const leftovers: string[] = [];
  if (cluster.statefulSet) {
    const set = await apps.readNamespacedStatefulSet({ namespace, name: cluster.statefulSet.name });
    const strategy = set.spec?.updateStrategy?.type ?? "RollingUpdate";
    if (strategy !== "RollingUpdate") leftovers.push(`StatefulSet ${cluster.statefulSet.name} left on ${strategy}`);
    const marks = Object.keys(set.metadata?.annotations ?? {}).filter((k) => k.startsWith("etcd.responder.io/"));
    if (marks.length) leftovers.push(`StatefulSet ${cluster.statefulSet.name} still marked ${marks.join(", ")}`);
    return leftovers;
  }
  for (const member of cluster.members) {
    if (member.workload !== "deployment") continue;
    const deployment = await apps.readNamespacedDeployment({ namespace, name: member.deployment });
    const replicas = deployment.spec?.replicas ?? 1;
    if (replicas !== 1) leftovers.push(`Deployment ${member.deployment} at ${replicas} replicas`);
    if (deployment.metadata?.annotations?.[RECOVERY_UNDER_WAY_ANNOTATION] !== undefined)
      leftovers.push(`Deployment ${member.deployment} still marked as under recovery`);
  }
  return leftovers;
}
