import { hostname } from "node:os";
import { DEFAULT_PREFIX } from "../core/redis-keys.js";
import { Queue, Worker } from "bullmq";
import type { ResponderConfig } from "../core/config/load.js";
import type { ClusterModes } from "./cluster-modes.js";
import type { Logger } from "../core/logger.js";
import { createRecoveryProcessor, type RecoveryRunner } from "./process-recovery.js";
import {
  clusterKey,
  recoveryQueueName,
  lastRecoveredKey,
  type RecoveryJobData,
  type RecoveryJobResult,
  toRecoveryRecord,
  type RecoveryJob,
} from "./jobs.js";
import type { RecoveryRecord } from "./recovery-queue.js";
import { QueueUnavailableError } from "../core/errors.js";
import { closeRedis, createWorkerRedis, redisErrorFields } from "../core/redis.js";
import { describeRedis, type RedisClient, type RedisConnection } from "../core/redis-connection.js";

/** Called as recoveries start and end, e.g. for metrics. Exceptions are logged and otherwise ignored. */
export interface RecoveryWorkerHooks {
  /** A worker of this process took a recovery (state `running`). */
  onStarted?(record: RecoveryRecord): void;
  /**
   * An attempt ended: `record.state` is the outcome, or `queued` when the recovery will be retried.
   * `durationMs` is the attempt's time in this process.
   */
  onFinished?(record: RecoveryRecord, durationMs: number): void;
  /**
   * The recovery's final failure tripped its cluster's circuit breaker (the cluster is in `observe` now); called
   * right after `onFinished` of that failure, with the failures counted in the window and the mode's reason.
   */
  onCircuitBreakerTripped?(record: RecoveryRecord, failures: number, reason: string): void;
}

/** How to run the recovery workers of one process. */
export interface RecoveryWorkersOptions {
  /** Where Redis is. */
  connection: RedisConnection;
  /** The clusters (one worker each) and the service settings. */
  config: ResponderConfig;
  /** The cluster modes, read before each run; failures are counted there. */
  modes: ClusterModes;
  /** Runs one recovery; the service passes `runRecovery` wired to the gateways. */
  run: RecoveryRunner;
  /** The process logger; a child `{ name: "recovery-worker" }` is taken. */
  logger: Logger;
  /** Prefix of every Redis key (`QUEUE_PREFIX`); default `etcd-responder`. The queue's and the modes' must match. */
  prefix?: string;
  /**
   * Jobs each cluster's worker may hold at once; default `1`. A cluster still runs one recovery at a
   * time (its queue's global concurrency is 1); clusters always run in parallel, one worker each.
   */
  concurrency?: number;
  /** Start and end callbacks. */
  hooks?: RecoveryWorkerHooks;
  /** How long a worker's lock on a running recovery lasts without renewal, ms; default 10 000. */
  lockDurationMs?: number;
  /** How often workers look for recoveries whose worker died (lock expired), ms; default 5 000. */
  stalledIntervalMs?: number;
  /** How many times a recovery whose worker died is run again before it fails; default 2. */
  maxStalledCount?: number;
  /** How long to wait for Redis at start, ms; default 30 000. */
  startTimeoutMs?: number;
  /** This process's name, kept on the jobs it runs; default `<host>-<pid>`. */
  name?: string;
}

/** The running workers of this process. */
export interface RecoveryWorkers {
  /**
   * Stops taking recoveries. Running ones are asked (their signal aborts) to stop at the next step
   * boundary and are put back in their queue to resume; resolves once they have stopped.
   */
  close(): Promise<void>;
}

/**
 * Starts one BullMQ worker per configured cluster. Each cluster queue's global concurrency is set to 1 first,
 * so however many processes run workers, a cluster has at most one recovery running.
 */
