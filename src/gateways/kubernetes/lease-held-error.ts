import { ResponderError } from "../../errors/index.js";

/**
 * Someone else holds the Lease and has renewed it recently. Retryable: it is free again once its holder
 * releases it or lets it expire.
 */
export class LeaseHeldError extends ResponderError {
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** Who holds it, as its `holderIdentity` says. */
  readonly holder: string;
  /** When it expires unless renewed (last renewal + duration); undefined when unknown. */
  readonly expiresAt: Date | undefined;

  constructor(lease: string, holder: string, expiresAt: Date | undefined, options: { cause?: unknown } = {}) {
    const until = expiresAt ? ` until ${expiresAt.toISOString()} unless renewed` : "";
    super(`Lease ${lease} is held by "${holder}"${until}`, { retryable: true, cause: options.cause });
    this.lease = lease;
    this.holder = holder;
    this.expiresAt = expiresAt;
  }
}
