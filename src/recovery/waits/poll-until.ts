import { DeadlineExceededError } from "../../core/errors.js";
import type { Clock } from "../../core/clock.js";

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
