import { isPodReady, msUntilAvailable } from "./pod-readiness.js";
import { podRevision } from "./statefulset-pods.js";
import type { StatefulSet, StatefulSetStatus } from "./statefulset-types.js";
import type { Pod } from "./workload-types.js";

/** What the status pass found. */
export interface StatefulSetStatusResult {
  /** The complete `status` to store. */
  status: StatefulSetStatus;
  /** When a ready Pod will have been ready for `minReadySeconds`, so availability is counted again then. */
  recheckAfterMs?: number;
}

/** The revisions and collision count the controller settled on in this pass. */
export interface RevisionNames {
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

/**
 * The status of a StatefulSet given its Pods, as Kubernetes counts it: `replicas` counts every Pod
 * that exists (also one being deleted), `currentReplicas` and `updatedReplicas` the Pods not being
 * deleted of each revision. Once a RollingUpdate has `spec.replicas` Pods, all updated and ready, the
 * update revision becomes the current one; under OnDelete the current revision never moves.
 */
export function computeStatefulSetStatus(
  set: StatefulSet,
  pods: Pod[],
  revisions: RevisionNames,
  now: Date,
): StatefulSetStatusResult {
  const minReadySeconds = set.spec?.minReadySeconds ?? 0;
  let recheckAfterMs: number | undefined;
  const counts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of pods) {
    counts.replicas += 1;
    if (pod.status?.phase === "Running" && isPodReady(pod)) {
      counts.readyReplicas += 1;
      const wait = msUntilAvailable(pod, minReadySeconds, now);
      if (wait === 0) counts.availableReplicas += 1;
      else if (wait !== undefined) recheckAfterMs = Math.min(recheckAfterMs ?? wait, wait);
    }
    if (pod.metadata.deletionTimestamp) continue;
    if (podRevision(pod) === revisions.currentRevision) counts.currentReplicas += 1;
    if (podRevision(pod) === revisions.updateRevision) counts.updatedReplicas += 1;
  }
  let { currentRevision } = revisions;
  const desired = set.spec?.replicas ?? 1;
  const rolledOut =
    set.spec?.updateStrategy?.type !== "OnDelete" &&
    counts.updatedReplicas === desired &&
    counts.readyReplicas === desired &&
    counts.replicas === desired;
  if (rolledOut) {
    currentRevision = revisions.updateRevision;
    counts.currentReplicas = counts.updatedReplicas;
  }
  const status: StatefulSetStatus = { observedGeneration: set.metadata.generation ?? 0, replicas: counts.replicas };
  for (const field of ["readyReplicas", "currentReplicas", "updatedReplicas"] as const) {
    if (counts[field]) status[field] = counts[field];
  }
  status.currentRevision = currentRevision;
  status.updateRevision = revisions.updateRevision;
  status.collisionCount = revisions.collisionCount;
  status.availableReplicas = counts.availableReplicas;
  return recheckAfterMs === undefined ? { status } : { status, recheckAfterMs };
}
