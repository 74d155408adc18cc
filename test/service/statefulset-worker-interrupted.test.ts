import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { hexId } from "../../src/recovery/decisions/members.js";
import { expectEqualHashKV, expectHealthyCluster, withCluster } from "../support/etcd-cluster-checks.js";
import { processAlive } from "../support/processes.js";
import { alertCrashLoops, isFinal, waitForRecovery } from "../support/service-api.js";
import { loseMemberData, podIdentities, readStatefulSet, responderMarks } from "../support/statefulset-member.js";
import { startWorkerStack, type WorkerStack } from "../support/worker-stack.js";

const KEYS = 20;
const HEALTHY = ["example-0", "example-2"];

/** Whether the running attempt's record shows step `step` ended after `since` (ms since the epoch). */
const stepEnded =
  (step: string, since = 0) =>
  (record: RecoveryRecord) =>
    record.state === "running" && record.steps.some((s) => s.name === step && s.startedAt > since);

describe("a worker process killed in the middle of a 3-member StatefulSet member's recovery", () => {
  let stack: WorkerStack;

  beforeAll(async () => {
    stack = await startWorkerStack({ workload: "statefulset", members: 3 }, "before", KEYS, 3);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("SIGKILLed after Hold, again after Add (a learner): a third worker process finishes the recovery", async () => {
    const { api, kc, sandbox } = stack;
    const cluster = sandbox.info.clusters[0]!;
    const lost = cluster.members.find((m) => m.workload === "statefulset" && m.pod === "example-1")!;
    const healthy = await podIdentities(kc, "default", HEALTHY);
    await loseMemberData(kc, "default", "example-1", "data-example-1");

    const doomed = await stack.startWorker();
    const [queued] = await alertCrashLoops(api, ["example-1"]);
    const id = queued!.id;
    await waitForRecovery(api, id, stepEnded("hold"), 120_000, 20);
    await doomed.kill();
    const firstKill = Date.now();
    expect(processAlive(doomed.pid)).toBe(false);
    const held = await readStatefulSet(kc, "default", "example");
    expect(held.spec?.updateStrategy?.type).toBe("OnDelete");
    expect(responderMarks(held)).not.toEqual([]);

    const resumed = await stack.startWorker();
    await waitForRecovery(api, id, stepEnded("add", firstKill), 120_000, 20);
    await resumed.kill();
    expect(processAlive(resumed.pid)).toBe(false);
    const learners = await withCluster(sandbox.info, cluster, async (client) =>
      (await client.cluster.memberList({ linearizable: true })).members.filter((m) => m.isLearner),
    );
    expect(learners.map((m) => m.peerURLs)).toEqual([[lost.peerURL]]);

    const rescuer = await stack.startWorker();
    const record = await waitForRecovery(api, id, isFinal, 120_000);
    expect(record.state, JSON.stringify(record)).toBe("succeeded");
    expect(record.attempts).toBeGreaterThanOrEqual(3);
    const learnerId = hexId(learners[0]!.ID);
    const detail = (step: string) => record.steps.find((s) => s.name === step)?.detail;
    const steps = JSON.stringify(record.steps);
    if (/resuming at promote/.test(detail("diagnose") ?? "")) {
      // Start had deleted the crash-looping Pod before the kill: the learner runs, and the last attempt promotes it.
      expect(detail("remove"), steps).toBe("resuming after the membership changes");
      expect(detail("promote"), steps).toContain(`promoted learner example-1 (${learnerId})`);
    } else {
      // Killed before Start: the learner, never started, answers nothing; the last attempt removes it as dead and
      // adds the member again.
      expect(detail("remove"), steps).toBe(`removed 1 dead member (${learnerId})`);
      expect(detail("add"), steps).toMatch(/^added example-1 .* as a learner/);
    }
    expect(rescuer.logs().some((line) => line.msg === "recovery started" && line.recovery === id)).toBe(true);
    await expectHealthyCluster(sandbox, cluster, "before", KEYS);
    await expectEqualHashKV(sandbox.info, cluster);
    const set = await readStatefulSet(kc, "default", "example");
    expect(set.spec?.updateStrategy?.type ?? "RollingUpdate").toBe("RollingUpdate");
    expect(responderMarks(set)).toEqual([]);
    expect(await podIdentities(kc, "default", HEALTHY)).toEqual(healthy);
    expect(await rescuer.stop()).toEqual({ code: 0, signal: null });
  }, 400_000);
});
