/** The steps of a recovery, in runbook order. */
export const STEP_NAMES = [
  "lock",
  "diagnose",
  "guard",
  "snapshot",
  "stop",
  "remove",
  "add",
  "start",
  "promote",
  "verify",
] as const;

/** One step of a recovery. */
export type StepName = (typeof STEP_NAMES)[number];

/** What became of one step. */
export interface StepRecord {
  /** Which step. */
  name: StepName;
  /** When it started, ms since the epoch (from the recovery's clock). */
  startedAt: number;
  /** When it ended, ms since the epoch. */
  endedAt: number;
  /** `done`: it changed or confirmed something; `skipped`: nothing to do; `failed`: it threw or refused. */
  outcome: "done" | "skipped" | "failed";
  /** One human line saying what it did, found, or why it failed. */
  detail: string;
}

/** How a recovery ended. */
export type RecoveryOutcome = "succeeded" | "skipped" | "refused" | "failed";

/** The result of `runRecovery`. */
export interface RecoveryResult {
  /**
   * `succeeded`: the member is back (or, in plan mode, a plan was made); `skipped`: nothing to do;
   * `refused`: acting would be unsafe or is not supported, nothing was changed; `failed`: anything else.
   */
  outcome: RecoveryOutcome;
  /** One sentence: why it ended this way and, on failure, what to do. */
  reason: string;
  /** Every step that ran or was skipped, in order. */
  steps: StepRecord[];
  /** Plan mode: what the recovery would do, one human line each. */
  plan?: string[];
  /** On `failed` and `refused`: whether running again later can help (transient failure). */
  retryable?: boolean;
  /** On `failed` and `refused`: the error that ended the recovery, for logs. */
  error?: unknown;
}
