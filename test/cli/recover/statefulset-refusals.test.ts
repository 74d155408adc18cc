import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { clusterShape, expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";
import { loseMemberData, readStatefulSet, waitForCrashLoop } from "../../support/statefulset-member.js";

const KEYS = 10;

describe("recover: StatefulSet members it must not touch", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;
  /** What a refusal must leave as it was: the member list and the StatefulSet's spec and annotations. */
  const state = async () => {
    const set = await readStatefulSet(kc, "default", "example");
    return {
      members: (await clusterShape(sandbox.info, cluster())).ids,
      spec: set.spec,
      annotations: set.metadata?.annotations ?? {},
    };
  };

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("refuses a crash that is not lost data, quoting the log line, and changes nothing", async () => {
    // A bad setting reaches only example-2: the StatefulSet is OnDelete while its template changes.
    const apps = kc.makeApiClient(AppsV1Api);
    const good = await apps.readNamespacedStatefulSet({ namespace: "default", name: "example" });
    const bad = structuredClone(good);
    bad.spec!.updateStrategy = { type: "OnDelete" };
    bad.spec!.template.spec!.containers[0]!.env!.push({ name: "ETCD_HEARTBEAT_INTERVAL", value: "often" });
    await apps.replaceNamespacedStatefulSet({ namespace: "default", name: "example", body: bad });
    await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: "default", name: "example-2" });
    await waitForCrashLoop(kc, "default", "example-2");
    const before = await state();

    const run = await runRecover(sandbox, "example", 3);
    expect(run.code, run.stdout).toBe(4);
    expect(run.stdout).toMatch(/shows no sign of lost data.*last log line: .*ETCD_HEARTBEAT_INTERVAL/);
    expect(await state()).toEqual(before);

    // Put right by hand: the good template back, the Pod made again from it.
    const current = await apps.readNamespacedStatefulSet({ namespace: "default", name: "example" });
    await apps.replaceNamespacedStatefulSet({
      namespace: "default",
      name: "example",
      body: { ...current, spec: good.spec },
    });
    await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: "default", name: "example-2" });
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  it("refuses when quorum is lost (two of three members lost their data) and changes nothing", async () => {
    await Promise.all([
      loseMemberData(kc, "default", "example-1", "data-example-1"),
      loseMemberData(kc, "default", "example-2", "data-example-2"),
    ]);
    const before = await state();
    const run = await runRecover(sandbox, "example", 3);
    expect(run.code, run.stdout).toBe(4);
    expect(run.stdout.trim().split("\n").at(-1)).toMatch(/quorum/);
    expect(await state()).toEqual(before);
  });
});
