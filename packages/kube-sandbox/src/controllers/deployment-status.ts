import { rolloutLimits } from "./rollout-limits.js";
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from "./workload-types.js";

/** Default of `spec.progressDeadlineSeconds` in apps/v1. */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

export interface DeploymentStatusInput {
  /** The Deployment as stored; its current status is what progress is measured against. */
  deployment: Deployment;
  /** The ReplicaSet running the current template, if it exists yet. */
  newReplicaSet: ReplicaSet | undefined;
  /** Every ReplicaSet the Deployment controls, the new one included. */
  replicaSets: ReplicaSet[];
  /** Name of a ReplicaSet created by this sync: Progressing becomes NewReplicaSetCreated. */
  createdReplicaSet?: string;
  /** The time written into changed conditions. */
  now: Date;
}

export interface DeploymentStatusResult {
  /** The complete `status` to store. */
  status: DeploymentStatus;
  /** When the progress deadline would pass, so the Deployment is looked at again then. */
  recheckAfterMs?: number;
}

/**
 * The status a Deployment should carry given its ReplicaSets, with the Available and Progressing
 * conditions moved the way the Kubernetes deployment controller moves them. Zero counts are left
 * out, as the API omits them.
 */
export function computeDeploymentStatus(input: DeploymentStatusInput): DeploymentStatusResult {
  const { deployment, newReplicaSet, replicaSets, now } = input;
  const previous = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const sum = (pick: (rs: ReplicaSet) => number | undefined, sets = replicaSets): number =>
    sets.reduce((total, rs) => total + (pick(rs) ?? 0), 0);

  const available = sum((rs) => rs.status?.availableReplicas);
  const counts = {
    observedGeneration: deployment.metadata.generation,
    replicas: sum((rs) => rs.status?.replicas),
    updatedReplicas: newReplicaSet ? (newReplicaSet.status?.replicas ?? 0) : 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sum((rs) => rs.spec?.replicas ?? 1) - available),
  };
  const status: DeploymentStatus = {};
  for (const [field, value] of Object.entries(counts)) {
    if (value) (status as Record<string, number>)[field] = value;
  }
  if (previous.collisionCount !== undefined) status.collisionCount = previous.collisionCount;

  const stamp = timestamp(now);
  let conditions = (previous.conditions ?? []).map((c) => ({ ...c }));
  const set = (next: DeploymentCondition, keepUpdateTimeWhenSame = true): void => {
    conditions = setCondition(conditions, next, keepUpdateTimeWhenSame);
  };

  if (input.createdReplicaSet) {
    set(
      condition(
        "Progressing",
        "True",
        "NewReplicaSetCreated",
        `Created new replica set "${input.createdReplicaSet}"`,
        stamp,
      ),
    );
  }
  if (available >= desired - rolloutLimits(deployment).maxUnavailable) {
    set(condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", stamp));
  } else {
    set(
      condition(
        "Available",
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        stamp,
      ),
    );
  }

  const deadlineSeconds = deployment.spec?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  let recheckAfterMs: number | undefined;
  const progressing = conditions.find((c) => c.type === "Progressing");
  const alreadyComplete =
    (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && progressing?.reason === "NewReplicaSetAvailable";
  if (!alreadyComplete) {
    const subject = newReplicaSet
      ? `ReplicaSet "${newReplicaSet.metadata.name}"`
      : `Deployment "${deployment.metadata.name}"`;
    if (isComplete(desired, status, deployment.metadata.generation)) {
      set(condition("Progressing", "True", "NewReplicaSetAvailable", `${subject} has successfully progressed.`, stamp));
    } else if (madeProgress(previous, status)) {
      // Progress refreshes lastUpdateTime even when the reason stays the same: the deadline counts from it.
      const next = condition("Progressing", "True", "ReplicaSetUpdated", `${subject} is progressing.`, stamp);
      if (progressing?.status === "True") next.lastTransitionTime = progressing.lastTransitionTime;
      set(next, false);
    } else if (progressing && progressing.reason !== "ProgressDeadlineExceeded") {
      const deadline = Date.parse(progressing.lastUpdateTime) + deadlineSeconds * 1000;
      if (now.getTime() > deadline) {
        set(
          condition("Progressing", "False", "ProgressDeadlineExceeded", `${subject} has timed out progressing.`, stamp),
        );
      } else {
        recheckAfterMs = deadline - now.getTime() + 1000;
      }
    }
  }
  if (conditions.length > 0) status.conditions = conditions;
  return recheckAfterMs === undefined ? { status } : { status, recheckAfterMs };
}

/** What `kubectl rollout status` waits for: every desired replica updated and available, nothing old left. */
function isComplete(desired: number, status: DeploymentStatus, generation: number | undefined): boolean {
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (generation ?? 0)
  );
}

function madeProgress(before: DeploymentStatus, after: DeploymentStatus): boolean {
  const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
  const oldAfter = (after.replicas ?? 0) - (after.updatedReplicas ?? 0);
  return (
    (after.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
    oldAfter < oldBefore ||
    (after.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
    (after.availableReplicas ?? 0) > (before.availableReplicas ?? 0)
  );
}

function condition(
  type: string,
  status: DeploymentCondition["status"],
  reason: string,
  message: string,
  stamp: string,
): DeploymentCondition {
  return { type, status, lastUpdateTime: stamp, lastTransitionTime: stamp, reason, message };
}

/**
 * Sets the condition of `next`'s type. An unchanged status and reason keeps the old condition (unless
 * `keepWhenSame` is false); an unchanged status keeps the old transition time. A changed condition
 * moves to the end of the list, as it does in Kubernetes.
 */
function setCondition(
  conditions: DeploymentCondition[],
  next: DeploymentCondition,
  keepWhenSame: boolean,
): DeploymentCondition[] {
  const current = conditions.find((c) => c.type === next.type);
  if (current && keepWhenSame && current.status === next.status && current.reason === next.reason) return conditions;
  const merged = current?.status === next.status ? { ...next, lastTransitionTime: current.lastTransitionTime } : next;
  return [...conditions.filter((c) => c.type !== next.type), merged];
}

/** RFC 3339 with whole seconds, as Kubernetes writes condition times. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, "Z");
}
