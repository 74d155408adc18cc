import { ResponderError } from "./responder-error.js";

/**
 * The recovery refused to act because acting could hurt the cluster (quorum lost, cluster ID mismatch,
 * more members dead than the cluster tolerates). Not retryable: a human has to look.
 */
export class UnsafeRecoveryError extends ResponderError {
  /** A short, stable reason for metrics and alerts, e.g. `quorum-lost` or `cluster-id-mismatch`. */
  readonly reason: string;

  constructor(reason: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, cause: options.cause });
    this.reason = reason;
  }
}
