import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import {
  breakMember,
  isReady,
  kubeConfigFrom,
  memberSelector,
  takeMemberDown,
  waitForPods,
} from "../../support/pod-watch.js";
import { breakUntilCrashLooping } from "../../support/crash-looping-member.js";
import { clusterShape, writeKeys, expectHealthyCluster } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";

const KEYS = 40;

describe("recover: one member at a time (the seed's single.sh)", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("refuses nothing and changes nothing for a healthy member: exit 3", async () => {
    const before = await clusterShape(sandbox.info, cluster());
    const apps = kc.makeApiClient(AppsV1Api);
    const generation = (await apps.readNamespacedDeployment({ name: "example-2", namespace: "default" })).metadata
      ?.generation;
    const run = await runRecover(sandbox, "example", 2);
    expect(run.code).toBe(3);
    expect(run.stdout.trim().split("\n").at(-1)).toMatch(/^Nothing to do: .*healthy/);
    expect(await clusterShape(sandbox.info, cluster())).toEqual(before);
    expect(
      (await apps.readNamespacedDeployment({ name: "example-2", namespace: "default" })).metadata?.generation,
    ).toBe(generation);
  });

  it("plans without changing anything with --dry-run", async () => {
    // The plan quotes the crash's log line, so this needs the crash loop (not a member that caught up).
    await breakUntilCrashLooping(kc, "default", "example", 3);
    const before = await clusterShape(sandbox.info, cluster());
    const run = await runRecover(sandbox, "example", 3, { dryRun: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Plan:/);
    expect(run.stdout).toMatch(/has already been bootstrapped/);
    expect(await clusterShape(sandbox.info, cluster())).toEqual(before);
  });

  for (const member of [3, 1, 2, 4, 5]) {
    it(`recovers member ${member} after its Pod came back empty and crash-looped`, async () => {
      if (member !== 3) await breakMember(kc, "default", "example", member);
      const idsBefore = (await clusterShape(sandbox.info, cluster())).ids;
      const run = await runRecover(sandbox, "example", member);
      expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Recovering example-${member}`));
      for (const step of ["diagnose", "stop", "remove", "add", "start", "promote", "verify"])
        expect(run.stdout).toContain(`[${step}]`);
      await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
      // Only the recovered member changed identity; no healthy member was removed.
      const idsAfter = (await clusterShape(sandbox.info, cluster())).ids;
      for (const [name, id] of Object.entries(idsBefore)) {
        if (name !== `example${member}`) expect(idsAfter[name]).toBe(id);
      }
      expect(idsAfter[`example${member}`]).not.toBe(idsBefore[`example${member}`]);
    });
  }

  it("recovers a member whose Pod is already gone (Deployment scaled to 0 by hand)", async () => {
    await takeMemberDown(kc, "default", "example", 4);
    const run = await runRecover(sandbox, "example", 4);
    expect(run.code, run.stdout + run.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const pods = await waitForPods(
      kc,
      "default",
      memberSelector("example", 4),
      (p) => (p.some(isReady) ? p : undefined),
      "member 4 Ready",
    );
    expect(pods.filter(isReady)).toHaveLength(1);
  });
});
