import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { parseConfig, type ResponderConfig } from "../../src/core/config/load.js";
import { createClusterModes, type RedisClusterModes } from "../../src/queue/cluster-modes.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import type { RecoveryQueue } from "../../src/queue/recovery-queue.js";
import { type RecoveryWorkers, startRecoveryWorkers } from "../../src/queue/workers.js";
import type { RecoveryResult } from "../../src/recovery/context.js";
import { createLogger } from "../../src/core/logger.js";
import { redisForTestFile } from "../support/redis-test-file.js";
import { scriptedRunner, step, testConfig, uniquePrefix, waitFor, requestFor } from "../support/queue.js";

const logger = createLogger({ level: "silent" });
const alert = {
  kind: "alert",
  alertname: "KubePodCrashLooping",
  fingerprint: "f00d",
  receiver: "etcd-responder",
  pod: "x-1-abc",
} as const;

const { redis, closers } = redisForTestFile();

function openQueue(config: ResponderConfig, prefix: string): RecoveryQueue {
  const queue = createRecoveryQueue({ connection: { url: redis.url }, config, prefix, logger });
  closers.push(() => queue.close());
  return queue;
}

function openModes(config: ResponderConfig, prefix: string): RedisClusterModes {
  const modes = createClusterModes({ connection: { url: redis.url }, config, prefix, logger });
  closers.push(() => modes.close());
  return modes;
}

async function startWorkers(
  options: Omit<Parameters<typeof startRecoveryWorkers>[0], "connection" | "logger">,
): Promise<RecoveryWorkers> {
  const workers = await startRecoveryWorkers({ connection: { url: redis.url }, logger, ...options });
  closers.push(() => workers.close());
  return workers;
}

/** Waits until the recovery `id` is in one of `states`. */
function waitForState(queue: RecoveryQueue, id: string, ...states: string[]) {
  return waitFor(`recovery ${id} to be ${states.join(" or ")}`, async () => {
    const record = await queue.get(id);
    return record && states.includes(record.state) ? record : undefined;
  });
}

/** Waits until the clock has moved past `time`, so the next id has a later timestamp. */
function nextMillisecond(time = Date.now()) {
  return waitFor("the next millisecond", () => (Date.now() > time ? true : undefined));
}

describe("deduplication", () => {
  it("turns 1000 concurrent requests for one member into one recovery, and a new one once it ended", async () => {
    const config = testConfig();
    const prefix = uniquePrefix("dedup");
    const queue = openQueue(config, prefix);

    const answers = await Promise.all(
      Array.from({ length: 1000 }, () => queue.enqueue(requestFor(config, "a", 2, alert))),
    );
    const ids = new Set(answers.map((answer) => answer.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(answers.filter((answer) => !answer.deduplicated)).toHaveLength(1);
    expect(answers.filter((answer) => answer.deduplicated)).toHaveLength(999);
    expect(answers[0]).toMatchObject({ cluster: "a", namespace: "etcd", member: 2 });
    expect(id).toMatch(/^a-2-[0-9a-z]+-[0-9a-f]{6}$/);
    expect(await queue.list({})).toHaveLength(1);
    expect(await queue.waitingCounts()).toEqual({ "etcd/a": 1, "etcd/b": 0 });

    // Another member is another recovery.
    const other = await queue.enqueue(requestFor(config, "a", 3, { kind: "manual" }));
    expect(other.deduplicated).toBe(false);
    expect(other.id).not.toBe(id);

    const { run } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [step("verify")] }));
    await startWorkers({ config, modes: openModes(config, prefix), run, prefix });
    await waitForState(queue, id ?? "", "succeeded");

    const again = await queue.enqueue(requestFor(config, "a", 2, alert));
    expect(again.deduplicated).toBe(false);
    expect(again.id).not.toBe(id);
  });

  it("joins a request to a running recovery of the same member", async () => {
    const config = testConfig();
    const prefix = uniquePrefix("dedup-running");
    const queue = openQueue(config, prefix);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    await startWorkers({
      config,
      modes: openModes(config, prefix),
      prefix,
      run: async () => {
        await released;
        return { outcome: "succeeded", reason: "recovered", steps: [] };
      },
    });
    const first = await queue.enqueue(requestFor(config, "b", 1, alert));
    await waitForState(queue, first.id, "running");
    const second = await queue.enqueue(requestFor(config, "b", 1, alert));
    expect(second).toMatchObject({ id: first.id, deduplicated: true });
    release();
    await waitForState(queue, first.id, "succeeded");
  });

  it("says which recovery a request would join, without queueing anything", async () => {
    const config = testConfig();
    const queue = openQueue(config, uniquePrefix("joinable"));
    const request = requestFor(config, "a", 3, alert);
    expect(await queue.findJoinable(request)).toBeUndefined();
    expect(await queue.list({})).toEqual([]);
    const queued = await queue.enqueue(request);
    expect(await queue.findJoinable(request)).toEqual({
      id: queued.id,
      cluster: "a",
      namespace: "etcd",
      member: 3,
      deduplicated: true,
    });
    expect(await queue.findJoinable(requestFor(config, "a", 2, alert))).toBeUndefined();
  });

  it("queues anew when the member's deduplication key names a recovery that no longer exists", async () => {
    const prefix = uniquePrefix("dedup-stale");
    const config = testConfig();
    const queue = openQueue(config, prefix);
    const first = await queue.enqueue(requestFor(config, "a", 1, alert));
    const raw = new Redis(redis.url);
    closers.push(async () => void (await raw.quit()));
    // What a Redis that lost part of its data leaves behind: the key that says "queued", without the job.
    const dedupKey = `${prefix}:recover.etcd.a:de:etcd/a/1`;
    expect(await raw.get(dedupKey)).toBe(first.id);
    await raw.del(`${prefix}:recover.etcd.a:${first.id}`);

    const second = await queue.enqueue(requestFor(config, "a", 1, alert));
    expect(second.deduplicated).toBe(false);
    expect(second.id).not.toBe(first.id);
    expect(await raw.get(dedupKey)).toBe(second.id);
    const third = await queue.enqueue(requestFor(config, "a", 1, alert));
    expect(third).toMatchObject({ id: second.id, deduplicated: true });
  });
});

