import { beforeEach, describe, expect, it } from "vitest";
import { ObjectStore, type KubeObject } from "../../src/api/object-store.js";
import { StatusError } from "../../src/api/status-error.js";
import { createDeleteObject, type DeleteObject } from "../../src/controllers/delete-object.js";

let store: ObjectStore;
let deleteObject: DeleteObject;

beforeEach(() => {
  store = new ObjectStore();
  deleteObject = createDeleteObject(store);
});

function pod(name: string, grace?: number, owner?: KubeObject): KubeObject {
  return store.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "etcd",
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: owner.metadata.name,
                uid: owner.metadata.uid ?? "",
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: { containers: [{ name: "etcd" }], ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}) },
  });
}

function replicaSet(name: string): KubeObject {
  return store.create("replicasets.apps", {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "etcd" },
    spec: { replicas: 1 },
  });
}

const secondsLeft = (obj: KubeObject | undefined): number =>
  (Date.parse(obj?.metadata.deletionTimestamp ?? "") - Date.now()) / 1000;

describe("createDeleteObject", () => {
  it("marks a pod Terminating with its own grace period, and leaves removal to the kubelet", () => {
    pod("p", 12);
    const left = deleteObject("pods", "etcd", "p", {});
    expect(left?.metadata.deletionGracePeriodSeconds).toBe(12);
    expect(secondsLeft(left)).toBeGreaterThan(10);
    expect(store.get("pods", "etcd", "p")).toBeDefined();
  });

  it("gives a pod 30 seconds by default and the requested period when one is given", () => {
    pod("a");
    pod("b", 12);
    expect(deleteObject("pods", "etcd", "a", {})?.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(deleteObject("pods", "etcd", "b", { gracePeriodSeconds: 3 })?.metadata.deletionGracePeriodSeconds).toBe(3);
  });

  it("removes a pod at once with grace period 0, even one already Terminating", () => {
    pod("now");
    expect(deleteObject("pods", "etcd", "now", { gracePeriodSeconds: 0 })).toBeUndefined();
    expect(store.get("pods", "etcd", "now")).toBeUndefined();

    pod("later");
    deleteObject("pods", "etcd", "later", {});
    expect(deleteObject("pods", "etcd", "later", { gracePeriodSeconds: 0 })).toBeUndefined();
    expect(store.get("pods", "etcd", "later")).toBeUndefined();
  });

  it("removes a finished pod at once and treats a negative grace period as one second", () => {
    pod("done");
    store.mutate("pods", "etcd", "done", (obj) => {
      obj.status = { phase: "Failed" };
    });
    expect(deleteObject("pods", "etcd", "done", {})).toBeUndefined();
    pod("hurry");
    expect(deleteObject("pods", "etcd", "hurry", { gracePeriodSeconds: -5 })?.metadata.deletionGracePeriodSeconds).toBe(
      1,
    );
  });

  it("shortens the grace period of a Terminating pod but never lengthens it", () => {
    pod("p", 60);
    deleteObject("pods", "etcd", "p", {});
    const shorter = deleteObject("pods", "etcd", "p", { gracePeriodSeconds: 5 });
    expect(shorter?.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(secondsLeft(shorter)).toBeLessThanOrEqual(6);
    const longer = deleteObject("pods", "etcd", "p", { gracePeriodSeconds: 120 });
    expect(longer?.metadata.deletionGracePeriodSeconds).toBe(5);
  });

  it("throws the store's NotFound for a missing object", () => {
    let caught: unknown;
    try {
      deleteObject("deployments.apps", "etcd", "nope", {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StatusError);
    expect((caught as StatusError).code).toBe(404);
    expect((caught as StatusError).message).toBe('deployments.apps "nope" not found');
  });

  it("removes other objects at once in Background, leaving dependents to the garbage collector", () => {
    const rs = replicaSet("rs");
    pod("child", undefined, rs);
    expect(deleteObject("replicasets.apps", "etcd", "rs", {})).toBeUndefined();
    expect(store.get("replicasets.apps", "etcd", "rs")).toBeUndefined();
    expect(store.get("pods", "etcd", "child")?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("holds an owner with dependents in Foreground behind the foregroundDeletion finalizer", () => {
    const rs = replicaSet("rs");
    pod("child", undefined, rs);
    const held = deleteObject("replicasets.apps", "etcd", "rs", { propagationPolicy: "Foreground" });
    expect(held?.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.deletionGracePeriodSeconds).toBe(0);
  });

  it("removes an owner without dependents at once even in Foreground", () => {
    replicaSet("lonely");
    expect(deleteObject("replicasets.apps", "etcd", "lonely", { propagationPolicy: "Foreground" })).toBeUndefined();
  });

  it("strips the owner reference from dependents in Orphan, then removes the owner", () => {
    const rs = replicaSet("rs");
    const child = pod("child", undefined, rs);
    store.mutate("pods", "etcd", "child", (obj) => {
      obj.metadata.ownerReferences = [
        ...(obj.metadata.ownerReferences ?? []),
        { apiVersion: "v1", kind: "ConfigMap", name: "keep", uid: "other" },
      ];
    });
    expect(deleteObject("replicasets.apps", "etcd", "rs", { propagationPolicy: "Orphan" })).toBeUndefined();
    expect(store.get("pods", "etcd", "child")?.metadata.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", name: "keep", uid: "other" },
    ]);
    expect(child.metadata.uid).toBe(store.get("pods", "etcd", "child")?.metadata.uid);
  });

  it("keeps an object with a finalizer of its own until the finalizer is taken off", () => {
    store.create("configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", namespace: "etcd", finalizers: ["example.com/hold"] },
    });
    const held = deleteObject("configmaps", "etcd", "cm", {});
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toEqual(["example.com/hold"]);
  });
});
