import type { V1Lease, V1LeaseSpec } from "@kubernetes/client-node";
import { V1MicroTime } from "@kubernetes/client-node/dist/types.js";
import type { CoordinationCalls } from "./api-calls.js";
import type { Logger } from "../../core/logger.js";
import { statusCodeOf, toKubernetesApiError } from "./errors.js";
import type { HeldLease } from "./kubernetes-gateway.js";
import { LeaseHeldError, LeaseLostError } from "../../core/errors.js";
import { timeMillis } from "./pods.js";

/** What the Lease operations work with. */
export interface LeaseContext {
  api: CoordinationCalls;
  logger: Logger;
  /** The clock, ms since the epoch. */
  now: () => number;
  /**
   * Runs a call (which throws typed errors), sending it again while the API server fails transiently. Every Lease
   * write is safe to send again: a create that took effect answers AlreadyExists to its repeat and a replace or
   * delete on condition of the version read answers Conflict; the Lease is then read to see whose it is.
   */
  transient: <T>(call: () => Promise<T>) => Promise<T>;
}

/** Rounds a renewal or release gets when other writers keep changing the Lease in between. */
const WRITE_ATTEMPTS = 3;

/**
 * Takes the Lease for `holder` the way client-go's leader election does: create it when missing, renew it
 * when ours, take it over (with the read resourceVersion, counting a transition) when free or expired.
 * A 409 on the write means another candidate wrote first: it holds the Lease now.
 */
export async function acquireLease(
  context: LeaseContext,
  namespace: string,
  name: string,
  holder: string,
  durationSeconds: number,
): Promise<HeldLease> {
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1) {
    throw new RangeError(`a Lease duration must be a whole number of seconds, at least 1, got ${durationSeconds}`);
  }
  const held: HeldLease = { namespace, name, holder, durationSeconds };
  const current = await readLease(context, namespace, name);
  const at = microTime(context.now());
  if (!current) {
    const lease: V1Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: durationSeconds,
        acquireTime: at,
        renewTime: at,
        leaseTransitions: 0,
      },
    };
    await write(context, held, "create", () => context.api.createNamespacedLease({ namespace, body: lease }));
    context.logger.info({ lease: leaseName(held), holder }, "lease created");
    return held;
  }

  const decision = decideLease(current.spec, holder, context.now());
  if (decision.kind === "held") throw new LeaseHeldError(leaseName(held), decision.holder, decision.expiresAt);
  const spec = (current.spec ??= {});
  if (decision.kind === "take-over") {
    context.logger.info(
      { lease: leaseName(held), holder, previousHolder: spec.holderIdentity || undefined },
      "taking over lease",
    );
    spec.holderIdentity = holder;
    spec.acquireTime = at;
    spec.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
  }
  spec.renewTime = at;
  spec.leaseDurationSeconds = durationSeconds;
  await write(context, held, "replace", () => context.api.replaceNamespacedLease({ namespace, name, body: current }));
  return held;
}

/** Renews a Lease still held by `lease.holder`; LeaseLostError when it has another holder, or none. */
export async function renewLease(context: LeaseContext, lease: HeldLease): Promise<void> {
  const { namespace, name } = lease;
  for (let attempt = 1; ; attempt++) {
    const current = await readLease(context, namespace, name);
    const currentHolder = current?.spec?.holderIdentity || undefined;
    if (!current || currentHolder !== lease.holder)
      throw new LeaseLostError(leaseName(lease), lease.holder, currentHolder);
    const spec = (current.spec ??= {});
    spec.renewTime = microTime(context.now());
    spec.leaseDurationSeconds = lease.durationSeconds;
    const renewed = await context.transient(async () => {
      try {
        await context.api.replaceNamespacedLease({ namespace, name, body: current });
        return true;
      } catch (error) {
        // Someone wrote in between (or this renewal was stored before its answer was lost); the next read tells
        // whether it is still ours.
        if (statusCodeOf(error) === 409 && attempt < WRITE_ATTEMPTS) return false;
        throw toKubernetesApiError("renew", `Lease ${leaseName(lease)}`, error);
      }
    });
    if (renewed) return;
  }
}

