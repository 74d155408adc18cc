import type { RecoveryMode, StepReporter } from "../recovery/recovery-context.js";
import type { RecoveryResult, StepRecord } from "../recovery/recovery-result.js";
import type { RecoveryRequest } from "./recovery-queue.js";

/** Where a running recovery reports to; the worker records steps as job progress and lines as job logs. */
export interface RecoveryProgress {
  /** A step ended (done, skipped or failed). */
  onStep(step: StepRecord): void;
  /** A free-text line about what the recovery is doing. */
  onLine(line: string): void;
}

/**
 * Runs one recovery for a worker: `runRecovery` with the request's cluster and member resolved, in `mode`.
 * Aborting `signal` stops it at the next step boundary. Should not throw; a throw counts as a retryable failure
 * unless the error says otherwise (`retryable: false`).
 */
export type RecoveryRunner = (
  request: RecoveryRequest & { mode: RecoveryMode },
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
