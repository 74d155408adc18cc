/** What every error of the responder carries beyond `Error`. */
export interface ResponderErrorOptions {
  /** Whether trying the same work again later can succeed (a transient failure), or never will. */
  retryable: boolean;
  /** The lower-level failure this one explains, kept for logs. */
  cause?: unknown;
}

/**
 * Base of the responder's typed errors. `retryable` tells the queue whether another attempt can help,
 * so callers never have to match message text to decide.
 */
export class ResponderError extends Error {
  /** Whether trying the same work again later can succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: ResponderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Subclasses get their own name in logs and stack traces without repeating this line.
    this.name = new.target.name;
    this.retryable = options.retryable;
    // Keeps `instanceof` working even when the code is compiled to an older target.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
