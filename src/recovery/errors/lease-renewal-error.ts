import { ResponderError } from "../../errors/index.js";

/**
 * The recovery lost its Lease (another holder took it, or it could not be renewed before it expired), so it
 * stopped at the next step boundary: someone else may act on the cluster now. Retryable: a later run takes
 * the Lease again and resumes.
 */
export class LeaseRenewalError extends ResponderError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
  }
}
