import { messageOf } from "../core/errors.js";
import type { ResponderConfig } from "../core/config/load.js";
import { createProbeApp } from "../intake/probes.js";
import type { Logger } from "../core/logger.js";
import { startRecoveryWorkers, type RecoveryWorkers, type RecoveryWorkerHooks } from "../queue/workers.js";
import { createCrashLoopSweep, startPeriodicSweep, type PeriodicSweep } from "../intake/sweep.js";
import { listen } from "./receiver.js";
import type { ServiceResources } from "./run-service.js";
import { systemClock, backoffDelay } from "../core/clock.js";
import { stepReporterFor, type RecoveryRunner } from "../queue/process-recovery.js";
import { recoverMember, type MemberRecoveryDependencies } from "../recovery/run-recovery.js";
import type { ClusterModes } from "../queue/cluster-modes.js";
import type { Metrics } from "../core/metrics.js";
import type { RedisConnection } from "../core/redis-connection.js";
import type { RecoveryOutcome } from "../recovery/context.js";
import { createNotifier, type Notifier } from "../notify/notifier.js";

/** What the worker role needs. */
export interface WorkerOptions {
  /** The loaded configuration: clusters, recovery and service settings (sweep, retries, circuit breaker). */
  config: ResponderConfig;
  /** The process's queue, modes, Kubernetes gateway and metrics. */
  resources: ServiceResources;
  /** The process logger. */
  logger: Logger;
  /** Where Redis is; the workers open connections of their own (they block waiting for jobs). */
  redis: RedisConnection;
  /** Prefix of every Redis key (`QUEUE_PREFIX`), the queue's; default `etcd-responder`. */
  prefix?: string;
  /** Lease holder and worker name. */
  holder: string;
  /** Address of the probes and metrics (`HOST`). */
  host: string;
  /** Port of the probes and metrics (`WORKER_PORT`); 0 picks a free one. */
  port: number;
  /** How long one attempt to start the workers waits for Redis, ms; default 5000. */
  startTimeoutMs?: number;
}

/** The running worker role. */
export interface WorkerRole {
  /** The port of its probes and metrics. */
  readonly port: number;
  /**
   * Stops taking recoveries: a running one is interrupted at its next step boundary and queued again to
   * resume elsewhere; the sweep stops; then the probe server closes.
   */
  close(): Promise<void>;
}

/**
 * The worker: recovery workers (one per cluster) running `recoverMember`, the optional crash-loop sweep,
 * and `/healthz`, `/readyz` and `/metrics`. While Redis cannot be reached it keeps trying to start, and
 * `/readyz` says why it is not ready.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerRole> {
  const { config, resources, logger } = options;
  // Loaded at start-up (see runService): this answers the gateway made then.
  const kubernetes = await resources.kubernetes();
  const sweepSettings = config.service.sweep;
  let sweep: PeriodicSweep | undefined;
  let closing = false;
  const notifier = createNotifier({
    settings: config.notifications,
    catalog: config.catalog,
    logger,
    metrics: resources.metrics,
  });
  if (config.notifications.targets.length > 0)
    logger.info({ targets: config.notifications.targets.map((target) => target.name) }, "notifications on");

  const workers = keepStartingWorkers({
    logger,
    start: () =>
      startRecoveryWorkers({
        connection: options.redis,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        config,
        modes: countingCircuitBreakerTrips(resources.modes, resources.metrics),
        run: createMemberRecoveryRunner({ config, kubernetes, logger, holder: options.holder }),
        logger,
        hooks: combinedHooks(recoveryMetricsHooks(resources.metrics), notificationHooks(notifier)),
        name: options.holder,
        startTimeoutMs: options.startTimeoutMs ?? 5000,
      }),
    onStarted: () => {
      // The sweep only queues work, so it starts once there are workers to take it.
      if (!sweepSettings.enabled || closing) return;
      const crashLoopSweep = createCrashLoopSweep({
        config,
        kubernetes,
        modes: resources.modes,
        queue: resources.queue,
        logger,
      });
      sweep = startPeriodicSweep(crashLoopSweep, sweepSettings.intervalSeconds * 1000, logger);
    },
  });

  const app = createProbeApp({
    metrics: resources.metrics,
    ready: async () => {
      if (!workers.running) throw new Error(workers.problem ?? "the recovery workers are not running");
      await resources.queue.ping();
    },
    logger,
  });
  const probes = await listen(app, options.host, options.port).catch(async (error: unknown) => {
    await workers.stop();
    await notifier.close(0);
    throw error;
  });
  logger.info({ role: "worker", host: probes.host, port: probes.port }, "listening");

  return {
    port: probes.port,
    close: async () => {
      closing = true;
      await sweep?.stop();
      await workers.stop();
      // What the stopped recoveries had to say is sent within a short grace; the rest is dropped and counted.
      await notifier.close(config.notifications.shutdownGraceSeconds * 1000);
      await probes.close();
    },
  };
}

/** How `keepStartingWorkers` retries. */
export interface KeepStartingOptions {
  /** One attempt to start the workers; rejects when Redis does not answer in time. */
  start: () => Promise<RecoveryWorkers>;
  /** Where each failed attempt is reported. */
  logger: Logger;
  /** Called once, when the workers run. */
  onStarted?: (workers: RecoveryWorkers) => void;
  /** Pause after the first failed attempt, ms; doubles per attempt; default 1000. */
  initialBackoffMs?: number;
  /** Longest pause, ms; default 30 000. */
  maxBackoffMs?: number;
}

