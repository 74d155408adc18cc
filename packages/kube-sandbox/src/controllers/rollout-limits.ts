import type { Deployment, IntOrPercent } from "./workload-types.js";

/** How far a rolling update may go above and below the desired replica count. */
export interface RolloutLimits {
  /** Pods allowed above `spec.replicas` during a rollout. */
  maxSurge: number;
  /** Pods allowed to be unavailable below `spec.replicas` during a rollout. */
  maxUnavailable: number;
}

/**
 * Resolves `maxSurge` (default 25%, rounded up) and `maxUnavailable` (default 25%, rounded down) against
 * the desired replicas. Recreate allows neither. When both come to 0 a rollout could never move, so
 * `maxUnavailable` becomes 1, as Kubernetes does.
 */
export function rolloutLimits(deployment: Deployment): RolloutLimits {
  const spec = deployment.spec ?? {};
  if (spec.strategy?.type === "Recreate") return { maxSurge: 0, maxUnavailable: 0 };
  const desired = spec.replicas ?? 1;
  const rolling = spec.strategy?.rollingUpdate ?? {};
  const maxSurge = scaled(rolling.maxSurge ?? "25%", desired, "up");
  let maxUnavailable = scaled(rolling.maxUnavailable ?? "25%", desired, "down");
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  // Kubernetes caps unavailability at the desired count, so a zero-replica Deployment is still Available.
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) };
}

/** An int-or-percent value against a total: `25%` of 3 is 1 rounded down, 1 rounded up. */
export function scaled(value: IntOrPercent, total: number, round: "up" | "down"): number {
  if (typeof value === "number") return Math.max(0, Math.trunc(value));
  const match = /^(\d+)%$/.exec(value.trim());
  if (!match) {
    const asNumber = Number(value);
    return Number.isInteger(asNumber) && asNumber >= 0 ? asNumber : 0;
  }
  const exact = (Number(match[1]) * total) / 100;
  return round === "up" ? Math.ceil(exact) : Math.floor(exact);
}
