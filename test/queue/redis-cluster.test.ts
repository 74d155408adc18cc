import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { capturingLogger } from "../support/capturing-logger.js";
import type { RedisConnection } from "../../src/core/redis-connection.js";
import { keySlot } from "../../src/core/redis-keys.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import { createClusterModes } from "../../src/queue/cluster-modes.js";
import { lastRecoveredKey, recoveryQueueName } from "../../src/queue/jobs.js";
import type { RecoveryQueue, RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { startRecoveryWorkers } from "../../src/queue/workers.js";
import { startRedisCluster, type TestRedisCluster } from "../support/redis-cluster.js";
import { requestFor, scriptedRunner, step, testConfig, waitFor } from "../support/queue.js";

const logger = createLogger({ level: "silent" });
const config = testConfig(["circuitBreaker: { failures: 2, windowMinutes: 60 }"]);
const alert = {
  kind: "alert",
  alertname: "KubePodCrashLooping",
  fingerprint: "c1a5",
  receiver: "etcd-responder",
  pod: "a-2-xyz",
} as const;

/** A prefix no other test of the file uses: `{<tag>}`, its keys in the tag's slot. */
const taggedPrefix = (name: string) => `{test-${name}-${randomBytes(4).toString("hex")}}`;

describe("the queue, the modes and the workers on a Redis Cluster (3 masters, a replica each)", () => {
  let cluster: TestRedisCluster | undefined;
  const closers: (() => Promise<void>)[] = [];
  const connection = (): RedisConnection => ({
    url: "redis://unused/0",
    cluster: { nodes: cluster!.nodes.slice(0, 2).map(({ port }) => ({ host: "127.0.0.1", port })) },
    waitReplicas: 1,
  });

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await cluster?.stop();
  });

  it("queues, confirms on a replica (WAIT), runs and lists recoveries, every key in the prefix's slot", async () => {
    const prefix = taggedPrefix("queue");
    const modes = createClusterModes({ connection: connection(), config, prefix, logger });
    closers.push(() => modes.close());
    const queue: RecoveryQueue = createRecoveryQueue({ connection: connection(), config, prefix, logger, modes });
    closers.push(() => queue.close());
    await queue.ping();

    const first = await queue.enqueue(requestFor(config, "a", 2, alert));
    expect(first.deduplicated).toBe(false);
    // The member's queued recovery is found by the service's own script (two keys and a job key of the queue).
    expect(await queue.findJoinable(requestFor(config, "a", 2, alert))).toMatchObject({
      id: first.id,
      deduplicated: true,
    });
    expect(await queue.enqueue(requestFor(config, "a", 2, alert))).toMatchObject({ id: first.id, deduplicated: true });
    expect(await queue.waitingCounts()).toEqual({ "etcd/a": 1, "etcd/b": 0 });

    const { run, calls } = scriptedRunner(() => ({
      outcome: "succeeded",
      reason: "recovered",
      steps: [step("diagnose"), step("stop")],
    }));
    const workers = await startRecoveryWorkers({ connection: connection(), config, modes, run, prefix, logger });
    closers.push(() => workers.close());
    const done = await waitFor(
      "the recovery to succeed",
      async () => {
        const record = await queue.get(first.id);
        return record?.state === "succeeded" ? record : undefined;
      },
      20_000,
    );
    expect(done).toMatchObject({ id: first.id, state: "succeeded", member: 2 });
    expect(calls).toHaveLength(1);
    const listed: RecoveryRecord[] = await queue.list({ cluster: "a" });
    expect(listed.map((record) => record.id)).toEqual([first.id]);

    // The alert started before the member's last recovery: it joins that recovery.
    await waitFor("the last-recovered mark", async () =>
      (await cluster!.client().exists(lastRecoveredKey(prefix, "etcd", "a", 2))) === 1 ? true : undefined,
    );
    const repeat = await queue.enqueue(
      requestFor(config, "a", 2, { ...alert, startsAt: new Date(Date.now() - 60_000).toISOString() }),
    );
    expect(repeat).toMatchObject({ id: first.id, deduplicated: true });

    // Every key the queue, the modes and the workers wrote is in the slot of the prefix's hash tag, on its master
    // and that master's replica.
    const slot = keySlot(prefix);
    expect(await cluster!.keySlot(prefix)).toBe(slot);
    const [master, ...replicas] = await cluster!.nodesOfSlot(slot);
    const byNode = await cluster!.keysByNode();
    const ours = (byNode.get(master!) ?? []).filter((key) => key.startsWith(prefix));
    expect(ours).toContain(`${prefix}:${recoveryQueueName("etcd", "a")}:${first.id}`);
    expect(ours).toContain(lastRecoveredKey(prefix, "etcd", "a", 2));
    expect(ours).toContain(`${prefix}:replicated`);
    for (const key of ours) expect(await cluster!.keySlot(key), key).toBe(slot);
    for (const [port, keys] of byNode) {
      if (port === master || replicas.includes(port)) continue;
      expect(
        keys.filter((key) => key.startsWith(prefix)),
        `keys of the prefix on node ${port}`,
      ).toEqual([]);
    }
  });

  it("counts failures, trips the breaker and sets modes with scripts and transactions in one slot", async () => {
    const prefix = taggedPrefix("modes");
    const modes = createClusterModes({ connection: connection(), config, prefix, logger });
    closers.push(() => modes.close());
    const a = config.catalog.cluster("a", "etcd");
    expect(await modes.recordFailure(a)).toEqual({ failures: 1, tripped: false });
    expect(await modes.recordFailure(a)).toEqual({ failures: 2, tripped: true });
    expect(await modes.get(a)).toMatchObject({ mode: "observe", source: "circuit-breaker" });
    await modes.set(a, "act", "api", "checked");
    expect((await modes.list()).map((state) => `${state.cluster}:${state.mode}:${state.source}`)).toEqual([
      "a:act:api",
      "b:act:config",
    ]);
  });

  it("fails with CROSSSLOT on a prefix without a hash tag: why the service refuses one on a cluster", async () => {
    const prefix = `test-untagged-${randomBytes(4).toString("hex")}`;
    const modes = createClusterModes({ connection: connection(), config, prefix, logger });
    closers.push(() => modes.close());
    await expect(modes.recordFailure(config.catalog.cluster("a", "etcd"))).rejects.toThrow(/CROSSSLOT|same slot/);
  });
});