/** Recovery workers that start as soon as Redis answers. */
export interface StartingWorkers {
  /** Whether the workers run. */
  readonly running: boolean;
  /** Why they do not run yet, while they do not. */
  readonly problem: string | undefined;
  /** Stops retrying (waiting for an attempt under way) and closes the workers if they run. */
  stop(): Promise<void>;
}

/**
 * Starts the recovery workers, trying again with back-off while Redis cannot be reached, so a worker Pod
 * that comes up before Redis waits (unready) instead of crash-looping.
 */
export function keepStartingWorkers(options: KeepStartingOptions): StartingWorkers {
  const initialMs = options.initialBackoffMs ?? 1000;
  const maxMs = options.maxBackoffMs ?? 30_000;
  const stopping = new AbortController();
  let workers: RecoveryWorkers | undefined;
  let problem: string | undefined = "the recovery workers are starting";

  const attempts = (async () => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        const started = await options.start();
        if (stopping.signal.aborted) {
          await started.close();
          return;
        }
        workers = started;
        problem = undefined;
        if (attempt > 1) options.logger.info({ attempt }, "recovery workers started after Redis became reachable");
        options.onStarted?.(started);
        return;
      } catch (error) {
        const pause = backoffDelay(attempt, initialMs, maxMs);
        problem = `the recovery workers are not running: ${messageOf(error)}`;
        options.logger.warn(
          { err: error, attempt, retryInMs: pause },
          "cannot start the recovery workers; trying again",
        );
        await systemClock.sleep(pause, stopping.signal);
      }
    }
  })();

  return {
    get running() {
      return workers !== undefined;
    },
    get problem() {
      return problem;
    },
    stop: async () => {
      stopping.abort();
      await attempts;
      await workers?.close();
    },
  };
}

/** The worker's RecoveryRunner: recovers the request's member with `recoverMember`, as the `recover` command does. */
function createMemberRecoveryRunner(deps: MemberRecoveryDependencies): RecoveryRunner {
  return (request, progress, signal) =>
    recoverMember(deps, {
      ...request.target,
      mode: request.mode,
      reporter: stepReporterFor(progress),
      signal,
    });
}

const OUTCOMES: readonly string[] = ["succeeded", "skipped", "refused", "failed"] satisfies RecoveryOutcome[];

/** Worker hooks that record each finished recovery in the metrics; an attempt that will be retried is not one. */
export function recoveryMetricsHooks(metrics: Metrics): RecoveryWorkerHooks {
  return {
    onFinished: (record, durationMs) => {
      if (!OUTCOMES.includes(record.state)) return;
      metrics.observeRecovery(
        { cluster: record.cluster, namespace: record.namespace, outcome: record.state },
        durationMs / 1000,
      );
      if (record.state === "failed" && record.leftChanged)
        metrics.countLeftChanged({ cluster: record.cluster, namespace: record.namespace });
    },
  };
}

/**
 * The modes with failure counting observed: the workers count every final failure through
 * `recordFailure`, and its answer says whether that tripped the circuit breaker, so a trip is counted in
 * the metrics (`namespace/name`) exactly where it happens.
 */
export function countingCircuitBreakerTrips(modes: ClusterModes, metrics: Metrics): ClusterModes {
  return {
    get: (cluster) => modes.get(cluster),
    list: () => modes.list(),
    set: (cluster, mode, source, reason) => modes.set(cluster, mode, source, reason),
    recordFailure: async (cluster) => {
      const answer = await modes.recordFailure(cluster);
      if (answer.tripped) metrics.countCircuitBreakerTrip(`${cluster.namespace}/${cluster.name}`);
      return answer;
    },
  };
}

/**
 * Worker hooks that tell people through the notifier: `started` on a recovery's first attempt, each final outcome
 * (not an attempt that will be retried), and a trip of the circuit breaker. The notifier returns at once.
 */
export function notificationHooks(notifier: Notifier): RecoveryWorkerHooks {
  return {
    onStarted: (record) => {
      if (record.attempts <= 1) notifier.notify("started", record);
    },
    onFinished: (record) => {
      if (OUTCOMES.includes(record.state)) notifier.notify(record.state as RecoveryOutcome, record);
    },
    onCircuitBreakerTripped: (record, failures, reason) =>
      notifier.notify("breakerTripped", record, { failures, reason }),
  };
}

/** Hooks that call each of `hooks` in turn; one that throws does not keep the others from being called. */
export function combinedHooks(...hooks: RecoveryWorkerHooks[]): RecoveryWorkerHooks {
  const each =
    <K extends keyof RecoveryWorkerHooks>(name: K) =>
    (...args: Parameters<NonNullable<RecoveryWorkerHooks[K]>>) => {
      const errors: unknown[] = [];
      for (const hook of hooks) {
        try {
          (hook[name] as ((...a: typeof args) => void) | undefined)?.(...args);
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw errors[0];
    };
  return {
    onStarted: each("onStarted"),
    onFinished: each("onFinished"),
    onCircuitBreakerTripped: each("onCircuitBreakerTripped"),
  };
}
