/**
 * Runs `work` at once and hands its outcome over as a promise, a throw as a rejection: what an async
 * function with nothing to await does. For fakes of async interfaces whose bodies are synchronous, so
 * that a fake fails the way the real thing does (a rejected promise, never a synchronous throw).
 */
export function asPromise<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