describe("get and list", () => {
  const text = [
    "clusters:",
    "  - { name: x, namespace: etcd, members: 9 }",
    "  - { name: b, namespace: etcd, members: 1 }",
    "service:",
    "  retry: { attempts: 3, backoffSeconds: 60 }",
    "",
  ].join("\n");

  it("maps every state with steps, reasons, errors, attempts; filters by cluster, member, state, limit", async () => {
    const config = parseConfig(text, "test.yaml");
    const prefix = uniquePrefix("states");
    const queue = openQueue(config, prefix);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const results: Record<number, RecoveryResult> = {
      1: {
        outcome: "succeeded",
        reason: "recovered member 1",
        steps: [step("lock"), step("diagnose"), step("verify")],
      },
      2: {
        outcome: "skipped",
        reason: "member 2 is healthy",
        steps: [step("lock"), step("diagnose", "skipped", "healthy")],
      },
      3: {
        outcome: "refused",
        reason: "quorum lost",
        steps: [step("diagnose")],
        retryable: false,
        error: new Error("2 of 3 members down"),
      },
      4: {
        outcome: "failed",
        reason: "step add failed",
        steps: [step("add", "failed", "add failed")],
        retryable: false,
        error: new Error("member add rejected"),
      },
      5: {
        outcome: "failed",
        reason: "step diagnose failed",
        steps: [step("diagnose", "failed", "etcd down")],
        retryable: true,
        error: new Error("etcd unreachable"),
      },
    };
    const { run } = scriptedRunner(
      (call) => results[call.member] ?? { outcome: "succeeded", reason: "recovered", steps: [] },
    );
    await startWorkers({
      config,
      modes: openModes(config, prefix),
      prefix,
      run: async (request, progress, signal) => {
        if (request.target.member.index === 6) {
          progress.onStep(step("lock"));
          await released;
          return { outcome: "succeeded", reason: "recovered member 6", steps: [step("lock"), step("verify")] };
        }
        return run(request, progress, signal);
      },
    });

    const ids: Record<number, string> = {};
    const enqueue = async (member: number, cluster = "x") => {
      await nextMillisecond();
      const answer = await queue.enqueue(requestFor(config, cluster, member, member === 1 ? alert : undefined));
      return answer.id;
    };
    for (const member of [1, 2, 3, 4, 5]) ids[member] = await enqueue(member);
    await waitForState(queue, ids[5] ?? "", "queued").then(() =>
      waitFor("member 5's first attempt to fail", async () =>
        (await queue.get(ids[5] ?? ""))?.attempts === 1 ? true : undefined,
      ),
    );
    for (const member of [1, 2, 3, 4])
      await waitForState(queue, ids[member] ?? "", "succeeded", "skipped", "refused", "failed");
    ids[6] = await enqueue(6);
    await waitForState(queue, ids[6], "running");
    ids[7] = await enqueue(7);
    const other = await enqueue(1, "b");
    await waitForState(queue, other, "succeeded");

    const get = async (member: number) => {
      const record = await queue.get(ids[member] ?? "");
      if (!record) throw new Error(`recovery of member ${member} not found`);
      return record;
    };

    const succeeded = await get(1);
    expect(succeeded).toMatchObject({
      id: ids[1],
      cluster: "x",
      namespace: "etcd",
      member: 1,
      state: "succeeded",
      mode: "act",
      trigger: alert,
      attempts: 1,
      reason: "recovered member 1",
    });
    expect(succeeded.steps.map((s) => s.name)).toEqual(["lock", "diagnose", "verify"]);
    expect(Date.parse(succeeded.createdAt)).toBeLessThanOrEqual(Date.parse(succeeded.startedAt ?? ""));
    expect(Date.parse(succeeded.startedAt ?? "")).toBeLessThanOrEqual(Date.parse(succeeded.finishedAt ?? ""));
    expect(succeeded.error).toBeUndefined();

    expect(await get(2)).toMatchObject({ state: "skipped", reason: "member 2 is healthy", attempts: 1 });
    expect(await get(3)).toMatchObject({
      state: "refused",
      reason: "quorum lost",
      error: "2 of 3 members down",
      attempts: 1,
    });
    const failed = await get(4);
    expect(failed).toMatchObject({
      state: "failed",
      reason: "step add failed",
      error: "member add rejected",
      attempts: 1,
    });
    expect(failed.steps).toEqual([expect.objectContaining({ name: "add", outcome: "failed" })]);
    expect(failed.finishedAt).toBeDefined();
    const retrying = await get(5);
    expect(retrying).toMatchObject({
      state: "queued",
      attempts: 1,
      error: "etcd unreachable",
      trigger: { kind: "manual" },
    });
    expect(retrying.finishedAt).toBeUndefined();
    const running = await get(6);
    expect(running).toMatchObject({ state: "running", attempts: 1 });
    expect(running.startedAt).toBeDefined();
    await waitFor("member 6's first step to be recorded", async () =>
      (await get(6)).steps.length === 1 ? true : undefined,
    );
    const queued = await get(7);
    expect(queued).toMatchObject({ state: "queued", attempts: 0, steps: [] });
    expect(queued.startedAt).toBeUndefined();

    const idsOf = (records: { id: string }[]) => records.map((record) => record.id);
    expect(idsOf(await queue.list({}))).toEqual([other, ids[7], ids[6], ids[5], ids[4], ids[3], ids[2], ids[1]]);
    expect(idsOf(await queue.list({ cluster: "x" }))).toEqual([ids[7], ids[6], ids[5], ids[4], ids[3], ids[2], ids[1]]);
    expect(idsOf(await queue.list({ cluster: "etcd/b" }))).toEqual([other]);
    expect(idsOf(await queue.list({ member: 1 }))).toEqual([other, ids[1]]);
    expect(idsOf(await queue.list({ cluster: "x", member: 1 }))).toEqual([ids[1]]);
    expect(idsOf(await queue.list({ state: "queued" }))).toEqual([ids[7], ids[5]]);
    expect(idsOf(await queue.list({ state: "running" }))).toEqual([ids[6]]);
    expect(idsOf(await queue.list({ state: "succeeded" }))).toEqual([other, ids[1]]);
    expect(idsOf(await queue.list({ state: "skipped" }))).toEqual([ids[2]]);
    expect(idsOf(await queue.list({ state: "refused" }))).toEqual([ids[3]]);
    expect(idsOf(await queue.list({ state: "failed" }))).toEqual([ids[4]]);
    expect(idsOf(await queue.list({ limit: 2 }))).toEqual([other, ids[7]]);
    expect(await queue.list({ limit: 0 })).toEqual([]);
    expect(await queue.list({ cluster: "nope" })).toEqual([]);
    expect(await queue.waitingCounts()).toEqual({ "etcd/x": 2, "etcd/b": 0 });

    expect(await queue.get("x-1-zzzzzzzz-abcdef")).toBeUndefined();
    expect(await queue.get("not-an-id")).toBeUndefined();

    release();
    await waitForState(queue, ids[6], "succeeded");
    await waitForState(queue, ids[7], "succeeded");
  });

  it("keeps only the configured number of finished recoveries", async () => {
    const config = testConfig(["history: { maxRecoveries: 2, maxAgeHours: 1 }"]);
    const prefix = uniquePrefix("history");
    const queue = openQueue(config, prefix);
    const { run } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [] }));
    await startWorkers({ config, modes: openModes(config, prefix), run, prefix });
    const ids: string[] = [];
    for (let round = 0; round < 4; round++) {
      await nextMillisecond();
      const { id } = await queue.enqueue(requestFor(config, "b", 1, { kind: "manual" }));
      ids.push(id);
      await waitForState(queue, id, "succeeded");
    }
    expect((await queue.list({ state: "succeeded" })).map((record) => record.id)).toEqual([ids[3], ids[2]]);
    expect(await queue.get(ids[0] ?? "")).toBeUndefined();
  });

  it("answers ping", async () => {
    const queue = openQueue(testConfig(), uniquePrefix("ping"));
    await expect(queue.ping()).resolves.toBeUndefined();
  });
});
