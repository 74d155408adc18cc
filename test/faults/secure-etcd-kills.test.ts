import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { enableSandboxEtcdAuth } from "../support/etcd-auth.js";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { breakMember, kubeConfigFrom } from "../support/pod-watch.js";
import { clusterShape, expectEqualHashKV, expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { writeServiceConfig } from "../support/sandbox-config.js";
import { runRecover } from "../support/recover-cli.js";

const KEYS = 20;
const PASSWORD = "secure-kills-test-password";

// The steps where etcd's security matters most (a learner answers no authenticated call, and every client needs
// the cluster's certificates), each interrupted by SIGKILL on a cluster with TLS client certificates and
// password authentication, and run again.
describe("recover: killed at Add, Start and Promote on etcd with TLS client certificates and authentication", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let config: string;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ tls: true });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    config = await writeServiceConfig(sandbox, "secure-short-lease.yaml", {
      clusterAuth: await enableSandboxEtcdAuth(sandbox, PASSWORD),
      leaseDurationSeconds: 3,
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  for (const [step, member] of [
    ["add", 2],
    ["start", 4],
    ["promote", 1],
  ] as const) {
    it(`finishes with every member voting and every key, killed right after [${step}]`, async () => {
      await breakMember(kc, "default", "example", member);
      const killed = await runRecover(sandbox, "example", member, { config, killWhenOutputHas: `[${step}]` });
      expect(killed.code, killed.stdout).toBeNull();

      const again = await runRecover(sandbox, "example", member, { config });
      // Killed after Promote, the member may already be a Ready voter: the next run finds nothing to do (exit 3).
      expect([0, 3], `${again.stdout}\n${again.stderr.slice(-2000)}`).toContain(again.code);
      expect((await clusterShape(sandbox.info, cluster())).learners).toBe(0);
      await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
      await expectEqualHashKV(sandbox.info, cluster());
    });
  }
});
