import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";
import { loseMemberData, podIdentities, readStatefulSet } from "../../support/statefulset-member.js";

const NS = "milvus";
const KEYS = 20;

// The bitnami chart's names for release `milvus`: the StatefulSet is not named after the cluster, and the members'
// URLs carry the cluster domain.
describe("recover: a StatefulSet named as the bitnami chart names it (cluster milvus, StatefulSet milvus-etcd)", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({
      workload: "statefulset",
      members: 3,
      name: "milvus",
      namespace: NS,
      statefulSetName: "milvus-etcd",
      clusterDomain: "cluster.local",
    });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("runs with the chart's names and labels; members reach each other by .svc.cluster.local names", async () => {
    const set = await readStatefulSet(kc, NS, "milvus-etcd");
    expect(set.spec?.serviceName).toBe("milvus-etcd-headless");
    expect(set.spec?.template.metadata?.labels).toEqual({
      "app.kubernetes.io/name": "etcd",
      "app.kubernetes.io/instance": "milvus",
      "app.kubernetes.io/component": "etcd",
    });
    const claims = await kc.makeApiClient(CoreV1Api).listNamespacedPersistentVolumeClaim({ namespace: NS });
    expect(claims.items.map((c) => c.metadata?.name).sort()).toEqual([
      "data-milvus-etcd-0",
      "data-milvus-etcd-1",
      "data-milvus-etcd-2",
    ]);
    // The cluster formed over these names: the sandbox's DNS answers them inside the Pods.
    expect((await clusterShape(sandbox.info, cluster())).peerURLs).toEqual([
      "http://milvus-etcd-0.milvus-etcd-headless.milvus.svc.cluster.local:2380",
      "http://milvus-etcd-1.milvus-etcd-headless.milvus.svc.cluster.local:2380",
      "http://milvus-etcd-2.milvus-etcd-headless.milvus.svc.cluster.local:2380",
    ]);
    const config = await readFile(join(sandbox.dir, "responder.yaml"), "utf8");
    expect(config).toContain("name: milvus-etcd");
    expect(config).toContain("peerURL: http://{pod}.{serviceName}.{namespace}.svc.cluster.local:2380");
  });

  it("brings back member 3 after its claim and Pod were deleted, restarting no healthy Pod", async () => {
    const healthy = await podIdentities(kc, NS, ["milvus-etcd-0", "milvus-etcd-1"]);
    await loseMemberData(kc, NS, "milvus-etcd-2", "data-milvus-etcd-2");

    const run = await runRecover(sandbox, "milvus", 3);
    expect(run.code, `${run.stdout}\n${run.stderr.slice(-3000)}`).toBe(0);
    expect(run.stdout).toMatch(/\[diagnose\] .*Pod milvus-etcd-2 is in CrashLoopBackOff: .*already been bootstrapped/);
    expect(run.stdout).toMatch(/\[hold\] held StatefulSet milvus-etcd for the recovery/);
    expect(run.stdout).toMatch(/\[restore\] put StatefulSet milvus-etcd back/);

    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    expect(await podIdentities(kc, NS, ["milvus-etcd-0", "milvus-etcd-1"])).toEqual(healthy);
    const set = await readStatefulSet(kc, NS, "milvus-etcd");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
    expect(Object.keys(set.metadata?.annotations ?? {}).filter((k) => k.startsWith("etcd.responder.io/"))).toEqual([]);
  });
});
