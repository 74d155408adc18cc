import type { StepRecord } from "../recovery/recovery-result.js";
import type { RecoveryRequest } from "./recovery-queue.js";

/** What a recovery job holds: the request (no secrets) and the mode it runs, or is expected to run, in. */
export interface RecoveryJobData extends RecoveryRequest {
  /** Expected at enqueue from the cluster's mode, replaced by the mode actually used when it runs. */
  mode: "act" | "observe";
}

/** The return value of a completed recovery job. */
export interface RecoveryJobResult {
  /** How it ended; failures are failed jobs, not return values. */
  outcome: "succeeded" | "skipped" | "refused";
  /** Why it ended so. */
  reason: string;
  /** The steps of the last attempt. */
  steps: StepRecord[];
  /** In observe mode: what the recovery would do. */
  plan?: string[];
  /** For a refusal: the error message behind it. */
  error?: string;
}

/** A running recovery's progress, written as its steps end. */
export interface RecoveryJobProgress {
  /** The steps of the current (or last) attempt that have ended. */
  steps: StepRecord[];
  /** The last error message of any attempt, kept across retries. */
  error?: string;
}
