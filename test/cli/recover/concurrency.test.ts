import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { breakMember, kubeConfigFrom } from "../../support/pod-watch.js";
import { writeKeys, expectEqualHashKV, expectHealthyCluster } from "../../support/etcd-cluster-checks.js";
import { lockWindow, runRecover } from "../../support/recover-cli.js";

const KEYS = 20;

describe("recover: concurrent and interrupted recoveries", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let shortLeaseConfig: string;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    // A killed recovery's Lease must expire before a new one can run: keep that short here.
    const config = await readFile(join(sandbox.dir, "responder.yaml"), "utf8");
    shortLeaseConfig = join(sandbox.dir, "short-lease.yaml");
    await writeFile(shortLeaseConfig, config.replace(/leaseDurationSeconds: \d+/, "leaseDurationSeconds: 3"));
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("never overlaps two recoveries of one cluster started at once", async () => {
    await Promise.all([breakMember(kc, "default", "example", 2), breakMember(kc, "default", "example", 4)]);
    const [a, b] = await Promise.all([runRecover(sandbox, "example", 2), runRecover(sandbox, "example", 4)]);
    expect(a.code, a.stdout + a.stderr.slice(-1500)).toBe(0);
    expect(b.code, b.stdout + b.stderr.slice(-1500)).toBe(0);
    const [first, second] = [lockWindow(a), lockWindow(b)].sort((x, y) => x.from - y.from);
    expect(first!.to).toBeLessThanOrEqual(second!.from);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });

  for (const killedAfter of ["[stop]", "[remove]", "[add]", "[start]", "[promote]", "[verify]"]) {
    it(`completes a recovery killed right after ${killedAfter} when run again`, async () => {
      await breakMember(kc, "default", "example", 3);
      const killed = await runRecover(sandbox, "example", 3, {
        config: shortLeaseConfig,
        killWhenOutputHas: killedAfter,
      });
      expect(killed.code).toBeNull();
      expect(killed.stdout).toContain(killedAfter);
      const again = await runRecover(sandbox, "example", 3, { config: shortLeaseConfig });
      // Killed after Promote or Verify, the member may already be a Ready voter: nothing left to do (exit 3).
      expect([0, 3], again.stdout + again.stderr.slice(-2000)).toContain(again.code);
      await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
      await expectEqualHashKV(sandbox.info, cluster());
    });
  }
});
