import { setTimeout as delay } from "node:timers/promises";
import { DeadlineExceededError } from "../../src/core/errors.js";

const RETRY_INTERVAL_MS = 50;

/** Runs `work` until it succeeds, retrying only the refusals `shouldRetry` accepts, until `timeoutMs`. */
export async function retryWhile<T>(
  work: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  waitedFor: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!shouldRetry(error)) throw error;
      if (Date.now() >= deadline) {
        throw new DeadlineExceededError(waitedFor, timeoutMs, { lastObservation: String(error), cause: error });
      }
    }
    await delay(RETRY_INTERVAL_MS);
  }
}

/** Asks `check` until it returns true, until `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, waitedFor: string, timeoutMs: number): Promise<void> {
  await retryWhile(
    async () => {
      if (!(await check())) throw new Error("not yet");
    },
    () => true,
    waitedFor,
    timeoutMs,
  );
}
