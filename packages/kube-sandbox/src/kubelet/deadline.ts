/** A wait ran past its deadline; the message says what was waited for. */
class DeadlineExceededError extends Error {
  override readonly name = "DeadlineExceededError";

  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    Object.setPrototypeOf(this, DeadlineExceededError.prototype);
  }
}

/** Resolves as `promise` does, or rejects with `DeadlineExceededError` after `timeoutMs`. */
export function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
