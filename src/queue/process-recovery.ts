import { UnrecoverableError, WaitingError } from "bullmq";
import type { ResponderConfig } from "../core/config/load.js";
import { messageOf, retryableOf } from "../core/errors.js";
import { type ClusterModes, circuitBreakerReason } from "./cluster-modes.js";
import type { Logger } from "../core/logger.js";
import type { RecoveryResult, StepRecord, StepReporter } from "../recovery/context.js";
import {
  clusterKey,
  type RecoveryJobData,
  type RecoveryJobProgress,
  type RecoveryJobResult,
  type RecoveryJob,
} from "./jobs.js";
import type { ClusterCatalog, ClusterMember } from "../core/catalog.js";
import type { RecoveryMode } from "../core/config/types.js";
import type { RecoveryTrigger } from "./recovery-queue.js";

/** What the job processor works with. */
export interface RecoveryProcessorOptions {
  /** The service settings (circuit breaker wording). */
  config: ResponderConfig;
  /** Read before each run; final failures are counted there. */
  modes: ClusterModes;
  /** Runs one recovery. */
  run: RecoveryRunner;
  /** The worker's logger; each job takes a child with its id, cluster, member and attempt. */
  logger: Logger;
  /** A recovery is about to run (after its mode was read). */
  onStarted(job: RecoveryJob): void;
  /** A recovery interrupted by shutdown went back to its queue without a result. */
  onRequeued(job: RecoveryJob): void;
  /**
   * A recovery in act mode succeeded or found the member healthy: the member is well now (alerts that started
   * before are about a failure that is over).
   */
  onRecovered(job: RecoveryJob): Promise<void>;
  /**
   * The final failure of `job` tripped its cluster's circuit breaker: `failures` were counted within the window, and
   * `reason` is what the cluster's mode now says.
   */
  onCircuitBreakerTripped?(job: RecoveryJob, failures: number, reason: string): void;
}

/** The BullMQ processor of recovery jobs, and a way to interrupt every recovery it is running. */
export interface RecoveryProcessor {
  /** The BullMQ processor; it declares three parameters so that BullMQ passes its abort signal. */
  process(job: RecoveryJob, token?: string, signal?: AbortSignal): Promise<RecoveryJobResult>;
  /** Aborts every running recovery's signal (shutdown); recoveries started afterwards are aborted at once. */
  interruptAll(): void;
}

/** Text for a paused cluster's skipped recovery. */
const PAUSED_REASON = "cluster paused";

/**
 * Runs one recovery job: reads the cluster's mode, runs the recovery (plan in observe mode), records steps
 * as job progress, and maps the outcome to BullMQ: succeeded, skipped and refused complete the job; a
 * retryable failure throws for BullMQ's back-off; a non-retryable one throws UnrecoverableError. Every
 * final failure is counted by the circuit breaker.
 */
export function createRecoveryProcessor(options: RecoveryProcessorOptions): RecoveryProcessor {
  const { modes, logger } = options;
  const running = new Set<AbortController>();
  let interrupted = false;

  const process = async (job: RecoveryJob, token?: string, signal?: AbortSignal): Promise<RecoveryJobResult> => {
    const data = job.data;
    const cluster = clusterKey(data.namespace, data.cluster);
    const log = logger.child({ recovery: job.id, cluster, member: data.member, attempt: job.attemptsMade + 1 });
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", forward, { once: true });
    running.add(controller);
    if (interrupted) controller.abort(new Error("workers are closing"));
    try {
      // The configuration may have changed since the job was queued: a member it no longer has fails for good.
      const target = resolveTarget(options.config.catalog, data);
      const state = await modes.get(target.cluster);
      options.onStarted(job);
      if (state.mode === "paused") {
        log.info({ outcome: "skipped" }, "recovery skipped: cluster paused");
        return { outcome: "skipped", reason: PAUSED_REASON, steps: [] };
      }
      const mode = state.mode === "observe" ? "observe" : "act";
      if (data.mode !== mode) await job.updateData({ ...data, mode });

      const recorder = progressRecorder(job, log);
      log.info({ mode }, "recovery started");
      const result = await runSafely(
        options.run,
        { target, trigger: data.trigger, mode },
        recorder.progress,
        controller.signal,
      );
      await recorder.settled();

      if (result.outcome !== "failed") {
        log.info({ outcome: result.outcome, reason: result.reason }, "recovery finished");
        // Recovered or found healthy: an alert that started before now is about a failure that is over, so its
        // repeats join this recovery instead of making another.
        if ((result.outcome === "succeeded" || result.outcome === "skipped") && mode === "act") {
          await options
            .onRecovered(job)
            .catch((error: unknown) => log.warn({ err: error }, "could not record when the member was recovered"));
        }
        const error = result.outcome === "refused" ? errorMessage(result.error) : undefined;
        return {
          outcome: result.outcome,
          reason: result.reason,
          steps: result.steps,
          ...(result.plan ? { plan: result.plan } : {}),
          ...(error ? { error } : {}),
        };
      }

      const retryable = result.retryable ?? true;
      const progress: RecoveryJobProgress = {
        steps: result.steps,
        error: errorMessage(result.error) ?? result.reason,
        ...(result.leftChanged ? { leftChanged: result.leftChanged } : {}),
      };
      await job.updateProgress(progress);
      if (interrupted && controller.signal.aborted && retryable && token) {
        // Shutting down is not a failed attempt: the recovery goes back to the front of its queue and resumes
        // elsewhere.
        await job.moveToWait(token);
        options.onRequeued(job);
        log.info({ reason: result.reason }, "recovery interrupted by shutdown; queued again to resume");
        throw new WaitingError();
      }
      const final = !retryable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.warn(
        { outcome: "failed", reason: result.reason, retryable, final },
        final ? "recovery failed" : "recovery attempt failed; retrying after back-off",
      );
      if (final) {
        const tripped = await countFailure(modes, options.config, target, log);
        if (tripped) options.onCircuitBreakerTripped?.(job, tripped.failures, tripped.reason);
      }
      throw retryable ? new Error(result.reason) : new UnrecoverableError(result.reason);
    } finally {
      running.delete(controller);
      signal?.removeEventListener("abort", forward);
    }
  };

  return {
    process,
    interruptAll: () => {
      interrupted = true;
      for (const controller of running) controller.abort(new Error("workers are closing"));
    },
  };
}

