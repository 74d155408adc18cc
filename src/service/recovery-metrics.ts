import type { ClusterModes } from "../queue/cluster-modes.js";
import type { Metrics } from "../core/metrics.js";
import type { RecoveryWorkerHooks } from "../queue/workers.js";
import type { RecoveryOutcome } from "../recovery/context.js";

const OUTCOMES: readonly string[] = ["succeeded", "skipped", "refused", "failed"] satisfies RecoveryOutcome[];

/** Worker hooks that record each finished recovery in the metrics; an attempt that will be retried is not one. */
export function recoveryMetricsHooks(metrics: Metrics): RecoveryWorkerHooks {
  return {
    onFinished: (record, durationMs) => {
      if (!OUTCOMES.includes(record.state)) return;
      metrics.observeRecovery(
        { cluster: record.cluster, namespace: record.namespace, outcome: record.state as RecoveryOutcome },
        durationMs / 1000,
      );
    },
  };
}

/**
 * The modes with failure counting observed: the workers count every final failure through
 * `recordFailure`, and its answer says whether that tripped the circuit breaker, so a trip is counted in
 * the metrics (`namespace/name`) exactly where it happens.
 */
export function countingCircuitBreakerTrips(modes: ClusterModes, metrics: Metrics): ClusterModes {
  return {
    get: (cluster) => modes.get(cluster),
    list: () => modes.list(),
    set: (cluster, mode, source, reason) => modes.set(cluster, mode, source, reason),
    recordFailure: async (cluster) => {
      const answer = await modes.recordFailure(cluster);
      if (answer.tripped) metrics.countCircuitBreakerTrip(`${cluster.namespace}/${cluster.name}`);
      return answer;
    },
  };
}
