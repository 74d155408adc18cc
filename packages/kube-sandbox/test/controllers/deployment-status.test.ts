import { describe, expect, it } from "vitest";
import { computeDeploymentStatus } from "../../src/controllers/deployment-status.js";
import type { Deployment, DeploymentStatus, ReplicaSet } from "../../src/controllers/workload-types.js";

const T0 = new Date("2025-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function deploymentWith(
  status: DeploymentStatus = {},
  replicas = 1,
  extra: Partial<NonNullable<Deployment["spec"]>> = {},
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "etcd-0", namespace: "etcd", generation: 2 },
    spec: { replicas, ...extra },
    status,
  };
}

function rs(
  name: string,
  replicas: number,
  status: { replicas?: number; readyReplicas?: number; availableReplicas?: number },
): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name },
    spec: { replicas },
    status: { replicas: 0, ...status },
  };
}

describe("computeDeploymentStatus", () => {
  it("counts replicas over all ReplicaSets, updated ones from the new one, and leaves zero counts out", () => {
    const newRs = rs("etcd-0-new", 1, { replicas: 1 });
    const oldRs = rs("etcd-0-old", 1, { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
    const { status } = computeDeploymentStatus({
      deployment: deploymentWith(),
      newReplicaSet: newRs,
      replicaSets: [newRs, oldRs],
      now: T0,
    });
    expect(status).toMatchObject({
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      unavailableReplicas: 1,
    });
  });

  it("omits every zero count of an empty Deployment and still calls it Available and complete", () => {
    const newRs = rs("etcd-0-new", 0, {});
    const { status } = computeDeploymentStatus({
      deployment: deploymentWith({}, 0),
      newReplicaSet: newRs,
      replicaSets: [newRs],
      now: T0,
    });
    expect(Object.keys(status).sort()).toEqual(["conditions", "observedGeneration"]);
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Available", "True", "MinimumReplicasAvailable"],
      ["Progressing", "True", "NewReplicaSetAvailable"],
    ]);
  });

  it("marks a fresh ReplicaSet NewReplicaSetCreated and the Deployment unavailable", () => {
    const newRs = rs("etcd-0-abc", 1, {});
    const { status } = computeDeploymentStatus({
      deployment: deploymentWith(),
      newReplicaSet: newRs,
      replicaSets: [newRs],
      createdReplicaSet: "etcd-0-abc",
      now: T0,
    });
    expect(status.conditions).toEqual([
      {
        type: "Progressing",
        status: "True",
        reason: "NewReplicaSetCreated",
        message: 'Created new replica set "etcd-0-abc"',
        lastUpdateTime: "2025-01-01T00:00:00Z",
        lastTransitionTime: "2025-01-01T00:00:00Z",
      },
      {
        type: "Available",
        status: "False",
        reason: "MinimumReplicasUnavailable",
        message: "Deployment does not have minimum availability.",
        lastUpdateTime: "2025-01-01T00:00:00Z",
        lastTransitionTime: "2025-01-01T00:00:00Z",
      },
    ]);
  });

  it("moves Progressing to ReplicaSetUpdated on progress and keeps its transition time", () => {
    const created = computeDeploymentStatus({
      deployment: deploymentWith(),
      newReplicaSet: rs("etcd-0-abc", 1, {}),
      replicaSets: [rs("etcd-0-abc", 1, {})],
      createdReplicaSet: "etcd-0-abc",
      now: T0,
    }).status;
    const running = rs("etcd-0-abc", 1, { replicas: 1 });
    const { status } = computeDeploymentStatus({
      deployment: deploymentWith(created),
      newReplicaSet: running,
      replicaSets: [running],
      now: at(5),
    });
    const progressing = status.conditions?.find((c) => c.type === "Progressing");
    expect(progressing).toMatchObject({
      reason: "ReplicaSetUpdated",
      message: 'ReplicaSet "etcd-0-abc" is progressing.',
    });
    expect(progressing?.lastTransitionTime).toBe("2025-01-01T00:00:00Z");
    expect(progressing?.lastUpdateTime).toBe("2025-01-01T00:00:05Z");
  });

  it("reports success once every replica is updated and available, and changes Available's transition time", () => {
    const before = computeDeploymentStatus({
      deployment: deploymentWith(),
      newReplicaSet: rs("etcd-0-abc", 1, { replicas: 1 }),
      replicaSets: [rs("etcd-0-abc", 1, { replicas: 1 })],
      now: T0,
    }).status;
    const ready = rs("etcd-0-abc", 1, { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
    const { status, recheckAfterMs } = computeDeploymentStatus({
      deployment: deploymentWith(before),
      newReplicaSet: ready,
      replicaSets: [ready],
      now: at(7),
    });
    expect(status.conditions?.find((c) => c.type === "Available")).toMatchObject({
      status: "True",
      lastTransitionTime: "2025-01-01T00:00:07Z",
    });
    expect(status.conditions?.find((c) => c.type === "Progressing")).toMatchObject({
      status: "True",
      reason: "NewReplicaSetAvailable",
      message: 'ReplicaSet "etcd-0-abc" has successfully progressed.',
    });
    expect(recheckAfterMs).toBeUndefined();
    // The condition changed last comes last, as in Kubernetes.
    expect(status.conditions?.map((c) => c.type)).toEqual(["Available", "Progressing"]);
  });

  it("leaves conditions untouched when nothing changed, so a repeat write is a no-op", () => {
    const ready = rs("etcd-0-abc", 1, { replicas: 1, readyReplicas: 1, availableReplicas: 1 });
    const first = computeDeploymentStatus({
      deployment: deploymentWith(),
      newReplicaSet: ready,
      replicaSets: [ready],
      now: T0,
    }).status;
    const second = computeDeploymentStatus({
      deployment: deploymentWith(first),
      newReplicaSet: ready,
      replicaSets: [ready],
      now: at(60),
    }).status;
    expect(second).toEqual(first);
  });

  it("times out after progressDeadlineSeconds without progress, and says when to look again before that", () => {
    const stuck = rs("etcd-0-abc", 1, { replicas: 1 });
    const first = computeDeploymentStatus({
      deployment: deploymentWith({}, 1, { progressDeadlineSeconds: 30 }),
      newReplicaSet: stuck,
      replicaSets: [stuck],
      now: T0,
    }).status;
    const early = computeDeploymentStatus({
      deployment: deploymentWith(first, 1, { progressDeadlineSeconds: 30 }),
      newReplicaSet: stuck,
      replicaSets: [stuck],
      now: at(10),
    });
    expect(early.recheckAfterMs).toBe(21_000);
    const late = computeDeploymentStatus({
      deployment: deploymentWith(first, 1, { progressDeadlineSeconds: 30 }),
      newReplicaSet: stuck,
      replicaSets: [stuck],
      now: at(31),
    });
    expect(late.status.conditions?.find((c) => c.type === "Progressing")).toMatchObject({
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: 'ReplicaSet "etcd-0-abc" has timed out progressing.',
    });
  });

  it("allows maxUnavailable below the desired count before calling a RollingUpdate Deployment unavailable", () => {
    const sets = [rs("etcd-0-abc", 4, { replicas: 4, readyReplicas: 3, availableReplicas: 3 })];
    const rolling = computeDeploymentStatus({
      deployment: deploymentWith({}, 4),
      newReplicaSet: sets[0],
      replicaSets: sets,
      now: T0,
    });
    expect(rolling.status.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    const recreate = computeDeploymentStatus({
      deployment: deploymentWith({}, 4, { strategy: { type: "Recreate" } }),
      newReplicaSet: sets[0],
      replicaSets: sets,
      now: T0,
    });
    expect(recreate.status.conditions?.find((c) => c.type === "Available")?.status).toBe("False");
  });
});