describe("a Redis Cluster that requires a password", () => {
  let cluster: TestRedisCluster | undefined;
  const closers: (() => Promise<void>)[] = [];
  const connection = (url: string): RedisConnection => ({
    url,
    cluster: { nodes: [{ host: "127.0.0.1", port: cluster!.nodes[0]!.port }] },
    waitReplicas: 1,
  });

  beforeAll(async () => {
    cluster = await startRedisCluster({ password: "cluster-secret" });
  });
  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await cluster?.stop();
  });

  it("takes the password from REDIS_URL, whose host is not used", async () => {
    const prefix = taggedPrefix("auth");
    const queue = createRecoveryQueue({
      connection: connection("redis://:cluster-secret@unused/0"),
      config,
      prefix,
      logger,
      unavailableAfterMs: 3000,
    });
    closers.push(() => queue.close());
    await queue.ping();
    expect(await queue.enqueue(requestFor(config, "b", 1, alert))).toMatchObject({ deduplicated: false });
  });

  it("refuses a wrong password as Redis being unavailable, retryable, and logs a hint naming REDIS_URL", async () => {
    const captured = capturingLogger();
    const queue = createRecoveryQueue({
      connection: connection("redis://:wrong@unused/0"),
      config,
      prefix: taggedPrefix("wrong"),
      logger: captured.logger,
      unavailableAfterMs: 1000,
    });
    closers.push(() => queue.close());
    await expect(queue.ping()).rejects.toMatchObject({ name: "QueueUnavailableError", retryable: true });
    await captured.waitFor("a hint about the credentials", (line) =>
      /refused the credentials: check the user name and password in REDIS_URL/.test(String(line.hint)),
    );
    expect(JSON.stringify(captured.lines())).not.toContain("cluster-secret");
  });
});
