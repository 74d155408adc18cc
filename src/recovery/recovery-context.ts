import type { Clock } from "../core/clock.js";
import type { RecoveryMode, RecoverySettings, ResolvedCluster, ResolvedMember } from "../core/config/types.js";
import type { EtcdGateway } from "../gateways/etcd/types.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import type { StepName, StepRecord } from "./recovery-result.js";
import type { RecoveryTuning } from "./recovery-tuning.js";
import type { SnapshotDirectory } from "./snapshots/snapshot-directory.js";

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
