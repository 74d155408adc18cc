import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import type { RecoveryListBody } from "../support/api-bodies.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { expectEqualHashKV, expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { expectQuorumKept, monitorQuorum } from "../support/quorum-monitor.js";
import { isFinal, waitForRecovery } from "../support/service-api.js";
import { startServiceStack, type ServiceStack } from "../support/service-stack.js";

const KEYS = 30;
/** Redis as the README asks for it: every write in the append-only file before it is answered. */
const DURABLE_REDIS = ["--appendonly", "yes", "--appendfsync", "always"];

/**
 * Redis restarts (SIGKILL, then the same data directory with its append-only file) while one recovery runs and
 * another of the same cluster waits behind it. Neither is lost: both end succeeded, one after the other, and the
 * cluster comes out whole.
 */
describe("the service when Redis restarts under a running and a queued recovery", () => {
  let stack: ServiceStack;
  const cluster = () => stack.sandbox.info.clusters[0]!;

  beforeAll(async () => {
    stack = await startServiceStack({}, "before", KEYS, { args: DURABLE_REDIS });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("finishes both recoveries, one at a time, with no job lost", async () => {
    await Promise.all([
      breakUntilCrashLooping(stack.kc, "default", "example", 2),
      breakUntilCrashLooping(stack.kc, "default", "example", 4),
    ]);
    const quorum = monitorQuorum(stack.sandbox.info, cluster());
    let samples;
    let ids: string[];
    try {
      const queued = await Promise.all(
        [2, 4].map((member) => stack.api.post("/v1/recoveries", { cluster: "example", member })),
      );
      for (const answer of queued) expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      ids = queued.map((answer) => (answer.body as { id: string }).id);
      // Once one of them runs past Stop (its member changed), the other waits behind it: restart Redis then.
      await Promise.race(
        ids.map((id) =>
          waitForRecovery(stack.api, id, (r) => isFinal(r) || r.steps.some((s) => s.name === "stop"), 90_000, 50),
        ),
      );
      const before = await Promise.all(ids.map((id) => stack.api.get(`/v1/recoveries/${id}`)));
      expect(before.map((answer) => (answer.body as RecoveryRecord).state).sort()).toEqual(["queued", "running"]);
      await stack.redis.restart(DURABLE_REDIS);
      for (const id of ids) {
        const record = await waitForRecovery(stack.api, id, isFinal, 180_000);
        expect(record.state, JSON.stringify(record)).toBe("succeeded");
      }
    } finally {
      samples = await quorum.stop();
    }
    const listed = await stack.api.get("/v1/recoveries?cluster=example");
    expect(listed.status).toBe(200);
    const records = (listed.body as RecoveryListBody).recoveries.filter((r) => ids.includes(r.id));
    expect(records.map((r) => r.state).sort()).toEqual(["succeeded", "succeeded"]);
    // One at a time: the cluster's Lease kept them apart.
    const [first, second] = records
      .map((r) => ({ from: r.steps[0]?.startedAt ?? NaN, to: r.steps.at(-1)?.endedAt ?? NaN }))
      .sort((a, b) => a.from - b.from);
    expect(first!.to).toBeLessThanOrEqual(second!.from);
    expectQuorumKept(samples);
    await expectHealthyCluster(stack.sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(stack.sandbox.info, cluster());
  }, 300_000);
});
