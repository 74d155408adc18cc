import { describe, expect, it } from "vitest";
import { pickSurplus, podFor } from "../../src/controllers/replicaset-controller.js";
import { computeReplicaSetStatus } from "../../src/controllers/replicaset-status.js";
import type { Pod, ReplicaSet } from "../../src/controllers/workload-types.js";

const T0 = new Date("2025-01-01T00:00:00Z");

const rs: ReplicaSet = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "etcd-0-abc", namespace: "etcd", uid: "rs-uid", generation: 3 },
  spec: {
    replicas: 3,
    template: {
      metadata: { labels: { app: "etcd-0", "pod-template-hash": "abc" }, annotations: { note: "x" } },
      spec: { containers: [{ name: "etcd" }] },
    },
  },
};

function pod(
  name: string,
  options: {
    ready?: boolean;
    readySince?: string;
    phase?: string;
    deleting?: boolean;
    created?: string;
    restarts?: number;
    node?: string;
    labels?: Record<string, string>;
  } = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: options.labels ?? { app: "etcd-0", "pod-template-hash": "abc" },
      creationTimestamp: options.created ?? "2025-01-01T00:00:00Z",
      ...(options.deleting ? { deletionTimestamp: "2025-01-01T00:01:00Z" } : {}),
    },
    spec: options.node ? { nodeName: options.node } : {},
    status: {
      phase: options.phase ?? "Running",
      conditions: [
        {
          type: "Ready",
          status: options.ready ? "True" : "False",
          ...(options.readySince ? { lastTransitionTime: options.readySince } : {}),
        },
      ],
      containerStatuses: [{ name: "etcd", restartCount: options.restarts ?? 0 }],
    },
  };
}

describe("computeReplicaSetStatus", () => {
  it("counts active pods only, with zero counts left out but replicas always there", () => {
    const { status } = computeReplicaSetStatus(
      rs,
      [pod("a", { ready: true }), pod("b"), pod("c", { deleting: true, ready: true }), pod("d", { phase: "Failed" })],
      T0,
    );
    expect(status).toEqual({
      replicas: 2,
      fullyLabeledReplicas: 2,
      readyReplicas: 1,
      availableReplicas: 1,
      observedGeneration: 3,
    });
    expect(computeReplicaSetStatus(rs, [], T0).status).toEqual({ replicas: 0, observedGeneration: 3 });
  });

  it("counts pods missing a template label as not fully labeled", () => {
    const { status } = computeReplicaSetStatus(rs, [pod("a", { labels: { app: "etcd-0" } })], T0);
    expect(status.fullyLabeledReplicas).toBeUndefined();
  });

  it("waits minReadySeconds before counting a ready pod available, and says when to count again", () => {
    const slow: ReplicaSet = { ...rs, spec: { ...rs.spec, minReadySeconds: 10 } };
    const result = computeReplicaSetStatus(slow, [pod("a", { ready: true, readySince: "2024-12-31T23:59:56Z" })], T0);
    expect(result.status.readyReplicas).toBe(1);
    expect(result.status.availableReplicas).toBeUndefined();
    expect(result.recheckAfterMs).toBe(6000);
  });
});

describe("pickSurplus", () => {
  it("deletes unscheduled, then pending, then not-ready, then restarting, then newest pods first", () => {
    const pods = [
      pod("ready-old", { ready: true, node: "n", created: "2025-01-01T00:00:00Z" }),
      pod("ready-new", { ready: true, node: "n", created: "2025-01-01T00:05:00Z" }),
      pod("crashing", { ready: true, node: "n", restarts: 4 }),
      pod("not-ready", { node: "n" }),
      pod("pending", { phase: "Pending", node: "n" }),
      pod("unscheduled", { ready: true }),
    ];
    expect(pickSurplus(pods, 6).map((p) => p.metadata.name)).toEqual([
      "unscheduled",
      "pending",
      "not-ready",
      "crashing",
      "ready-new",
      "ready-old",
    ]);
    expect(pickSurplus(pods, 2)).toHaveLength(2);
  });
});

describe("podFor", () => {
  it("builds a pod from the template, named by the store from generateName and owned by the ReplicaSet", () => {
    const p = podFor(rs);
    expect(p.metadata).toMatchObject({
      generateName: "etcd-0-abc-",
      namespace: "etcd",
      labels: { app: "etcd-0", "pod-template-hash": "abc" },
      annotations: { note: "x" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "etcd-0-abc",
          uid: "rs-uid",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(p.spec).toEqual({ containers: [{ name: "etcd" }] });
    expect(p.status).toEqual({ phase: "Pending" });
  });
});
