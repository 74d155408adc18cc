import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startSandboxProcess, type SandboxProcess } from "../../support/sandbox-process.js";
import { kubeConfigFrom } from "../../support/pod-watch.js";
import { expectHealthyCluster, writeKeys } from "../../support/etcd-cluster-checks.js";
import { runRecover } from "../../support/recover-cli.js";
import {
  claimUid,
  loseMemberData,
  podIdentities,
  readStatefulSet,
  removeMemberKeepingData,
} from "../../support/statefulset-member.js";

const KEYS = 30;

describe("recover: a member of an etcd StatefulSet on PersistentVolumeClaims", () => {
  let sandbox: SandboxProcess;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ workload: "statefulset", members: 3 });
    kc = kubeConfigFrom(sandbox.info.kubeconfig);
    await writeKeys(sandbox.info, cluster(), "before", KEYS);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("brings back a member whose claim and Pod were deleted, restarting no healthy Pod", async () => {
    const healthy = await podIdentities(kc, "default", ["example-0", "example-1"]);
    await loseMemberData(kc, "default", "example-2", "data-example-2");

    const run = await runRecover(sandbox, "example", 3);
    expect(run.code, `${run.stdout}\n${run.stderr.slice(-3000)}`).toBe(0);
    expect(run.stdout).toMatch(/\[diagnose\] .*has already been bootstrapped/);
    expect(run.stdout).toMatch(
      /\[hold\] held StatefulSet example for the recovery: update strategy OnDelete \(was RollingUpdate\)/,
    );
    // "Already bootstrapped" leaves the claim empty; it is deleted only if the crash-looping Pod, restarted after
    // Remove with state new, wrote a write-ahead log of its own there, and then for that reason: seen before the
    // Pod is replaced, or when the new Pod crashes on it.
    for (const line of run.stdout.split("\n").filter((l) => l.includes("deleted PersistentVolumeClaim"))) {
      expect(line).toMatch(
        new RegExp(
          "after the member was removed, its data dir got a write-ahead log of its own" +
            "|the new Pod started on a write-ahead log the cluster no longer knows",
        ),
      );
    }
    expect(run.stdout).toMatch(/\[restore\] put StatefulSet example back/);

    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    const set = await readStatefulSet(kc, "default", "example");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
    expect(Object.keys(set.metadata?.annotations ?? {}).filter((k) => k.startsWith("etcd.responder.io/"))).toEqual([]);
    const env = set.spec?.template?.spec?.containers?.[0]?.env ?? [];
    expect(env.find((e) => e.name === "ETCD_INITIAL_CLUSTER_STATE")?.value).toBe("new");
    expect(await podIdentities(kc, "default", ["example-0", "example-1"])).toEqual(healthy);
  });

  it('empties the claim of a member removed while its data stayed ("permanently removed")', async () => {
    const oldClaim = await claimUid(kc, "default", "data-example-2");
    await removeMemberKeepingData(kc, sandbox.info, cluster(), "example-2");

    const run = await runRecover(sandbox, "example", 3);
    expect(run.code, `${run.stdout}\n${run.stderr.slice(-3000)}`).toBe(0);
    // Between crashes the kubelet restarts the container, so the Pod may be seen in back-off (with the log line
    // that says why) or running again and not yet crashed, outside the member list.
    expect(run.stdout).toMatch(
      new RegExp(
        String.raw`\[diagnose\] Pod example-2 (is in CrashLoopBackOff: .*removed` +
          String.raw`|is Running but its peer URL \S+ is not in the member list)`,
      ),
    );
    const start = run.stdout.split("\n").find((line) => line.startsWith("[start] "));
    expect(start).toMatch(
      /deleted PersistentVolumeClaim data-example-2 \(.*write-ahead log the cluster no longer knows/,
    );
    expect(start).toMatch(/; deleted Pod example-2/);
    expect(await claimUid(kc, "default", "data-example-2")).not.toBe(oldClaim);
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
  });
});
