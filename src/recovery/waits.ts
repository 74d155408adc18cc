import { DeadlineExceededError, messageOf } from "../core/errors.js";
import { backoffDelay, type Clock } from "../core/clock.js";

/** How a poll waits. */
export interface PollOptions {
  clock: Clock;
  /** What is awaited, for the error: `member example3 to answer`. */
  what: string;
  /** Deadline, ms from now. */
  timeoutMs: number;
  /** Pause between checks, ms. */
  intervalMs: number;
}

/**
 * Calls `check` until it returns a value (not undefined), pausing `intervalMs` between calls. For state
 * that announces no change (etcd has no event for "member answers"). `check` may describe what it saw
 * through `observe`; the last description goes into the DeadlineExceededError. Errors from `check` end the poll.
 */
export async function pollUntil<T>(
  check: (observe: (observation: string) => void) => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = options.clock.now() + options.timeoutMs;
  let last: string | undefined;
  const observe = (observation: string) => {
    last = observation;
  };
  for (;;) {
    const value = await check(observe);
    if (value !== undefined) return value;
    const left = deadline - options.clock.now();
    if (left <= 0)
      throw new DeadlineExceededError(
        options.what,
        options.timeoutMs,
        last === undefined ? {} : { lastObservation: last },
      );
    await options.clock.sleep(Math.min(options.intervalMs, left));
  }
}

/** How a refused call is retried. */
export interface RetryOptions {
  clock: Clock;
  /** What is awaited, for the error: `etcd to accept adding example3`. */
  what: string;
  /** Deadline, ms from now. */
  timeoutMs: number;
  /** First pause, ms; doubles up to `maxMs`. */
  initialMs: number;
  /** Longest pause, ms. */
  maxMs: number;
  /** Told about each refusal before the pause (for progress lines). */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs `action`, and again with growing pauses while it fails with an error `retryable` accepts (etcd
 * refusing for a while: unhealthy cluster, learner not in sync). Other errors end at once. When the
 * deadline passes, rejects with a DeadlineExceededError carrying the last refusal.
 */
export async function retryRefused<T>(
  action: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  options: RetryOptions,
): Promise<T> {
  const deadline = options.clock.now() + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (!retryable(error)) throw error;
      const left = deadline - options.clock.now();
      const message = messageOf(error);
      if (left <= 0)
        throw new DeadlineExceededError(options.what, options.timeoutMs, { lastObservation: message, cause: error });
      options.onRetry?.(error, attempt);
      await options.clock.sleep(Math.min(backoffDelay(attempt, options.initialMs, options.maxMs), left));
    }
  }
}

/** What `retryRefusedInRun` takes of a recovery: its clock, step deadline, back-off and progress lines. */
export interface RetryingRun {
  ctx: { clock: Clock };
  timeoutMs: number;
  tuning: { backoffInitialMs: number; backoffMaxMs: number };
  progress(line: string): void;
}

/**
 * `retryRefused` with a recovery's clock, step deadline and back-off, telling the recovery's progress
 * once (`notice`) when etcd first refuses.
 */
export function retryRefusedInRun<T>(
  run: RetryingRun,
  action: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  what: string,
  notice: string,
): Promise<T> {
  let told = false;
  return retryRefused(action, retryable, {
    clock: run.ctx.clock,
    what,
    timeoutMs: run.timeoutMs,
    initialMs: run.tuning.backoffInitialMs,
    maxMs: run.tuning.backoffMaxMs,
    onRetry: () => {
      if (told) return;
      told = true;
      run.progress(notice);
    },
  });
}
