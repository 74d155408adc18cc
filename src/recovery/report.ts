import type { StepReporter, RecoveryContext, StepName } from "./context.js";
import {
  DeadlineExceededError,
  EtcdUnavailableError,
  retryableOf,
  UnsafeRecoveryError,
  LeaseRenewalError,
  RecoveryInterruptedError,
  messageOf,
} from "../core/errors.js";

/**
 * A StepReporter that writes one human line per progress line and step end, `[step] ...`, e.g.
 * `[stop] scaled Deployment example-3 to 0; Pod gone after 0.4 s`.
 */
export function createLineReporter(write: (line: string) => void): StepReporter {
  return {
    stepStarted: () => undefined,
    progress: (step, line) => write(`[${step}] ${line}`),
    stepEnded: (record) => {
      const prefix = record.outcome === "skipped" ? "skipped: " : record.outcome === "failed" ? "FAILED: " : "";
      write(`[${record.name}] ${prefix}${record.detail}`);
    },
  };
}

/** A duration for people: `0.4 s`, `12 s`. */
export function seconds(ms: number): string {
  return ms < 10_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** A byte count for people: `812 B`, `1.2 MB`. */
export function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} kB`;
  return `${(count / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The last line of a failed recovery: which step, which member of which cluster, what went wrong and
 * what to do. Every step checks the world before it changes it, so "run again" is always safe advice.
 */
export function failureReason(
  error: unknown,
  step: StepName | undefined,
  ctx: Pick<RecoveryContext, "cluster" | "member">,
): string {
  const message = messageOf(error);
  if (error instanceof RecoveryInterruptedError) return "interrupted; run again to resume";
  const where =
    `step ${step ?? "(none)"} failed for member ${ctx.member.index} (${ctx.member.name}) of cluster ` +
    `${ctx.cluster.namespace}/${ctx.cluster.name}`;
  return `${where}: ${message}; ${advice(error)}`;
}

function advice(error: unknown): string {
  if (error instanceof UnsafeRecoveryError)
    return "the cluster was left as it is now; a human must look before anything else is changed";
  if (error instanceof LeaseRenewalError)
    return "make sure no other recovery of this cluster is running, then run again to resume";
  if (error instanceof DeadlineExceededError)
    return "check the member's Pod and the etcd members, then run again to resume (every step is safe to repeat)";
  if (error instanceof EtcdUnavailableError) return "check that etcd is reachable from here, then run again to resume";
  return (retryableOf(error) ?? true)
    ? "run again to resume (every step is safe to repeat)"
    : "fix the cause, then run again to resume";
}
