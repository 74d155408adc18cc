import { isPodActive, isPodReady, msUntilAvailable } from "./pod-readiness.js";
import type { Pod, ReplicaSet, ReplicaSetStatus } from "./workload-types.js";

export interface ReplicaSetStatusResult {
  /** The complete `status` to store. */
  status: ReplicaSetStatus;
  /** When a ready pod will have been ready for `minReadySeconds`, so availability is counted again then. */
  recheckAfterMs?: number;
}

/**
 * The status of a ReplicaSet given the pods it controls. Only active pods count (not stopping, not
 * finished); `replicas` is always present, the other counts only when not zero, as the API writes them.
 */
export function computeReplicaSetStatus(rs: ReplicaSet, pods: Pod[], now: Date): ReplicaSetStatusResult {
  const active = pods.filter(isPodActive);
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let recheckAfterMs: number | undefined;
  let available = 0;
  for (const pod of active) {
    const wait = msUntilAvailable(pod, minReadySeconds, now);
    if (wait === 0) available += 1;
    else if (wait !== undefined) recheckAfterMs = Math.min(recheckAfterMs ?? wait, wait);
  }
  const counts = {
    fullyLabeledReplicas: active.filter((pod) => templateLabels.every(([k, v]) => pod.metadata.labels?.[k] === v))
      .length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  const status: ReplicaSetStatus = { replicas: active.length };
  for (const [field, value] of Object.entries(counts)) {
    if (value) (status as unknown as Record<string, number>)[field] = value;
  }
  return recheckAfterMs === undefined ? { status } : { status, recheckAfterMs };
}
