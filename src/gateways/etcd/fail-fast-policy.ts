import type { IOptions } from "etcd3";

type FaultPolicy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

const noListener = () => ({ dispose: () => undefined });

/**
 * A fault-handling policy that runs the call once. etcd3's defaults retry three times on other hosts and
 * open a five-second circuit breaker per host; the gateway decides itself which member to ask next,
 * and a member that comes back must be usable at once.
 */
export const failFastPolicy = {
  onSuccess: noListener,
  onFailure: noListener,
  execute: (fn: (context: { signal: AbortSignal }) => unknown, signal?: AbortSignal) =>
    Promise.resolve().then(() => fn({ signal: signal ?? new AbortController().signal })),
} as unknown as FaultPolicy;
