import type { ObjectStore } from "./api/object-store.js";

/**
 * Resolves when `condition` holds, checking now and after every change of the store.
 * Rejects after `timeoutMs`, saying what it waited for.
 */
export function awaitStore<T>(
  store: ObjectStore,
  condition: () => T | undefined | false,
  what: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      fn();
    };
    const check = () => {
      try {
        const value = condition();
        if (value !== undefined && value !== false) finish(() => resolve(value));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
      timeoutMs,
    );
    // Checking inside the store's listener would read a store that is mid-dispatch; look a tick later.
    const unsubscribe = store.subscribe(() => setImmediate(check));
    check();
  });
}
