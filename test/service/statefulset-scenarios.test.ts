import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { StepName } from "../../src/recovery/context.js";
import { expectEqualHashKV, expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { statefulSetWorld } from "../support/refusal-checks.js";
import type { SandboxProcess } from "../support/sandbox-process.js";
import { oneAtATime } from "../support/service-fault-scenarios.js";
import { alertCrashLoops, isFinal, waitForRecovery, type ServiceApi } from "../support/service-api.js";
import { startServiceStack, type ServiceStack } from "../support/service-stack.js";
import {
  claimUid,
  loseMemberData,
  podIdentities,
  readStatefulSet,
  removeMemberKeepingData,
} from "../support/statefulset-member.js";

const KEYS = 25;
const PODS = ["example-0", "example-1", "example-2", "example-3", "example-4"];

describe("the service on a 5-member etcd StatefulSet on PersistentVolumeClaims: alert, queue, worker, healthy", () => {
  let stack: ServiceStack;
  let sandbox: SandboxProcess;
  let api: ServiceApi;
  let kc: KubeConfig;
  const cluster = () => sandbox.info.clusters[0]!;
  const others = (...lost: string[]) => PODS.filter((p) => !lost.includes(p));
  const detail = (record: RecoveryRecord, step: StepName) => record.steps.find((s) => s.name === step)?.detail;

  beforeAll(async () => {
    stack = await startServiceStack({ workload: "statefulset", members: 5 }, "before", KEYS);
    ({ sandbox, api, kc } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Alerts on `pods` in one notification; resolves with their records once each recovery has succeeded. */
  async function recoverThroughAlerts(...pods: string[]): Promise<RecoveryRecord[]> {
    const queued = await alertCrashLoops(api, pods);
    const records = await Promise.all(queued.map((q) => waitForRecovery(api, q.id, isFinal, 150_000)));
    for (const record of records) expect(record.state, JSON.stringify(record)).toBe("succeeded");
    return records;
  }

  /** What every recovery here must leave: a healthy cluster of equal members, the StatefulSet rolling again. */
  async function expectRecovered(): Promise<void> {
    await expectHealthyCluster(sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster());
    const set = await readStatefulSet(kc, "default", "example");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
  }

  it("brings back a member whose claim and Pod were deleted, restarting no healthy Pod", async () => {
    const healthy = await podIdentities(kc, "default", others("example-3"));
    await loseMemberData(kc, "default", "example-3", "data-example-3");

    const [record] = await recoverThroughAlerts("example-3");
    expect(record!.member).toBe(4);
    expect(detail(record!, "diagnose")).toMatch(/has already been bootstrapped/);
    expect(detail(record!, "promote")).toMatch(/promoted learner example-3/);
    expect(detail(record!, "verify")).toMatch(/5 voting members answer/);
    await expectRecovered();
    expect(await podIdentities(kc, "default", others("example-3"))).toEqual(healthy);
  });

  it("recovers two lost members alerted in one notification one after the other", async () => {
    const healthy = await podIdentities(kc, "default", others("example-1", "example-4"));
    await Promise.all([
      loseMemberData(kc, "default", "example-1", "data-example-1"),
      loseMemberData(kc, "default", "example-4", "data-example-4"),
    ]);

    const records = await recoverThroughAlerts("example-1", "example-4");
    expect(records.map((r) => r.member).sort()).toEqual([2, 5]);
    expect(oneAtATime(records), `the two recoveries overlapped: ${JSON.stringify(records)}`).toBe(true);
    // The first removes both lost members; the second has only itself to add.
    const [, second] = records.toSorted((a, b) => a.steps[0]!.startedAt - b.steps[0]!.startedAt);
    expect(second!.steps.find((s) => s.name === "remove")?.outcome).toBe("skipped");
    expect(detail(second!, "verify")).toMatch(/5 voting members answer/);
    await expectRecovered();
    expect(await podIdentities(kc, "default", others("example-1", "example-4"))).toEqual(healthy);
  });

  it('empties the claim of a member removed while its data stayed ("permanently removed")', async () => {
    const oldClaim = await claimUid(kc, "default", "data-example-2");
    await removeMemberKeepingData(kc, sandbox.info, cluster(), "example-2");

    const [record] = await recoverThroughAlerts("example-2");
    expect(detail(record!, "start")).toMatch(
      /deleted PersistentVolumeClaim data-example-2 \(.*write-ahead log the cluster no longer knows/,
    );
    expect(detail(record!, "start")).toMatch(/; deleted Pod example-2/);
    expect(await claimUid(kc, "default", "data-example-2")).not.toBe(oldClaim);
    await expectRecovered();
  });

  it("refuses when quorum is lost (three of five members lost their data) and changes nothing", async () => {
    // Two members lose their data while a quorum remains, so each crash-loops ("already bootstrapped"). The third
    // loss takes quorum away: that member's new Pod has no leader to tell it it was removed, and may just wait.
    await loseMemberData(kc, "default", "example-2", "data-example-2");
    await loseMemberData(kc, "default", "example-3", "data-example-3");
    await loseMemberData(kc, "default", "example-4", "data-example-4", { untilRunning: true });
    const before = await statefulSetWorld(kc, sandbox.info, cluster());

    const [queued] = await alertCrashLoops(api, ["example-2"]);
    const record = await waitForRecovery(api, queued!.id, isFinal, 60_000);
    expect(record.state, JSON.stringify(record)).toBe("refused");
    expect(record.reason).toMatch(/quorum/);
    expect(await statefulSetWorld(kc, sandbox.info, cluster())).toEqual(before);
  });
});
