import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../support/sandbox-process.js";
import { breakMember, killContainer, kubeConfigFrom } from "../support/pod-watch.js";
import { leaderPod } from "../support/etcd-leader.js";
import { clusterShape, expectEqualHashKV, expectHealthyCluster, writeKeys } from "../support/etcd-cluster-checks.js";
import { writeServiceConfig } from "../support/sandbox-config.js";
import { runRecover, type RecoverRun } from "../support/recover-cli.js";

const KEYS = 20;
const NS = "default";

// etcd itself failing while a recovery runs: the leader crashes, or a second member loses its data. The recovery
// must complete, or end failed saying where the member is; it never costs quorum, and no key is lost.
describe("faults in etcd during a recovery (Deployment members)", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  let config: string;
  const cluster = () => sandbox.info.clusters[0]!;
  const output = (run: RecoverRun) => `${run.stdout}\n${run.stderr.slice(-3000)}`;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
    // A wait that cannot end well (a member gone for good) gives up within the test's time.
    config = await writeServiceConfig(sandbox, "short-steps.yaml", { stepTimeoutSeconds: 20 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("completes when the leader crashes right after the learner was added", async () => {
    await breakMember(kc, NS, "example", 3);
    let killed: number | undefined;
    const run = await runRecover(sandbox, "example", 3, {
      config,
      whenOutputHas: {
        text: "[add] ",
        then: async () => (killed = await killContainer(kc, NS, await leaderPod(kc, sandbox.info, cluster()))),
      },
    });
    expect(killed, "the leader was killed").toBeDefined();
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(/\[verify\] 5 voting members answer/);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
  });

  it("a second member losing its data mid-recovery: succeeded or failed saying where; both recover", async () => {
    await breakMember(kc, NS, "example", 2);
    let broken = false;
    const first = await runRecover(sandbox, "example", 2, {
      config,
      whenOutputHas: {
        text: "[remove] ",
        then: async () => {
          await breakMember(kc, NS, "example", 4);
          broken = true;
        },
      },
    });
    expect(broken, "member 4 lost its data").toBe(true);
    if (first.code !== 0) {
      // Failed, not refused: something was changed, and the last line says where member 2 was left.
      expect(first.code, output(first)).toBe(1);
      expect(first.stdout.trim().split("\n").at(-1)).toMatch(/example2|member 2/);
    }
    // Quorum held throughout: the three untouched members and the keys are all there.
    const shape = await clusterShape(sandbox.info, cluster());
    expect(shape.names).toEqual(expect.arrayContaining(["example1", "example3", "example5"]));
    for (const member of [2, 4]) {
      const run = await runRecover(sandbox, "example", member, { config });
      expect([0, 3], output(run)).toContain(run.code);
    }
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
  });
});
