import type { ClusterModes } from "../modes/index.js";
import type { Metrics } from "../observability/metrics.js";
import type { RecoveryWorkerHooks } from "../queue/index.js";
import type { RecoveryOutcome } from "../recovery/index.js";

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
    get: (namespace, cluster) => modes.get(namespace, cluster),
    list: () => modes.list(),
    set: (namespace, cluster, mode, source, reason) => modes.set(namespace, cluster, mode, source, reason),
    recordFailure: async (namespace, cluster) => {
      const answer = await modes.recordFailure(namespace, cluster);
      if (answer.tripped) metrics.countCircuitBreakerTrip(`${namespace}/${cluster}`);
      return answer;
    },
  };
}
