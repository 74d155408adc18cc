import type { ResponderConfig } from "../core/config/load.js";
import { createProbeApp } from "../intake/probes.js";
import type { Logger } from "../core/logger.js";
import { startRecoveryWorkers } from "../queue/workers.js";
import { createCrashLoopSweep, startPeriodicSweep, type PeriodicSweep } from "../intake/sweep.js";
import { listen } from "./http-listener.js";
import { keepStartingWorkers } from "./keep-starting-workers.js";
import { createMemberRecoveryRunner } from "./member-recovery-runner.js";
import { countingCircuitBreakerTrips, recoveryMetricsHooks } from "./recovery-metrics.js";
import type { ServiceResources } from "./service-resources.js";

/** What the worker role needs. */
export interface WorkerOptions {
  /** The loaded configuration: clusters, recovery and service settings (sweep, retries, circuit breaker). */
  config: ResponderConfig;
  /** The process's queue, modes, Kubernetes gateway and metrics. */
  resources: ServiceResources;
  /** The process logger. */
  logger: Logger;
  /** Redis URL; the workers open connections of their own (they block waiting for jobs). */
  redisUrl: string;
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
  const sweepSettings = config.service.sweep;
  let sweep: PeriodicSweep | undefined;
  let closing = false;

  const workers = keepStartingWorkers({
    logger,
    start: () =>
      startRecoveryWorkers({
        connection: options.redisUrl,
        config,
        modes: countingCircuitBreakerTrips(resources.modes, resources.metrics),
        run: createMemberRecoveryRunner({ config, kubernetes: resources.kubernetes, logger, holder: options.holder }),
        logger,
        hooks: recoveryMetricsHooks(resources.metrics),
        name: options.holder,
        startTimeoutMs: options.startTimeoutMs ?? 5000,
      }),
    onStarted: () => {
      // The sweep only queues work, so it starts once there are workers to take it.
      if (!sweepSettings.enabled || closing) return;
      const crashLoopSweep = createCrashLoopSweep({
        config,
        kubernetes: resources.kubernetes,
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
    throw error;
  });
  logger.info({ role: "worker", host: probes.host, port: probes.port }, "listening");

  return {
    port: probes.port,
    close: async () => {
      closing = true;
      await sweep?.stop();
      await workers.stop();
      await probes.close();
    },
  };
}
