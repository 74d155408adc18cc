import type { ObjectStore } from "./api/object-store.js";

/** A wait on the store passed its deadline; the message says what was awaited. */
export class StoreWaitTimeoutError extends Error {
  override readonly name = "StoreWaitTimeoutError";

  constructor(what: string, timeoutMs: number, detail?: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `; last seen: ${detail}` : ""}`);
    Object.setPrototypeOf(this, StoreWaitTimeoutError.prototype);
  }
}

/**
 * Resolves with the predicate's first truthy answer, checked now and after every store change;
 * rejects once `timeoutMs` passes. `describe` adds what the store looked like to the timeout message.
 */
export function waitForStore<T>(
  store: ObjectStore,
  predicate: () => T | undefined | null | false,
  what: string,
  timeoutMs = 5000,
  describe?: () => string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      outcome();
    };
    const check = (): void => {
      let answer: T | undefined | null | false;
      try {
        answer = predicate();
      } catch (error) {
        // A predicate that throws fails the wait with its own exception, passed on as it is (not always an Error).
        finish(() => reject(error));
        return;
      }
      if (answer) finish(() => resolve(answer));
    };
    const timer = setTimeout(
      () => finish(() => reject(new StoreWaitTimeoutError(what, timeoutMs, describe?.()))),
      timeoutMs,
    );
    // The predicate runs after the event's write, which is already visible to reads.
    const unsubscribe = store.subscribe(() => check());
    check();
  });
}
