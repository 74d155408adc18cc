import { ResponderError } from "./responder-error.js";

/**
 * An etcd member (or every member asked) could not be reached in time. Retryable: members come back,
 * and the recovery checks the world again before it changes anything.
 */
export class EtcdUnavailableError extends ResponderError {
  /** The client URLs that were asked and did not answer. */
  readonly clientURLs: readonly string[];

  constructor(message: string, clientURLs: string | readonly string[], options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
    this.clientURLs = typeof clientURLs === "string" ? [clientURLs] : [...clientURLs];
  }
}
