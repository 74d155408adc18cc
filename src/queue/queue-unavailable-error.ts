import { ResponderError } from "../errors/index.js";

/**
 * Redis, the queue's only shared state, could not be reached in time. Retryable: the HTTP layer answers
 * 503 so Alertmanager sends the alert again, and nothing was half-written.
 */
export class QueueUnavailableError extends ResponderError {
  /** What could not be done, e.g. `queue a recovery`. */
  readonly operation: string;
  /** The Redis asked, as `host:port` (never with credentials). */
  readonly redis: string;

  constructor(operation: string, redis: string, options: { cause?: unknown } = {}) {
    const why = options.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot ${operation}: Redis at ${redis} is unreachable${why}; try again later`, {
      retryable: true,
      cause: options.cause,
    });
    this.operation = operation;
    this.redis = redis;
  }
}
