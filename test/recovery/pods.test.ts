import type { V1ContainerState, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  findEtcdContainer,
  currentPod,
  podFacts,
  podPresence,
  podWaitingForOldClaim,
} from "../../src/recovery/pods.js";
import { selectorString } from "../../src/core/labels.js";
import { memberPod } from "../support/fake-world.js";

const T = Date.UTC(2024, 0, 1);

describe("selectorString", () => {
  it("writes matchLabels and matchExpressions in query syntax", () => {
    expect(
      selectorString({
        matchLabels: { app: "etcd", member: "3" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["a", "b"] },
          { key: "old", operator: "NotIn", values: ["x"] },
          { key: "has", operator: "Exists" },
          { key: "hasnt", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("app=etcd,member=3,tier in (a,b),old notin (x),has,!hasnt");
  });

  it("gives undefined for an empty selector, which would match every Pod", () => {
    expect(selectorString({})).toBeUndefined();
    expect(selectorString(undefined)).toBeUndefined();
  });
});

describe("findEtcdContainer", () => {
  const sidecar = { name: "metrics", command: ["proxy"] };
  it("prefers in turn: the container setting --initial-cluster, one named etcd, one running etcd, the first", () => {
    expect(findEtcdContainer([sidecar, { name: "server", args: ["--initial-cluster=x"] }])?.name).toBe("server");
    expect(
      findEtcdContainer([sidecar, { name: "server", env: [{ name: "ETCD_INITIAL_CLUSTER", value: "x" }] }])?.name,
    ).toBe("server");
    expect(findEtcdContainer([sidecar, { name: "etcd" }])?.name).toBe("etcd");
    expect(findEtcdContainer([sidecar, { name: "db", command: ["/usr/local/bin/etcd"] }])?.name).toBe("db");
    expect(findEtcdContainer([sidecar])?.name).toBe("metrics");
    expect(findEtcdContainer([])).toBeUndefined();
  });
});

describe("podFacts", () => {
  const pod = (state: Parameters<typeof memberPod>[0]["state"]) =>
    memberPod({ name: "p", namespace: "default", labels: {}, createdAt: T, state, readySince: T });

  it("sees CrashLoopBackOff as crash-looping", () => {
    expect(podFacts(pod({ kind: "crash-loop", restartCount: 3 }), "etcd")).toMatchObject({
      state: "waiting",
      stateReason: "CrashLoopBackOff",
      restartCount: 3,
      exitCode: 1,
      crashLooping: true,
      ready: false,
      readyChangedAt: T,
    });
  });

  it("sees a container running again after a crash, not yet Ready, as crash-looping", () => {
    const p = pod({ kind: "running", ready: false, restartCount: 2 });
    const status = p.status?.containerStatuses?.[0];
    if (status) status.lastState = { terminated: { exitCode: 2, reason: "Error" } };
    expect(podFacts(p).crashLooping).toBe(true);
  });

  it("sees a first start as not crash-looping", () => {
    expect(podFacts(pod({ kind: "creating" }))).toMatchObject({
      crashLooping: false,
      state: "waiting",
      stateReason: "ContainerCreating",
      phase: "Pending",
    });
    expect(podFacts(pod({ kind: "running", ready: true }))).toMatchObject({
      crashLooping: false,
      ready: true,
      state: "running",
    });
  });

  it("reads times given as strings too", () => {
    const p = pod({ kind: "running", ready: false });
    const condition = p.status?.conditions?.[0];
    if (condition) (condition as { lastTransitionTime?: unknown }).lastTransitionTime = "2024-01-01T00:00:10Z";
    expect(podFacts(p).readyChangedAt).toBe(T + 10_000);
  });
});

describe("currentPod and podPresence", () => {
  const make = (name: string, createdAt: number, ready: boolean, deleting = false): V1Pod => {
    const p = memberPod({
      name,
      namespace: "default",
      labels: {},
      createdAt,
      state: { kind: "running", ready },
      readySince: createdAt,
    });
    if (deleting && p.metadata) p.metadata.deletionTimestamp = new Date(createdAt);
    return p;
  };

  it("takes the newest Pod that is not being deleted", () => {
    expect(
      currentPod([make("old", T, true), make("new", T + 1, false), make("newest", T + 2, false, true)])?.metadata?.name,
    ).toBe("new");
    expect(currentPod([make("going", T, false, true)])?.metadata?.name).toBe("going");
    expect(currentPod([])).toBeUndefined();
  });

  it("is Ready when any Pod is, gone when none exists, else not Ready since the Ready condition changed", () => {
    expect(podPresence([make("a", T, false), make("b", T, true)])).toEqual({ kind: "ready", pod: "b" });
    expect(podPresence([])).toEqual({ kind: "gone" });
    expect(podPresence([make("a", T, false)])).toEqual({ kind: "not-ready", pod: "a", since: T });
  });
});

describe("podWaitingForOldClaim", () => {
  const pod = (uid: string, phase: string, extra: Partial<V1Pod["status"]> = {}, deleting = false): V1Pod => ({
    metadata: {
      name: "example-2",
      uid,
      creationTimestamp: new Date(T + Number(uid.slice(1)) * 1000),
      ...(deleting ? { deletionTimestamp: new Date(T + 60_000) } : {}),
    },
    status: { phase, ...extra },
  });

  it("finds the Pod made while the old claim was being deleted: Pending, no container ever started", () => {
    expect(podWaitingForOldClaim([pod("u1", "Running", {}, true), pod("u2", "Pending")], "u1")?.metadata?.uid).toBe(
      "u2",
    );
    const waiting = pod("u2", "Pending", { containerStatuses: [containerStatus({ waiting: { reason: "x" } })] });
    expect(podWaitingForOldClaim([waiting], "u1")?.metadata?.uid).toBe("u2");
  });

  it("leaves alone the Pod just replaced, a Pod being deleted, a started one and a running one", () => {
    expect(podWaitingForOldClaim([pod("u1", "Pending")], "u1")).toBeUndefined();
    expect(podWaitingForOldClaim([pod("u2", "Pending", {}, true)], "u1")).toBeUndefined();
    const crashed = containerStatus({ terminated: { exitCode: 2 } });
    expect(podWaitingForOldClaim([pod("u2", "Pending", { containerStatuses: [crashed] })], "u1")).toBeUndefined();
    expect(podWaitingForOldClaim([pod("u2", "Running")], "u1")).toBeUndefined();
    expect(podWaitingForOldClaim([], "u1")).toBeUndefined();
  });
});

function containerStatus(state: V1ContainerState): V1ContainerStatus {
  return { name: "etcd", image: "etcd", imageID: "", ready: false, restartCount: 0, state };
}
