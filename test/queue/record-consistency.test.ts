import { expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { createClusterModes } from "../../src/queue/cluster-modes.js";
import { createRecoveryQueue } from "../../src/queue/bullmq-queue.js";
import type { RecoveryRecord } from "../../src/queue/recovery-queue.js";
import { startRecoveryWorkers } from "../../src/queue/workers.js";
import { redisForTestFile } from "../support/redis-test-file.js";
import { requestFor, scriptedRunner, step, testConfig, uniquePrefix } from "../support/queue.js";

// A record is read while its job ends. BullMQ keeps a job's state and its fields apart; a record must never be
// `succeeded` without what the worker returned (steps, reason) and when it finished.

const logger = createLogger({ level: "silent" });
const RECOVERIES = 100;
const READERS = 20;

const { redis, closers } = redisForTestFile();

it("never answers a finished recovery without its result, however close the read is to the end", async () => {
  const config = testConfig();
  const prefix = uniquePrefix("consistency");
  const connection = { url: redis.url };
  const queue = createRecoveryQueue({ connection, config, prefix, logger });
  closers.push(() => queue.close());
  const modes = createClusterModes({ connection, config, prefix, logger });
  closers.push(() => modes.close());
  const { run } = scriptedRunner(() => ({ outcome: "succeeded", reason: "recovered", steps: [step("verify")] }), {
    holdMs: 3,
  });
  const workers = await startRecoveryWorkers({ connection, logger, config, modes, run, prefix });
  closers.push(() => workers.close());

  const incomplete: RecoveryRecord[] = [];
  let reads = 0;
  for (let i = 0; i < RECOVERIES; i++) {
    const { id } = await queue.enqueue(requestFor(config, "a", 1));
    // Readers reading as fast as the queue answers, so that some reads fall on the job's end.
    await Promise.all(
      Array.from({ length: READERS }, async () => {
        for (;;) {
          const record = await queue.get(id);
          reads++;
          if (!record || record.state === "queued" || record.state === "running") continue;
          if (!record.finishedAt || record.steps.length === 0 || !record.reason) incomplete.push(record);
          expect(record.state).toBe("succeeded");
          return;
        }
      }),
    );
  }
  expect(incomplete, `${incomplete.length} of ${RECOVERIES} finished records read in ${reads} reads`).toEqual([]);
});
