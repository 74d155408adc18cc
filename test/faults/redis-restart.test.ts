import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecoveryListBody } from "../support/api-bodies.js";
import { breakUntilCrashLooping } from "../support/crash-looping-member.js";
import { expectEqualHashKV, expectHealthyCluster } from "../support/etcd-cluster-checks.js";
import { expectQuorumKept, monitorQuorum } from "../support/quorum-monitor.js";
import {
  oneAtATime,
  restartRedisUnderRecoveries,
  type RedisRestartOutcome,
} from "../support/service-fault-scenarios.js";
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
    const quorum = await monitorQuorum(stack.sandbox.info, cluster());
    let outcome: RedisRestartOutcome;
    let samples;
    try {
      // Once one of them runs past Stop (its member changed), the other waits behind it: Redis restarts then.
      outcome = await restartRedisUnderRecoveries(stack.api, stack.redis, DURABLE_REDIS, "example", [2, 4]);
    } finally {
      samples = await quorum.stop();
    }
    expect(outcome.statesAtRestart).toEqual(["queued", "running"]);
    for (const record of outcome.records) expect(record.state, JSON.stringify(record)).toBe("succeeded");
    // Neither was lost from the list.
    const listed = await stack.api.get("/v1/recoveries?cluster=example");
    expect(listed.status).toBe(200);
    const ids = outcome.records.map((r) => r.id);
    const records = (listed.body as RecoveryListBody).recoveries.filter((r) => ids.includes(r.id));
    expect(records.map((r) => r.state).sort()).toEqual(["succeeded", "succeeded"]);
    // One at a time: the cluster's Lease kept them apart.
    expect(oneAtATime(outcome.records)).toBe(true);
    expectQuorumKept(samples);
    await expectHealthyCluster(stack.sandbox, cluster(), "before", KEYS);
    await expectEqualHashKV(stack.sandbox.info, cluster());
  }, 300_000);
});
