import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectStore } from "../../src/api/object-store.js";
import { createDeleteObject } from "../../src/controllers/delete-object.js";
import { startControllers, type RunningControllers } from "../../src/controllers/start-controllers.js";
import { waitForStore } from "../../src/wait-for-store.js";
import { capturingLogger } from "./fixtures.js";

let store: ObjectStore;
let controllers: RunningControllers;

beforeEach(() => {
  store = new ObjectStore();
  controllers = startControllers(store, capturingLogger().logger);
});

afterEach(() => controllers.stop());

const configMap = (name: string, extra: Record<string, unknown> = {}) =>
  store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "etcd", ...extra } });

describe("garbage collector", () => {
  it("removes a dependent when its only owner is removed", async () => {
    const owner = configMap("owner");
    configMap("dependent", {
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid }],
    });
    store.remove("configmaps", "etcd", "owner");
    await waitForStore(store, () => !store.get("configmaps", "etcd", "dependent"), "the dependent to be removed", 5000);
  });

  it("drops only the reference to a missing owner when another owner remains", async () => {
    const a = configMap("a");
    const b = configMap("b");
    configMap("shared", {
      ownerReferences: [
        { apiVersion: "v1", kind: "ConfigMap", name: "a", uid: a.metadata.uid },
        { apiVersion: "v1", kind: "ConfigMap", name: "b", uid: b.metadata.uid },
      ],
    });
    store.remove("configmaps", "etcd", "a");
    const shared = await waitForStore(
      store,
      () => {
        const obj = store.get("configmaps", "etcd", "shared");
        return obj?.metadata.ownerReferences?.length === 1 ? obj : undefined;
      },
      "the reference to the removed owner to go",
      5000,
    );
    expect(shared.metadata.ownerReferences?.[0]?.name).toBe("b");
  });

  it("treats an owner recreated under the same name as a different owner", async () => {
    const first = configMap("owner");
    configMap("dependent", {
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: first.metadata.uid }],
    });
    store.remove("configmaps", "etcd", "owner");
    configMap("owner");
    await waitForStore(
      store,
      () => !store.get("configmaps", "etcd", "dependent"),
      "the dependent of the old owner to be removed",
      5000,
    );
  });

  it("leaves references to types the sandbox does not serve alone", async () => {
    configMap("dependent", {
      ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "u" }],
    });
    await controllers.idle();
    expect(store.get("configmaps", "etcd", "dependent")).toBeDefined();
  });

  it("finishes a deletion once the last finalizer is taken off", async () => {
    configMap("held", { finalizers: ["example.com/hold"] });
    createDeleteObject(store)("configmaps", "etcd", "held", {});
    await controllers.idle();
    expect(store.get("configmaps", "etcd", "held")).toBeDefined();
    store.mutate("configmaps", "etcd", "held", (obj) => {
      obj.metadata.finalizers = [];
    });
    await waitForStore(
      store,
      () => !store.get("configmaps", "etcd", "held"),
      "the released object to be removed",
      5000,
    );
  });
});