/** Records steps as job progress (in order, one write at a time) and lines as job logs. */
function progressRecorder(job: RecoveryJob, log: Logger): { progress: RecoveryProgress; settled(): Promise<void> } {
  const steps: StepRecord[] = [];
  const previous = job.progress as Partial<RecoveryJobProgress> | undefined;
  const lastError = typeof previous === "object" && typeof previous?.error === "string" ? previous.error : undefined;
  let writes: Promise<unknown> = Promise.resolve();
  const write = (what: string, action: () => Promise<unknown>) => {
    writes = writes
      .then(action)
      .catch((error: unknown) => log.warn({ err: error }, `recording recovery ${what} failed`));
  };
  // A new attempt starts with no steps; the last error stays until the recovery ends.
  write("progress", () => job.updateProgress({ steps: [], ...(lastError ? { error: lastError } : {}) }));
  return {
    progress: {
      onStep: (step) => {
        steps.push(step);
        const snapshot: RecoveryJobProgress = { steps: [...steps], ...(lastError ? { error: lastError } : {}) };
        write("progress", () => job.updateProgress(snapshot));
      },
      onLine: (line) => write("log line", () => job.log(line)),
    },
    settled: async () => {
      await writes;
    },
  };
}

/** Runs the runner; a throw becomes a failed result (retryable unless the error says otherwise). */
async function runSafely(
  run: RecoveryRunner,
  request: Parameters<RecoveryRunner>[0],
  progress: RecoveryProgress,
  signal: AbortSignal,
): Promise<RecoveryResult> {
  try {
    return await run(request, progress, signal);
  } catch (error) {
    return {
      outcome: "failed",
      reason: `the recovery stopped with an unexpected error: ${messageOf(error)}`,
      steps: [],
      // An error nothing typed: the recovery's steps look before they change anything, so another try is safe.
      retryable: retryableOf(error) ?? true,
      error,
    };
  }
}

/**
 * Counts a final failure; logs a warning when that put the cluster in observe mode, and then says so with the
 * failures counted and the mode's reason.
 */
async function countFailure(
  modes: ClusterModes,
  config: ResponderConfig,
  target: ClusterMember,
  log: Logger,
): Promise<{ failures: number; reason: string } | undefined> {
  try {
    const { tripped, failures } = await modes.recordFailure(target.cluster);
    if (!tripped) return undefined;
    const reason = circuitBreakerReason(config.service.circuitBreaker);
    log.warn({ mode: "observe", failures, reason }, "circuit breaker put the cluster in observe mode");
    return { failures, reason };
  } catch (error) {
    log.warn({ err: error }, "counting the failed recovery failed");
    return undefined;
  }
}

/** The job's member from the catalog; an UnrecoverableError when the configuration no longer has it. */
function resolveTarget(catalog: ClusterCatalog, data: RecoveryJobData): ClusterMember {
  try {
    return catalog.member(data.cluster, data.member, data.namespace);
  } catch (error) {
    throw new UnrecoverableError(messageOf(error));
  }
}

/** The message of a result's error; undefined when the result carries none. */
function errorMessage(error: unknown): string | undefined {
  return error === undefined || error === null ? undefined : messageOf(error);
}

/** Where a running recovery reports to; the worker records steps as job progress and lines as job logs. */
export interface RecoveryProgress {
  /** A step ended (done, skipped or failed). */
  onStep(step: StepRecord): void;
  /** A free-text line about what the recovery is doing. */
  onLine(line: string): void;
}

/**
 * Runs one recovery for a worker: `runRecovery` of the request's member, in `mode`.
 * Aborting `signal` stops it at the next step boundary. Should not throw; a throw counts as a retryable failure
 * unless the error says otherwise (`retryable: false`).
 */
export type RecoveryRunner = (
  request: { target: ClusterMember; trigger: RecoveryTrigger; mode: RecoveryMode },
  progress: RecoveryProgress,
  signal: AbortSignal,
) => Promise<RecoveryResult>;

/** The StepReporter `runRecovery` takes, writing to a worker's RecoveryProgress. */
export function stepReporterFor(progress: RecoveryProgress): StepReporter {
  return {
    stepStarted: () => undefined,
    stepEnded: (record) => progress.onStep(record),
    progress: (step, line) => progress.onLine(`[${step}] ${line}`),
  };
}
