import { DeadlineExceededError } from "../../core/errors.js";
import type { RecoveryRecord, RecoveryState } from "../../queue/recovery-queue.js";
import type { RecoveriesClient } from "./recoveries-client.js";
import { ServiceRequestError } from "./service-request-error.js";

/** States a recovery does not leave. */
export const FINAL_STATES: readonly RecoveryState[] = ["succeeded", "skipped", "refused", "failed"];

/** How to follow a recovery. */
export interface FollowOptions {
  /** Reads the recovery. */
  client: Pick<RecoveriesClient, "getRecovery">;
  /** The recovery's id. */
  id: string;
  /** Called with every record read. */
  onRecord: (record: RecoveryRecord) => void;
  /** Called when a read fails in a way that may pass (no answer, 5xx); following goes on. */
  onTransientError?: (error: ServiceRequestError) => void;
  /** Pause between reads, ms; default 250. */
  intervalMs?: number;
  /** Overall deadline, ms; default 600 000. */
  timeoutMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
}

/**
 * Reads the recovery until it reaches a final state, and resolves with that record. Rejects with a
 * DeadlineExceededError (carrying the last state seen) after the deadline, and with the ServiceRequestError
 * of a read that cannot pass (401, 404).
 */
export async function followRecovery(options: FollowOptions): Promise<RecoveryRecord> {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const deadline = now() + timeoutMs;
  let last: RecoveryRecord | undefined;
  let lastError: string | undefined;
  for (;;) {
    try {
      last = await options.client.getRecovery(options.id);
      options.onRecord(last);
      if (FINAL_STATES.includes(last.state)) return last;
    } catch (error) {
      if (!(error instanceof ServiceRequestError) || !error.retryable) throw error;
      lastError = error.message;
      options.onTransientError?.(error);
    }
    const left = deadline - now();
    if (left <= 0) {
      const seen = last ? `the recovery was still ${last.state}` : `no answer: ${lastError ?? "none"}`;
      throw new DeadlineExceededError(`recovery ${options.id} to end`, timeoutMs, { lastObservation: seen });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}