export async function startRecoveryWorkers(options: RecoveryWorkersOptions): Promise<RecoveryWorkers> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logger = options.logger.child({ name: "recovery-worker" });
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const client = createWorkerRedis(options.connection, `${prefix}:worker`, logger);
  const hooks = options.hooks ?? {};
  const startedAt = new Map<string, number>();
  /** Recoveries whose final failure tripped the circuit breaker, told once their failure is. */
  const tripped = new Map<string, { failures: number; reason: string }>();

  const callHook = (hook: keyof RecoveryWorkerHooks, call: () => void) => {
    try {
      call();
    } catch (error) {
      logger.warn({ err: error, hook }, "recovery hook failed");
    }
  };

  try {
    await limitEachClusterToOneRecovery(
      options.config,
      client,
      prefix,
      options.startTimeoutMs ?? 30_000,
      options.connection,
    );
  } catch (error) {
    await closeRedis(client);
    throw error;
  }

  const processor = createRecoveryProcessor({
    config: options.config,
    modes: options.modes,
    run: options.run,
    logger,
    onStarted: (job) => {
      startedAt.set(job.id ?? "", Date.now());
      if (hooks.onStarted) callHook("onStarted", () => hooks.onStarted?.(toRecoveryRecord(job, "running")));
    },
    onRequeued: (job) => startedAt.delete(job.id ?? ""),
    onCircuitBreakerTripped: (job, failures, reason) => tripped.set(job.id ?? "", { failures, reason }),
    onRecovered: async (job) => {
      const { namespace, cluster, member } = job.data;
      const keepSeconds = Math.round(options.config.service.history.maxAgeHours * 3600);
      await client.set(
        lastRecoveredKey(prefix, namespace, cluster, member),
        `${Date.now()} ${job.id ?? ""}`,
        "EX",
        keepSeconds,
      );
    },
  });

  const finished = (job: RecoveryJob, state: RecoveryRecord["state"]) => {
    const id = job.id ?? "";
    const began = startedAt.get(id);
    startedAt.delete(id);
    const record = toRecoveryRecord(job, state);
    if (hooks.onFinished)
      callHook("onFinished", () => hooks.onFinished?.(record, began === undefined ? 0 : Date.now() - began));
    const trip = tripped.get(id);
    tripped.delete(id);
    if (trip && hooks.onCircuitBreakerTripped)
      callHook("onCircuitBreakerTripped", () => hooks.onCircuitBreakerTripped?.(record, trip.failures, trip.reason));
  };

  const workers = options.config.catalog.clusters.map((cluster) => {
    const key = clusterKey(cluster.namespace, cluster.name);
    const worker = new Worker<RecoveryJobData, RecoveryJobResult>(
      recoveryQueueName(cluster.namespace, cluster.name),
      (job, token, signal) => processor.process(job, token, signal),
      {
        connection: client,
        prefix,
        name,
        autorun: false,
        concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
        lockDuration: options.lockDurationMs ?? 10_000,
        stalledInterval: options.stalledIntervalMs ?? 5_000,
        maxStalledCount: options.maxStalledCount ?? 2,
      },
    );
    worker.on("error", (error) =>
      logger.warn(
        { ...redisErrorFields(error, describeRedis(options.connection)), cluster: key },
        "recovery worker error",
      ),
    );
    worker.on("stalled", (jobId) =>
      logger.warn(
        { recovery: jobId, cluster: key },
        "recovery stalled (its worker stopped renewing the lock); it runs again",
      ),
    );
    worker.on("completed", (job, result) => finished(job, result.outcome));
    worker.on("failed", (job) => {
      // BullMQ sets finishedOn only when the job will not be retried.
      if (job) finished(job, job.finishedOn ? "failed" : "queued");
    });
    void worker.run().catch((error: unknown) => logger.error({ err: error, cluster: key }, "recovery worker stopped"));
    return worker;
  });
  logger.info({ clusters: workers.length, worker: name }, "recovery workers started");

  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= (async () => {
        processor.interruptAll();
        await Promise.all(
          workers.map((worker) =>
            worker.close().catch((error: unknown) => logger.warn({ err: error }, "closing a recovery worker failed")),
          ),
        );
        await closeRedis(client);
        logger.info({ worker: name }, "recovery workers stopped");
      })();
      return closing;
    },
  };
}

/** Sets every cluster queue's global concurrency to 1; waits for Redis up to `timeoutMs`. */
async function limitEachClusterToOneRecovery(
  config: ResponderConfig,
  client: RedisClient,
  prefix: string,
  timeoutMs: number,
  connection: RedisConnection,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // The last failure of the connection says why it did not connect, e.g. that Redis refused the password.
  let lastError: Error | undefined;
  const noteError = (error: Error) => (lastError = error);
  client.on("error", noteError);
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new QueueUnavailableError("start the recovery workers", describeRedis(connection), {
            cause: lastError ?? new Error(`not connected within ${timeoutMs} ms`),
          }),
        ),
      timeoutMs,
    );
  });
  const queues = config.catalog.clusters.map(
    (cluster) => new Queue(recoveryQueueName(cluster.namespace, cluster.name), { connection: client, prefix }),
  );
  for (const queue of queues) queue.on("error", () => undefined);
  try {
    await Promise.race([Promise.all(queues.map((queue) => queue.setGlobalConcurrency(1))), deadline]);
  } finally {
    clearTimeout(timer);
    client.off("error", noteError);
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
  }
}
