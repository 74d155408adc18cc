import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClusterModes } from "../../src/queue/cluster-modes.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import { QueueUnavailableError, ResponderError } from "../../src/core/errors.js";
import { startRecoveryWorkers } from "../../src/queue/workers.js";
import { createLogger } from "../../src/core/logger.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { testConfig, uniquePrefix, waitFor, requestFor } from "../support/queue.js";

const logger = createLogger({ level: "silent" });
const config = testConfig();
const request = requestFor(config, "a", 1);

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** How long `promise` took to reject, and with what. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected a rejection");
}

describe("Redis unreachable", () => {
  it("rejects queue and mode calls fast as retryable QueueUnavailableErrors; recovers when Redis is back", async () => {
    const prefix = uniquePrefix("down");
    const queue = createRecoveryQueue({ connection: { url: redis.url }, config, prefix, logger });
    const modes = createClusterModes({ connection: { url: redis.url }, config, prefix, logger });
    try {
      await queue.ping();
      const before = await queue.enqueue(request);

      await redis.stopTemporarily();
      const enqueue = await rejection(queue.enqueue(request));
      expect(enqueue.error).toBeInstanceOf(QueueUnavailableError);
      expect(enqueue.error).toBeInstanceOf(ResponderError);
      expect((enqueue.error as QueueUnavailableError).retryable).toBe(true);
      expect((enqueue.error as Error).message).toMatch(
        /^cannot queue a recovery: Redis at 127\.0\.0\.1:\d+ is unreachable/,
      );
      expect(enqueue.ms).toBeLessThan(2_500);

      const ping = await rejection(queue.ping());
      expect(ping.error).toBeInstanceOf(QueueUnavailableError);
      expect(ping.ms).toBeLessThan(2_500);
      await expect(queue.get(before.id)).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(queue.list({})).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(queue.waitingCounts()).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(modes.get(request.target.cluster)).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(modes.recordFailure(request.target.cluster)).rejects.toBeInstanceOf(QueueUnavailableError);

      // An empty Redis comes back on the same port: requests work again without a restart of the service.
      await redis.restart();
      // Each connection reconnects on its own back-off; until it has, its requests fail fast.
      await waitFor("the queue to reach Redis again", () =>
        queue.ping().then(
          () => true,
          () => undefined,
        ),
      );
      await waitFor("the modes to reach Redis again", () =>
        modes.get(request.target.cluster).then(
          () => true,
          () => undefined,
        ),
      );
      const after = await queue.enqueue(request);
      expect(after.deduplicated).toBe(false);
      expect(await queue.get(after.id)).toMatchObject({ state: "queued" });
      expect(await modes.get(request.target.cluster)).toMatchObject({ mode: "act", source: "config" });
    } finally {
      await queue.close();
      await modes.close();
    }
  });

  it("rejects a queue made while Redis is down without waiting long", async () => {
    await redis.stopTemporarily();
    const queue = createRecoveryQueue({
      connection: { url: redis.url },
      config,
      prefix: uniquePrefix("down-at-start"),
      logger,
    });
    try {
      const enqueue = await rejection(queue.enqueue(request));
      expect(enqueue.error).toBeInstanceOf(QueueUnavailableError);
      expect(enqueue.ms).toBeLessThan(2_500);
    } finally {
      await queue.close();
      await redis.restart();
    }
  });

  it("fails to start workers when Redis does not answer in time", async () => {
    await redis.stopTemporarily();
    const modes = createClusterModes({ connection: { url: redis.url }, config, logger });
    try {
      const start = startRecoveryWorkers({
        connection: { url: redis.url },
        config,
        modes,
        logger,
        prefix: uniquePrefix("workers-down"),
        startTimeoutMs: 500,
        run: () => Promise.resolve({ outcome: "succeeded", reason: "ok", steps: [] }),
      });
      await expect(start).rejects.toBeInstanceOf(QueueUnavailableError);
    } finally {
      await modes.close();
      await redis.restart();
    }
  });
});
