/**
 * A worker process for the multi-process tests: starts the recovery workers with a runner that records
 * each run's start and end in Redis (`<prefix>:test:runs`, JSON lines) and takes RUN_MS. Prints `ready`
 * once the workers run; closes them on SIGTERM.
 *
 * Environment: REDIS_URL, PREFIX, CONFIG (YAML), RUN_MS, LOCK_MS, STALLED_MS.
 */
import { Redis } from "ioredis";
import { parseConfig } from "../../src/core/config/load.js";
import { createClusterModes } from "../../src/queue/cluster-modes.js";
import type { RecoveryRunner } from "../../src/queue/process-recovery.js";
import { startRecoveryWorkers } from "../../src/queue/workers.js";
import { createLogger } from "../../src/core/logger.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const url = env("REDIS_URL");
const prefix = env("PREFIX");
const runMs = Number(env("RUN_MS"));
const config = parseConfig(env("CONFIG"), "fixture.yaml");
const logger = createLogger({ level: "warn", destination: process.stderr });
const recorder = new Redis(url);
const modes = createClusterModes({ connection: { url }, config, prefix, logger });

const run: RecoveryRunner = async (request, progress, signal) => {
  const start = Date.now();
  const { cluster, member } = request.target;
  const key = `${cluster.namespace}/${cluster.name}/${member.index}`;
  await recorder.incr(`${prefix}:test:starts:${key}`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, runMs);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
  const end = Date.now();
  await recorder.rpush(
    `${prefix}:test:runs`,
    JSON.stringify({ key, cluster: cluster.name, member: member.index, start, end, pid: process.pid }),
  );
  const now = Date.now();
  progress.onStep({
    name: "verify",
    startedAt: start,
    endedAt: now,
    outcome: "done",
    detail: `ran in process ${process.pid}`,
  });
  return {
    outcome: "succeeded",
    reason: `recovered ${key}`,
    steps: [
      { name: "verify", startedAt: start, endedAt: now, outcome: "done", detail: `ran in process ${process.pid}` },
    ],
  };
};

const workers = await startRecoveryWorkers({
  connection: { url },
  config,
  modes,
  run,
  logger,
  prefix,
  lockDurationMs: Number(process.env.LOCK_MS ?? 10_000),
  stalledIntervalMs: Number(process.env.STALLED_MS ?? 5_000),
});
process.stdout.write("ready\n");

process.once("SIGTERM", () => {
  void (async () => {
    await workers.close();
    await modes.close();
    recorder.disconnect();
    process.exit(0);
  })();
});
