import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { breakMember, kubeConfigFrom } from "../../support/pod-watch.js";
import {
  clusterShape,
  removeMemberByHand,
  writeKeys,
  expectHealthyCluster,
} from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";

const KEYS = 30;

describe("recover: two members down (the seed's multiple.sh)", () => {
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

  for (const [first, second] of [
    [2, 4],
    [4, 2],
    [1, 5],
  ] as const) {
    it(`recovers ${first} then ${second}: the first removes both dead members, the second finds it gone`, async () => {
      await Promise.all([breakMember(kc, "default", "example", first), breakMember(kc, "default", "example", second)]);

      const one = await runRecover(sandbox, "example", first);
      expect(one.code, one.stdout + one.stderr.slice(-2000)).toBe(0);
      const between = await clusterShape(sandbox.info, cluster());
      // Both dead members were removed before anything was added: 4 members, the second one absent.
      expect(between.names).not.toContain(`example${second}`);
      expect(between.names).toContain(`example${first}`);
      expect(between.names).toHaveLength(4);
      expect(between.learners).toBe(0);

      const two = await runRecover(sandbox, "example", second);
      expect(two.code, two.stdout + two.stderr.slice(-2000)).toBe(0);
      await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    });
  }

  it("recovers members that were already removed from etcd by hand", async () => {
    await Promise.all([breakMember(kc, "default", "example", 3), breakMember(kc, "default", "example", 5)]);
    for (const index of [3, 5])
      await removeMemberByHand(sandbox.info, cluster(), cluster().members[index - 1]!.peerURL);
    const three = await runRecover(sandbox, "example", 3);
    expect(three.code, three.stdout + three.stderr.slice(-2000)).toBe(0);
    const five = await runRecover(sandbox, "example", 5);
    expect(five.code, five.stdout + five.stderr.slice(-2000)).toBe(0);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });
});
