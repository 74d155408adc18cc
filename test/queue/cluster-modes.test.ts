import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResponderConfig } from "../../src/core/config/load.js";
import { circuitBreakerReason, createClusterModes, type RedisClusterModes } from "../../src/queue/cluster-modes.js";
import { createLogger } from "../../src/core/logger.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { testConfig, uniquePrefix } from "../support/queue.js";

const logger = createLogger({ level: "silent" });
const MINUTE = 60_000;

let redis: TestRedis;
const opened: RedisClusterModes[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const modes of opened.splice(0)) await modes.close();
});
afterAll(async () => {
  await redis?.stop();
});

/** Modes on a fresh prefix with a clock the test moves. */
function open(
  config: ResponderConfig = testConfig(["circuitBreaker: { failures: 3, windowMinutes: 60 }"]),
  prefix = uniquePrefix("modes"),
) {
  const clock = { now: Date.parse("2030-01-01T00:00:00Z") };
  const modes = createClusterModes({ connection: { url: redis.url }, config, prefix, logger, now: () => clock.now });
  opened.push(modes);
  return {
    modes,
    clock,
    prefix,
    config,
    a: config.catalog.cluster("a", "etcd"),
    b: config.catalog.cluster("b", "etcd"),
  };
}

describe("cluster modes", () => {
  it("answers the configured mode until one is set, and keeps who set it and why", async () => {
    const { modes, clock, a, b } = open(testConfig(["defaultMode: observe"], ["mode: act"]));
    expect(await modes.get(a)).toEqual({ cluster: "a", namespace: "etcd", mode: "act", source: "config" });
    expect(await modes.get(b)).toEqual({
      cluster: "b",
      namespace: "etcd",
      mode: "observe",
      source: "config",
    });

    const set = await modes.set(b, "paused", "api", "etcd upgrade");
    expect(set).toEqual({
      cluster: "b",
      namespace: "etcd",
      mode: "paused",
      source: "api",
      reason: "etcd upgrade",
      since: new Date(clock.now).toISOString(),
    });
    expect(await modes.get(b)).toEqual(set);
    expect(await modes.list()).toEqual([{ cluster: "a", namespace: "etcd", mode: "act", source: "config" }, set]);

    const again = await modes.set(b, "act", "api");
    expect(again.reason).toBeUndefined();
    expect(await modes.get(b)).toEqual(again);
  });

  it("is shared by every process through Redis", async () => {
    const first = open();
    const second = open(first.config, first.prefix);
    await first.modes.set(first.a, "observe", "api", "checking");
    expect(await second.modes.get(second.a)).toMatchObject({ mode: "observe", source: "api", reason: "checking" });
  });
});

describe("circuit breaker", () => {
  it("trips after the configured failures within the window, and setting act resets it", async () => {
    const { modes, clock, a, b } = open();
    expect(await modes.recordFailure(a)).toEqual({ tripped: false, failures: 1 });
    clock.now += 10 * MINUTE;
    expect(await modes.recordFailure(a)).toEqual({ tripped: false, failures: 2 });
    clock.now += 10 * MINUTE;
    expect(await modes.recordFailure(a)).toEqual({ tripped: true, failures: 3 });
    expect(await modes.get(a)).toEqual({
      cluster: "a",
      namespace: "etcd",
      mode: "observe",
      source: "circuit-breaker",
      reason: "3 failed recoveries within 60 min; set the mode back to act after checking the cluster",
      since: new Date(clock.now).toISOString(),
    });
    // Already tripped: more failures are counted but trip nothing again.
    expect(await modes.recordFailure(a)).toEqual({ tripped: false, failures: 4 });
    // Other clusters are not affected.
    expect(await modes.get(b)).toMatchObject({ mode: "act", source: "config" });

    await modes.set(a, "act", "api", "checked");
    expect(await modes.recordFailure(a)).toEqual({ tripped: false, failures: 1 });
  });

  it("forgets failures older than the window", async () => {
    const { modes, clock, a } = open();
    await modes.recordFailure(a);
    await modes.recordFailure(a);
    clock.now += 61 * MINUTE;
    expect(await modes.recordFailure(a)).toEqual({ tripped: false, failures: 1 });
    expect((await modes.get(a)).mode).toBe("act");
  });

  it("leaves a paused or observing cluster as it is", async () => {
    const { modes, a, b } = open(
      testConfig(["circuitBreaker: { failures: 1, windowMinutes: 60 }", "defaultMode: observe"]),
    );
    expect(await modes.recordFailure(a)).toEqual({ tripped: false, failures: 1 });
    expect(await modes.get(a)).toMatchObject({ mode: "observe", source: "config" });
    await modes.set(b, "paused", "api", "maintenance");
    expect(await modes.recordFailure(b)).toEqual({ tripped: false, failures: 1 });
    expect(await modes.get(b)).toMatchObject({ mode: "paused", source: "api", reason: "maintenance" });
  });

  it("counts failures from many processes at once without losing any", async () => {
    const first = open(testConfig(["circuitBreaker: { failures: 10, windowMinutes: 60 }"]));
    const second = open(first.config, first.prefix);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).modes.recordFailure(first.a)),
    );
    expect(answers.map((a) => a.failures).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(answers.filter((a) => a.tripped)).toHaveLength(1);
  });

  it("words its reason for one failure and for fractions of minutes", () => {
    expect(circuitBreakerReason({ failures: 1, windowMinutes: 0.5 })).toBe(
      "1 failed recovery within 0.5 min; set the mode back to act after checking the cluster",
    );
  });
});
