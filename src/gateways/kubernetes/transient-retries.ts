import { backoffDelay } from "../../core/clock.js";
import { KubernetesApiError } from "./errors.js";

/** How the gateway sends a call again after a transient failure of the API server. */
export interface TransientRetryPolicy {
  /** Attempts in all, the first included; 1 sends each call once. */
  attempts: number;
  /** Pause after the first failure, ms; doubled after each further one. */
  initialDelayMs: number;
  /** Longest pause, ms. */
  maxDelayMs: number;
}

/** Six attempts, pausing 0.25, 0.5, 1, 2 and 4 s: an API server that fails for up to about 7 s is ridden out. */
export const DEFAULT_TRANSIENT_RETRIES: TransientRetryPolicy = { attempts: 6, initialDelayMs: 250, maxDelayMs: 4000 };

/**
 * Whether sending the same call again, unchanged, can help: the API server did not answer (the connection failed),
 * was overloaded (429) or failed (5xx). A 409 Conflict is not one: sending the same write again meets the same
 * conflict, and the caller must read the object again first. Every other answer repeats until a human acts.
 */
export function isTransientFailure(error: unknown): error is KubernetesApiError {
  return error instanceof KubernetesApiError && error.retryable && error.statusCode !== 409;
}

/**
 * Runs `call`, and again after growing pauses while it fails transiently (`isTransientFailure`), at most
 * `policy.attempts` times in all; any other failure, or the last transient one, is thrown as it is. `onRetry`
 * hears of each failure that is tried again, before the pause.
 */
export async function retryTransient<T>(
  call: () => Promise<T>,
  policy: TransientRetryPolicy,
  sleep: (ms: number) => Promise<void>,
  onRetry?: (error: KubernetesApiError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransientFailure(error) || attempt >= policy.attempts) throw error;
      const delayMs = backoffDelay(attempt, policy.initialDelayMs, policy.maxDelayMs);
      onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
