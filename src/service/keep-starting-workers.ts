import type { Logger } from "../core/logger.js";
import type { RecoveryWorkers } from "../queue/workers.js";
import { systemClock } from "../core/clock.js";

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
    for (let attempt = 1, pause = initialMs; !stopping.signal.aborted; attempt++, pause = Math.min(pause * 2, maxMs)) {
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
        const message = error instanceof Error ? error.message : String(error);
        problem = `the recovery workers are not running: ${message}`;
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
