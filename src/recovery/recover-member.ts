import type { ResolvedCluster, ResolvedMember, RecoveryMode } from "../core/config/types.js";
import type { ResponderConfig } from "../core/config/load.js";
import { createEtcdGateway } from "../gateways/etcd/etcd3-gateway.js";
import { etcdConnectionFor } from "../gateways/etcd/connection-for-cluster.js";
import type { KubernetesGateway } from "../gateways/kubernetes/kubernetes-gateway.js";
import type { Logger } from "../core/logger.js";
import type { StepReporter } from "./recovery-context.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { RecoveryResult } from "./recovery-result.js";
import type { RecoveryTuning } from "./recovery-tuning.js";
import { runRecovery } from "./run-recovery.js";

/** What every recovery of a process shares: configuration, Kubernetes, the logger, who it is. */
export interface MemberRecoveryDependencies {
  config: ResponderConfig;
  kubernetes: KubernetesGateway;
  logger: Logger;
  /** Lease holder identity, e.g. `host-1234`. */
  holder: string;
  /** Default: the system clock. */
  clock?: Clock;
  tuning?: Partial<RecoveryTuning>;
}

/** One recovery: which member, how, and where its progress goes. */
export interface MemberRecoveryRequest {
  cluster: ResolvedCluster;
  member: ResolvedMember;
  mode: RecoveryMode;
  reporter: StepReporter;
  signal?: AbortSignal;
}

/**
 * Recovers (or plans the recovery of) one member with etcd gateways made for its cluster and closed
 * afterwards. The CLI, the queue's workers and the benchmarks all recover through this.
 */
export async function recoverMember(
  deps: MemberRecoveryDependencies,
  request: MemberRecoveryRequest,
): Promise<RecoveryResult> {
  const { cluster } = request;
  const etcd = createEtcdGateway(etcdConnectionFor(cluster));
  try {
    return await runRecovery({
      cluster,
      member: request.member,
      kubernetes: deps.kubernetes,
      etcd,
      etcdForCluster: (clusterID) => createEtcdGateway({ ...etcdConnectionFor(cluster), clusterID }),
      clock: deps.clock ?? systemClock,
      settings: deps.config.recovery,
      ...(deps.tuning ? { tuning: deps.tuning } : {}),
      reporter: request.reporter,
      logger: deps.logger,
      holder: deps.holder,
      mode: request.mode,
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } finally {
    await etcd.close();
  }
}
