import type { V1LeaseSpec } from "@kubernetes/client-node";
import { timeMillis } from "./micro-time.js";

/** What taking a Lease means given what it says now. */
export type LeaseDecision =
  /** It is ours already: renew it. */
  | { kind: "renew" }
  /** Nobody holds it, or its holder let it expire: take it over. */
  | { kind: "take-over" }
  /** Someone else holds it and renewed it recently enough. */
  | { kind: "held"; holder: string; expiresAt: Date | undefined };

/**
 * Decides as client-go's leader election does, with the Lease's own `renewTime` as the last sign of life:
 * a holder counts until `renewTime + leaseDurationSeconds`. A holder without a renewal time shows no sign
 * of life at all, so its Lease is free.
 */
export function decideLease(spec: V1LeaseSpec | undefined, holder: string, nowMs: number): LeaseDecision {
  const current = spec?.holderIdentity ?? "";
  if (current === holder) return { kind: "renew" };
  if (current === "") return { kind: "take-over" };
  const expiresAtMs = leaseExpiry(spec);
  if (expiresAtMs === undefined || expiresAtMs <= nowMs) return { kind: "take-over" };
  return { kind: "held", holder: current, expiresAt: new Date(expiresAtMs) };
}

/** When the Lease expires unless renewed, in ms since the epoch; undefined without a renewal time. */
export function leaseExpiry(spec: V1LeaseSpec | undefined): number | undefined {
  const renewedAt = timeMillis(spec?.renewTime as Date | string | undefined);
  if (renewedAt === undefined) return undefined;
  return renewedAt + (spec?.leaseDurationSeconds ?? 0) * 1000;
}
