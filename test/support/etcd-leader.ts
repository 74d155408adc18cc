import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { SandboxClusterInfo, SandboxInfo } from "./etcd-sandbox.js";
import { withCluster } from "./etcd-cluster-checks.js";
import { memberSelector } from "./pod-watch.js";

/**
 * The Pod of the cluster's etcd leader, as the cluster reports it. A StatefulSet member's etcd name is its Pod's
 * name; a Deployment member's (`NAMEN`) names the index whose Pod is looked up by its labels.
 */
export async function leaderPod(kc: KubeConfig, info: SandboxInfo, cluster: SandboxClusterInfo): Promise<string> {
  const leaderName = await withCluster(info, cluster, async (client) => {
    const status = await client.maintenance.status();
    const { members } = await client.cluster.memberList({ linearizable: false });
    return members.find((m) => m.ID === status.leader)?.name;
  });
  if (cluster.statefulSet) {
    if (!leaderName) throw new Error(`cluster ${cluster.name} named no leader`);
    return leaderName;
  }
  const index = Number(/(\d+)$/.exec(leaderName ?? "")?.[1]);
  const { items } = await kc.makeApiClient(CoreV1Api).listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: memberSelector(cluster.name, index),
  });
  const pod = items.find((p) => !p.metadata?.deletionTimestamp)?.metadata?.name;
  if (!pod) throw new Error(`no Pod of the leader ${leaderName}`);
  return pod;
}

/** The first of `pods` that is not the Pod of the cluster's etcd leader. */
export async function followerPod(
  kc: KubeConfig,
  info: SandboxInfo,
  cluster: SandboxClusterInfo,
  pods: readonly string[],
): Promise<string> {
  const leader = await leaderPod(kc, info, cluster);
  const follower = pods.find((pod) => pod !== leader);
  if (!follower) throw new Error(`every one of ${pods.join(", ")} is the leader's Pod ${leader}`);
  return follower;
}
