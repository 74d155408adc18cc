import { expect } from "vitest";
import type { SandboxClusterInfo } from "../../support/etcd-sandbox.js";
import { clusterShape, keysOnEveryMember } from "../../support/etcd-cluster-checks.js";
import { isReady, kubeConfigFrom, waitForPods } from "../../support/pod-watch.js";
import type { SandboxProcess } from "../../support/sandbox-process.js";

/**
 * Asserts what a finished recovery must leave: every configured member a voter (no learner), every
 * member Pod Ready, and the keys written before the failure readable from every member's own data.
 */
export async function expectHealthyCluster(
  sandbox: SandboxProcess,
  cluster: SandboxClusterInfo,
  keyPrefix: string,
  keyCount: number,
) {
  const shape = await clusterShape(sandbox.info, cluster);
  expect(shape.names).toEqual(cluster.members.map((m) => `${cluster.name}${m.index}`).sort());
  expect(shape.peerURLs).toEqual(cluster.members.map((m) => m.peerURL).sort());
  expect(shape.learners).toBe(0);
  await waitForPods(
    kubeConfigFrom(sandbox.info.kubeconfig),
    cluster.namespace,
    `etcd.responder.io/cluster=${cluster.name}`,
    (pods) => (pods.filter(isReady).length === cluster.members.length ? true : undefined),
    `every ${cluster.name} member Pod Ready`,
  );
  const counts = await keysOnEveryMember(sandbox.info, cluster, keyPrefix);
  expect(Object.values(counts)).toEqual(cluster.members.map(() => keyCount));
}
