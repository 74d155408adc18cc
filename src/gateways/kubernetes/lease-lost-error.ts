import { ResponderError } from "../../errors/index.js";

/**
 * A Lease the responder held is no longer its own: another holder took it over, or it was deleted.
 * Not retryable: the work it guarded must stop, since someone else may be doing it now.
 */
export class LeaseLostError extends ResponderError {
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** The identity that held it. */
  readonly holder: string;
  /** Who holds it now; undefined when the Lease is gone or has no holder. */
  readonly currentHolder: string | undefined;

  constructor(lease: string, holder: string, currentHolder: string | undefined) {
    const now = currentHolder ? `it is held by "${currentHolder}" now` : "it was released or deleted";
    super(`Lease ${lease} is no longer held by "${holder}": ${now}`, { retryable: false });
    this.lease = lease;
    this.holder = holder;
    this.currentHolder = currentHolder;
  }
}
