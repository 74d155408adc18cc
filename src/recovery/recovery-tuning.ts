/** Intervals and back-offs of a recovery's waits; none of them is a deadline (those come from the settings). */
export interface RecoveryTuning {
  /** Interval between status polls while waiting for etcd (new member answering, verification); default 50 ms. */
  pollIntervalMs: number;
  /** First back-off after a refusal worth retrying (unhealthy cluster, learner not in sync); default 100 ms. */
  backoffInitialMs: number;
  /** Longest back-off; default 1000 ms. */
  backoffMaxMs: number;
  /** Lines of the container log read while diagnosing; default 200. */
  logTailLines: number;
}

/** The tuning used when the context gives none. */
export const DEFAULT_TUNING: Readonly<RecoveryTuning> = {
  pollIntervalMs: 50,
  backoffInitialMs: 100,
  backoffMaxMs: 1000,
  logTailLines: 200,
};

/** The context's tuning merged over the defaults. */
export function resolveTuning(tuning: Partial<RecoveryTuning> | undefined): RecoveryTuning {
  return { ...DEFAULT_TUNING, ...tuning };
}
