import { ResponderError } from "../errors/index.js";

/**
 * True when the failure is transient (Redis or Kubernetes unreachable, e.g. the queue's
 * QueueUnavailableError), so the caller should send the same request again later: the intake answers
 * 503, the one status Alertmanager retries.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof ResponderError && error.retryable;
}
