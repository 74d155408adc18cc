import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";
import { statefulSetWorld } from "../../support/refusal-checks.js";
import { crashWithBadSetting, loseMemberData } from "../../support/statefulset-member.js";

const KEYS = 10;

describe("recover: StatefulSet members it must not touch", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;
  const state = () => statefulSetWorld(kc, sandbox.info, cluster());

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("refuses a crash that is not lost data, quoting the log line, and changes nothing", async () => {
    const putRight = await crashWithBadSetting(kc, "default", "example", "example-2");
    const before = await state();

    const run = await runRecover(sandbox, "example", 3);
    expect(run.code, run.stdout).toBe(4);
    expect(run.stdout).toMatch(/shows no sign of lost data.*last log line: .*ETCD_HEARTBEAT_INTERVAL/);
    expect(await state()).toEqual(before);

    await putRight();
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
