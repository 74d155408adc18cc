import { ResponderError } from "./responder-error.js";

/**
 * A wait ran out of time. Retryable: the state may still converge. The message says what was awaited,
 * for how long, and the last thing seen: `gave up after 120 s waiting for learner example3 to be in sync (last: ...)`.
 */
export class DeadlineExceededError extends ResponderError {
  /** What the wait was for, e.g. `learner example3 to be in sync`. */
  readonly waitedFor: string;
  /** How long it waited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(waitedFor: string, timeoutMs: number, options: { lastObservation?: string; cause?: unknown } = {}) {
    const last = options.lastObservation ? ` (last: ${options.lastObservation})` : "";
    super(`gave up after ${formatDuration(timeoutMs)} waiting for ${waitedFor}${last}`, {
      retryable: true,
      cause: options.cause,
    });
    this.waitedFor = waitedFor;
    this.timeoutMs = timeoutMs;
  }
}

function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
