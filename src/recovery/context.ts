import type { Clock } from "../core/clock.js";
import type { RecoveryMode, RecoverySettings, ResolvedCluster, ResolvedMember } from "../core/config/types.js";
import type { EtcdGateway } from "../gateways/etcd/etcd-gateway.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import type { SnapshotDirectory } from "./snapshot.js";

/** Receives a recovery's progress as it happens: the CLI prints it, a queue worker records it. */
export interface StepReporter {
  /** A step begins. */
  stepStarted(step: StepName): void;
  /** A step ended (done, skipped or failed). */
  stepEnded(record: StepRecord): void;
  /** A free-text line about what a step is doing or found. */
  progress(step: StepName, line: string): void;
}

/** Everything one recovery of one member works with. */
export interface RecoveryContext {
  /** The member's cluster, as configured. */
  cluster: ResolvedCluster;
  /** The member to recover. */
  member: ResolvedMember;
  /** Kubernetes: Deployments, Pods, logs, the Lease, Events. */
  kubernetes: KubernetesGateway;
  /** etcd: statuses, member list, membership changes, hashes, snapshots. */
  etcd: EtcdGateway;
  /**
   * A gateway whose member lists and membership changes go only to members reporting `clusterId`. Used when
   * the configuration pins no cluster ID, so that a member that formed a cluster of its own is never asked
   * to change membership. Gateways it returns are closed when the recovery ends. Default: `etcd` itself.
   */
  etcdForCluster?: (clusterId: string) => EtcdGateway;
  /** Time; the system clock in production. */
  clock: Clock;
  /** The configured recovery settings (dead-after, step deadline, Lease duration). */
  settings: RecoverySettings;
  /** Poll intervals and back-offs; defaults in `DEFAULT_TUNING`. */
  tuning?: Partial<RecoveryTuning>;
  /** Receives step starts, ends and progress lines. */
  reporter: StepReporter;
  /** The process logger; the recovery takes a child with the cluster and member. */
  logger: Logger;
  /** Who holds the Lease during the recovery, e.g. `host-1234`. */
  holder: string;
  /** `act` or `plan` (dry run: Diagnose and Guard only, no Lease, no change). */
  mode: RecoveryMode;
  /** Aborting stops the recovery at the next step boundary (the Lease is released). */
  signal?: AbortSignal;
  /** Where snapshot files are listed and pruned; default the local file system. */
  snapshotDirectory?: SnapshotDirectory;
}

/** Intervals and back-offs of a recovery's waits; none of them is a deadline (those come from the settings). */
export interface RecoveryTuning {
  /** Interval between status polls while waiting for etcd (new member answering, verification); default 50 ms. */
  pollIntervalMs: number;
  /** First back-off after a refusal worth retrying (unhealthy cluster, learner not in sync); default 100 ms. */
  backoffInitialMs: number;
  /** Longest back-off; default 1000 ms. */
  backoffMaxMs: number;
  /** Lines of the container log read while diagnosing; default 200. */
  logTailLines: number;
  /**
   * How long Diagnose keeps looking, once a second, while it is too early to tell (a crash-looping Pod caught Running
   * between two crashes is told by its next crash, moments later) before the recovery fails as retryable; default
   * 10 000 ms.
   */
  undecidedWaitMs: number;
}

/** The tuning used when the context gives none. */
export const DEFAULT_TUNING: Readonly<RecoveryTuning> = {
  pollIntervalMs: 50,
  backoffInitialMs: 100,
  backoffMaxMs: 1000,
  logTailLines: 200,
  undecidedWaitMs: 10_000,
};

/** The context's tuning merged over the defaults. */
export function resolveTuning(tuning: Partial<RecoveryTuning> | undefined): RecoveryTuning {
  return { ...DEFAULT_TUNING, ...tuning };
}

/** The steps of a Deployment member's recovery, in runbook order: it stops and starts its Deployment. */
export const DEPLOYMENT_STEPS = [
  "permissions",
  "lock",
  "diagnose",
  "guard",
  "snapshot",
  "stop",
  "remove",
  "add",
  "start",
  "promote",
  "verify",
] as const;

/**
 * The steps of a StatefulSet member's recovery, in runbook order: it holds the StatefulSet (OnDelete, the next
 * start's settings) instead of stopping anything, and restores it at the end.
 */
export const STATEFULSET_STEPS = [
  "permissions",
  "lock",
  "diagnose",
  "guard",
  "snapshot",
  "hold",
  "remove",
  "add",
  "start",
  "promote",
  "verify",
  "restore",
] as const;

/** One step of a recovery. */
export type StepName = (typeof DEPLOYMENT_STEPS)[number] | (typeof STATEFULSET_STEPS)[number];

/** What became of one step. */
export interface StepRecord {
  /** Which step. */
  name: StepName;
  /** When it started, ms since the epoch (from the recovery's clock). */
  startedAt: number;
  /** When it ended, ms since the epoch. */
  endedAt: number;
  /** `done`: it changed or confirmed something; `skipped`: nothing to do; `failed`: it threw or refused. */
  outcome: "done" | "skipped" | "failed";
  /** One human line saying what it did, found, or why it failed. */
  detail: string;
}

/** How a recovery ended. */
export type RecoveryOutcome = "succeeded" | "skipped" | "refused" | "failed";

/** The result of `runRecovery`. */
export interface RecoveryResult {
  /**
   * `succeeded`: the member is back (or, in plan mode, a plan was made); `skipped`: nothing to do;
   * `refused`: acting would be unsafe or is not supported, nothing was changed; `failed`: anything else.
   */
  outcome: RecoveryOutcome;
  /** One sentence: why it ended this way and, on failure, what to do. */
  reason: string;
  /** Every step that ran or was skipped, in order. */
  steps: StepRecord[];
  /** Plan mode: what the recovery would do, one human line each. */
  plan?: string[];
  /** On `failed` and `refused`: whether running again later can help (transient failure). */
  retryable?: boolean;
  /** On `failed` and `refused`: the error that ended the recovery, for logs. */
  error?: unknown;
  /**
   * On `failed`, when this or an earlier attempt had changed the member: the state its Deployment is left in,
   * e.g. `Deployment example-2 is left at 0 replicas and marked as under recovery since ...`.
   */
  leftChanged?: string;
}