/**
 * Deletes the Lease if `lease.holder` still holds it, with the read uid and resourceVersion as preconditions, so
 * a Lease another holder took in between stays. Unlike client-go's release (which empties the holder), nothing
 * is left behind in the managed namespace once no recovery runs; the next recovery creates the Lease anew. A
 * missing Lease is fine.
 */
export async function releaseLease(context: LeaseContext, lease: HeldLease): Promise<void> {
  const { namespace, name } = lease;
  for (let attempt = 1; ; attempt++) {
    const current = await readLease(context, namespace, name);
    if (!current || current.spec?.holderIdentity !== lease.holder) {
      context.logger.debug(
        { lease: leaseName(lease), holder: lease.holder },
        "lease not ours anymore, nothing to release",
      );
      return;
    }
    const { uid, resourceVersion } = current.metadata ?? {};
    const outcome = await context.transient(async () => {
      try {
        await context.api.deleteNamespacedLease({ namespace, name, body: { preconditions: { uid, resourceVersion } } });
        return "released";
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 404) return "gone";
        if (status === 409 && attempt < WRITE_ATTEMPTS) return "changed";
        throw toKubernetesApiError("release", `Lease ${leaseName(lease)}`, error);
      }
    });
    if (outcome === "changed") continue;
    if (outcome === "released")
      context.logger.info({ lease: leaseName(lease), holder: lease.holder }, "lease released");
    return;
  }
}

/** The Lease, or undefined when there is none. */
function readLease(context: LeaseContext, namespace: string, name: string): Promise<V1Lease | undefined> {
  return context.transient(async () => {
    try {
      return await context.api.readNamespacedLease({ namespace, name });
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw toKubernetesApiError("read", `Lease ${namespace}/${name}`, error);
    }
  });
}

/**
 * Writes a Lease to take it. A 409 (it exists already, or changed since it was read) means another
 * candidate got there first; it is read again to name the winner. Should the winner be `held.holder`
 * itself (a concurrent attempt of the same holder), the Lease is held and that is success.
 */
async function write(
  context: LeaseContext,
  held: HeldLease,
  operation: string,
  call: () => Promise<V1Lease>,
): Promise<void> {
  const conflict = await context.transient(async () => {
    try {
      await call();
      return undefined;
    } catch (error) {
      if (statusCodeOf(error) !== 409) throw toKubernetesApiError(operation, `Lease ${leaseName(held)}`, error);
      return { error };
    }
  });
  if (!conflict) return;
  const winner = await readLease(context, held.namespace, held.name);
  const holder = winner?.spec?.holderIdentity || undefined;
  if (holder === held.holder) return;
  throw new LeaseHeldError(leaseName(held), holder ?? "another candidate", winner ? expiryDate(winner) : undefined, {
    cause: conflict.error,
  });
}

function expiryDate(lease: V1Lease): Date | undefined {
  const ms = leaseExpiry(lease.spec);
  return ms === undefined ? undefined : new Date(ms);
}

function leaseName(lease: { namespace: string; name: string }): string {
  return `${lease.namespace}/${lease.name}`;
}

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
  const renewedAt = timeMillis(spec?.renewTime);
  if (renewedAt === undefined) return undefined;
  return renewedAt + (spec?.leaseDurationSeconds ?? 0) * 1000;
}

/**
 * A Lease time as the API server parses it: `2006-01-02T15:04:05.000000Z07:00`, six fraction digits.
 * client-node sends a plain Date with three (`.123Z`), which a real API server refuses for MicroTime fields;
 * V1MicroTime serializes with six.
 */
export function microTime(ms: number): V1MicroTime {
  return new V1MicroTime(ms);
}
