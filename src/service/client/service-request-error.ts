import { ResponderError } from "../../core/errors.js";

/**
 * A request to the service's API failed: it answered with an error status (`status`), or could not be
 * reached at all (`status` undefined). Retryable when trying again later can help: no answer, or a 5xx.
 */
export class ServiceRequestError extends ResponderError {
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options: { cause?: unknown } = {}) {
    super(message, { retryable: status === undefined || status >= 500, cause: options.cause });
    this.status = status;
  }
}
