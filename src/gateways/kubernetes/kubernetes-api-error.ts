import { ResponderError } from "../../core/errors.js";
import { describeApiFailure, isRetryableFailure } from "./api-failure.js";

/**
 * A Kubernetes API call failed. The message names the call and the object:
 * `replace Deployment default/example-1 failed with 422 Invalid: Deployment.apps "example-1" is invalid: ...`.
 * Retryable when the network failed, on 429, 5xx and 409 Conflict; not for other 4xx answers nor for bugs.
 */
export class KubernetesApiError extends ResponderError {
  /** The call, e.g. `read`, `replace`, `patch scale of`, `watch`. */
  readonly operation: string;
  /** The object or collection, e.g. `Deployment default/example-1`. */
  readonly object: string;
  /** HTTP status of the answer; undefined when the server did not answer. */
  readonly statusCode: number | undefined;
  /** `reason` of the Status answer, e.g. `Forbidden`; undefined when there was none. */
  readonly reason: string | undefined;
  /** The Status message, or the underlying error's message. */
  readonly statusMessage: string;

  constructor(operation: string, object: string, cause: unknown) {
    const failure = describeApiFailure(cause);
    const outcome =
      failure.statusCode === undefined
        ? `failed: ${failure.message}`
        : `failed with ${failure.statusCode}${failure.reason ? ` ${failure.reason}` : ""}: ${failure.message}`;
    super(`${operation} ${object} ${outcome}`, { retryable: isRetryableFailure(failure), cause });
    this.operation = operation;
    this.object = object;
    this.statusCode = failure.statusCode;
    this.reason = failure.reason;
    this.statusMessage = failure.message;
  }
}

/** Wraps a client-node failure, keeping errors that are already typed as they are. */
export function toKubernetesApiError(operation: string, object: string, error: unknown): ResponderError {
  if (error instanceof ResponderError) return error;
  return new KubernetesApiError(operation, object, error);
}
